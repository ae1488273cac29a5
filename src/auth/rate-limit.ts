// Sliding-window limits on failed sign-ins, per account and per client IP, kept in D1.
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { and, asc, count, eq, gt, lte } from "drizzle-orm";
import type { Database } from "../db/client";
import { authAttempts } from "../db/schema";
import { RateLimitedError } from "../errors";

export const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;
/** Per account: slows guessing one person's password to a crawl. */
export const ACCOUNT_FAILURE_LIMIT = 5;
/** Per IP: higher, because offices and mobile carriers share addresses. */
export const IP_FAILURE_LIMIT = 20;

export interface AttemptSubjects {
	/** Lower-cased email as typed, whether or not an account exists (so limits do not reveal accounts). */
	email: string;
	/** CF-Connecting-IP; null when unknown (local tools), which then skips the IP limit. */
	ip: string | null;
}

type Scope = (typeof authAttempts.$inferInsert)["scope"];

function digest(value: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(value)));
}

function keys(subjects: AttemptSubjects): Array<{ scope: Scope; subject: string; limit: number }> {
	const result: Array<{ scope: Scope; subject: string; limit: number }> = [
		{ scope: "account", subject: digest(subjects.email), limit: ACCOUNT_FAILURE_LIMIT },
	];
	if (subjects.ip !== null) result.push({ scope: "ip", subject: digest(subjects.ip), limit: IP_FAILURE_LIMIT });
	return result;
}

/** Throws RateLimitedError (429 with Retry-After) when either window is full. Call before checking the password. */
export async function assertSignInAllowed(db: Database, subjects: AttemptSubjects, now: number): Promise<void> {
	const since = now - SIGN_IN_WINDOW_MS;
	for (const key of keys(subjects)) {
		const row = await db
			.select({ failures: count() })
			.from(authAttempts)
			.where(and(eq(authAttempts.scope, key.scope), eq(authAttempts.subject, key.subject), gt(authAttempts.at, since)))
			.get();
		if (row !== undefined && row.failures >= key.limit) {
			// The window frees a slot when its oldest counted failure ages out.
			const nth = await db
				.select({ at: authAttempts.at })
				.from(authAttempts)
				.where(and(eq(authAttempts.scope, key.scope), eq(authAttempts.subject, key.subject), gt(authAttempts.at, since)))
				.orderBy(asc(authAttempts.at))
				.limit(1)
				.offset(row.failures - key.limit)
				.get();
			const freesAt = (nth?.at ?? now) + SIGN_IN_WINDOW_MS;
			const retryAfterSeconds = Math.max(1, Math.ceil((freesAt - now) / 1000));
			const detail =
				key.scope === "account"
					? "Too many failed sign-in attempts for this account. Try again later or reset your password."
					: "Too many failed sign-in attempts from your network. Try again later.";
			throw new RateLimitedError(detail, retryAfterSeconds);
		}
	}
}

export async function recordSignInFailure(db: Database, subjects: AttemptSubjects, now: number): Promise<void> {
	const rows = keys(subjects).map((key) => ({ scope: key.scope, subject: key.subject, at: now }));
	await db.batch([
		db.insert(authAttempts).values(rows),
		// Rows older than the window never count again; trimming here keeps the table small without a cron.
		db.delete(authAttempts).where(lte(authAttempts.at, now - SIGN_IN_WINDOW_MS)),
	]);
}

/** A successful sign-in clears the account's failures (not the IP's: one good password must not unlock guessing others). */
export async function clearAccountFailures(db: Database, email: string): Promise<void> {
	await db.delete(authAttempts).where(and(eq(authAttempts.scope, "account"), eq(authAttempts.subject, digest(email))));
}
