// Sliding-window limits on wrong passwords (sign-in, changing a password, joining a business with an
// existing account), kept in D1. An attempt is reserved before the password is checked, in one
// statement that counts and inserts, so parallel guesses cannot all slip under the limit; a right
// password takes its reservation back. Limits are keyed so that a guesser locks out only itself.
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { and, asc, count, eq, gt, inArray, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { authAttempts } from "../db/schema";
import { RateLimitedError } from "../errors";

export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
/** Per account from one client: slows one guesser to a crawl without touching the owner elsewhere. */
export const CLIENT_ACCOUNT_FAILURE_LIMIT = 5;
/** Per client across accounts: higher, because offices and mobile carriers share addresses. */
export const IP_FAILURE_LIMIT = 20;
/**
 * Per account from every client together: bounds guessing spread over many networks. Reaching it
 * takes many of them, and even then the owner gets in through the mailbox: a password reset signs
 * them in and clears it.
 */
export const ACCOUNT_FAILURE_LIMIT = 100;

export interface AttemptSubjects {
	/** Lower-cased email as typed, whether or not an account exists (so limits do not reveal accounts). */
	email: string;
	/** CF-Connecting-IP; null when unknown (local tools), which then skips the IP limit. */
	ip: string | null;
}

/** A reserved attempt: counted as a failure unless `signInSucceeded` takes it back. */
export interface SignInAttempt {
	ids: number[];
	subjects: AttemptSubjects;
}

type Scope = (typeof authAttempts.$inferInsert)["scope"];

function digest(value: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(value)));
}

/**
 * The client an address stands for. An IPv6 host picks freely among the 2^64 addresses of its
 * /64, so the /64 is the client; IPv4 (also when written IPv4-mapped) is the address itself.
 */
export function clientOf(ip: string): string {
	const address = ip.trim().toLowerCase();
	if (!address.includes(":")) return address;
	if (address.includes(".")) return address.slice(address.lastIndexOf(":") + 1);
	const [head = "", tail = ""] = address.split("::");
	const left = head === "" ? [] : head.split(":");
	const right = tail === "" ? [] : tail.split(":");
	const groups = address.includes("::") ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right] : left;
	return `${groups
		.slice(0, 4)
		.map((group) => group.replace(/^0+(?=.)/, ""))
		.join(":")}::/64`;
}

/** This client's failures on this account (a client of unknown address is one client). */
function clientAccountSubject(subjects: AttemptSubjects): string {
	return digest(`${subjects.email}\n${subjects.ip === null ? "unknown" : clientOf(subjects.ip)}`);
}

function keys(subjects: AttemptSubjects): Array<{ scope: Scope; subject: string; limit: number }> {
	const result: Array<{ scope: Scope; subject: string; limit: number }> = [
		{ scope: "account-client", subject: clientAccountSubject(subjects), limit: CLIENT_ACCOUNT_FAILURE_LIMIT },
		{ scope: "account", subject: digest(subjects.email), limit: ACCOUNT_FAILURE_LIMIT },
	];
	if (subjects.ip !== null) result.push({ scope: "ip", subject: digest(clientOf(subjects.ip)), limit: IP_FAILURE_LIMIT });
	return result;
}

const REFUSALS: Record<Scope, string> = {
	"account-client": "Too many failed sign-in attempts for this account from your network. Try again later or reset your password.",
	account: "Too many failed sign-in attempts for this account. Reset your password to sign in now, or try again later.",
	ip: "Too many failed sign-in attempts from your network. Try again later.",
};

/**
 * Reserves one attempt under every limit, or throws RateLimitedError (429 with Retry-After) when
 * any is full. Call before checking the password. One INSERT … SELECT counts and inserts (SQLite
 * runs a statement whole), so of any number of parallel attempts only as many as fit get through.
 */
export async function reserveSignInAttempt(db: Database, subjects: AttemptSubjects, now: number): Promise<SignInAttempt> {
	const since = now - SIGN_IN_WINDOW_MS;
	const limits = keys(subjects);
	const rows = sql.join(
		limits.map((key) => sql`select ${key.scope} as scope, ${key.subject} as subject`),
		sql` union all `,
	);
	const room = sql.join(
		limits.map(
			(key) =>
				sql`(select count(*) from ${authAttempts} where ${authAttempts.scope} = ${key.scope} and ${authAttempts.subject} = ${key.subject} and ${authAttempts.at} > ${since}) < ${key.limit}`,
		),
		sql` and `,
	);
	const reserved = await db.all<{ id: number }>(
		sql`insert into ${authAttempts} (scope, subject, at) select scope, subject, ${now} from (${rows}) where ${room} returning id`,
	);
	if (reserved.length === 0) throw await refusal(db, limits, now);
	return { ids: reserved.map((row) => row.id), subjects };
}

/** Which limit is full, and when its oldest counted attempt leaves the window. */
async function refusal(db: Database, limits: ReturnType<typeof keys>, now: number): Promise<RateLimitedError> {
	const since = now - SIGN_IN_WINDOW_MS;
	for (const key of limits) {
		const inWindow = and(eq(authAttempts.scope, key.scope), eq(authAttempts.subject, key.subject), gt(authAttempts.at, since));
		const row = await db.select({ attempts: count() }).from(authAttempts).where(inWindow).get();
		if (row === undefined || row.attempts < key.limit) continue;
		const nth = await db
			.select({ at: authAttempts.at })
			.from(authAttempts)
			.where(inWindow)
			.orderBy(asc(authAttempts.at))
			.limit(1)
			.offset(row.attempts - key.limit)
			.get();
		const freesAt = (nth?.at ?? now) + SIGN_IN_WINDOW_MS;
		return new RateLimitedError(REFUSALS[key.scope], Math.max(1, Math.ceil((freesAt - now) / 1000)));
	}
	// Freed between the reservation and this look: a moment later the attempt would fit.
	return new RateLimitedError(REFUSALS["account-client"], 1);
}

/**
 * The password was right: the attempt was no failure, and this client's earlier failures on the
 * account are forgiven (not the client's on other accounts: one good password must not unlock
 * guessing others, nor other clients' on this one).
 */
export async function signInSucceeded(db: Database, attempt: SignInAttempt): Promise<void> {
	await db
		.delete(authAttempts)
		.where(
			or(
				inArray(authAttempts.id, attempt.ids),
				and(eq(authAttempts.scope, "account-client"), eq(authAttempts.subject, clientAccountSubject(attempt.subjects))),
			),
		);
}

/**
 * The mailbox was proven (a reset link): the account's own limit, which guessers elsewhere may
 * have filled, and this client's failures on it are cleared.
 */
export async function clearAccountFailures(db: Database, subjects: AttemptSubjects): Promise<void> {
	await db
		.delete(authAttempts)
		.where(
			or(
				and(eq(authAttempts.scope, "account"), eq(authAttempts.subject, digest(subjects.email))),
				and(eq(authAttempts.scope, "account-client"), eq(authAttempts.subject, clientAccountSubject(subjects))),
			),
		);
}
