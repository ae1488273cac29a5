// /auth: email-and-password accounts: sign-up, sign-in and out, session, verification, password set and reset.
import type { Context } from "hono";
import { Hono } from "hono";
import { eq } from "drizzle-orm";
import { z } from "zod";
import { claimGuestCustomers } from "../../auth/customer-claims";
import { passwordResetEmail } from "../../auth/emails";
import { takeOverUnprovenAccount } from "../../auth/mailbox-proof";
import { hashPassword, passwordNeedsRehash, passwordSchema, verifyAgainstDummy, verifyPassword } from "../../auth/password";
import { clearAccountFailures, reserveSignInAttempt, signInSucceeded } from "../../auth/rate-limit";
import { invalidateUserSessions } from "../../auth/session";
import { consumeEmailToken, invalidLinkError, issueEmailToken, issuedSince, peekEmailToken } from "../../auth/tokens";
import { changeEmail, confirmEmail, emailInUse, sessionUserById, setPasswordHash, userByEmail } from "../../db/queries/users";
import { users } from "../../db/schema";
import { RateLimitedError, UnauthorizedError, UnprocessableError } from "../../errors";
import { newId } from "../../ids";
import type { AppEnv } from "../context";
import { sendInBackground } from "../mailer";
import { requireSameOrigin } from "./csrf-protection";
import { appLink, sendVerification } from "./email-links";
import { emailSchema, nameSchema, tokenSchema } from "./fields";
import { parseJsonBody } from "./json-body";
import { pendingLogin } from "./pending-login";
import { clearSessionCookie, endSession, startSession } from "./session-cookie";
import { sessionView } from "./session-view";

const optionalName = nameSchema.optional();

const signUpBody = z.object({ email: emailSchema, password: passwordSchema, firstName: optionalName, lastName: optionalName });
// Sign-in checks only the bounds, not the policy: a rule added later must not lock out older passwords.
const signInBody = z.object({ email: emailSchema, password: z.string().min(1).max(256) });
const tokenBody = z.object({ token: tokenSchema });
const forgotBody = z.object({ email: emailSchema });
const resetBody = z.object({ token: tokenSchema, password: passwordSchema });
const setPasswordBody = z.object({
	password: passwordSchema,
	currentPassword: z.string().min(1).max(256).optional(),
	/** End every other session of the account. Absent: yes when a password is changed, no when one is added. */
	signOutOtherDevices: z.boolean().optional(),
});
/** At most one reset or verification mail a minute per account. */
const RESEND_INTERVAL_MS = 60 * 1000;

function clientIp(c: Context<AppEnv>): string | null {
	return c.req.header("cf-connecting-ip") ?? null;
}

/** What following a confirmation link came to. */
type Confirmation = "confirmed" | "invalid" | "signin-required";

/**
 * Marks the address verified if the token is good and still names the account's current address,
 * or, for a change of address, moves the account to the newly proven one; but only in a browser
 * signed in to that account. The mailbox alone does not prove the account's logins: whoever
 * registered the address first (with a password, or a Facebook login that claims it) would keep
 * them on an account now verified, holding the owner's guest bookings and open to linking. In the
 * browser signed in to it, whoever reads the mailbox holds the logins; anyone else is asked to sign
 * in first, and a mailbox owner who cannot resets the password, which takes the account over
 * (takeOverUnprovenAccount). Verification unlocks account linking, so the session is replaced.
 */
async function verifyEmail(c: Context<AppEnv>, token: string, now: number): Promise<Confirmation> {
	const db = c.var.db;
	const link = await peekEmailToken(db, token, "verify-email", now);
	if (link === null || link.userId === null) return "invalid";
	// Left unused, so the same link works once the account is signed in here.
	if (c.var.session?.userId !== link.userId) return "signin-required";
	const row = await consumeEmailToken(db, token, "verify-email", now);
	if (row === null || row.userId === null) return "invalid";
	let updated: { id: string } | undefined;
	if (row.payload?.["change"] === "email") {
		if (await emailInUse(db, row.email)) return "invalid";
		updated = await changeEmail(db, row.userId, row.email, now);
	} else {
		updated = await confirmEmail(db, row.userId, row.email, now).get();
	}
	if (updated !== undefined) {
		await claimGuestCustomers(db, row.userId, row.email);
		await startSession(c, row.userId, now);
	}
	return "confirmed";
}

export const authRoutes = new Hono<AppEnv>()
	// No session exists yet on most of these, so the global CSRF token check cannot apply; the
	// origin check still stops another site from signing a visitor into an account of its choosing.
	.use(requireSameOrigin)
	// Finishing a refused provider login lives under /auth too.
	.route("/", pendingLogin)

	.post("/signup", async (c) => {
		const body = await parseJsonBody(c, signUpBody);
		const now = Date.now();
		const id = newId("usr");
		const created = await c.var.db
			.insert(users)
			.values({
				id,
				email: body.email,
				passwordHash: await hashPassword(body.password),
				firstName: body.firstName ?? null,
				lastName: body.lastName ?? null,
			})
			.onConflictDoNothing({ target: users.email })
			.returning({ id: users.id })
			.get();
		if (created === undefined) {
			throw new UnprocessableError("email-taken", "An account with this email already exists. Sign in or reset your password.");
		}
		await sendVerification(c, id, body.email, now);
		await startSession(c, id, now);
		return c.json(await sessionView(c), 201);
	})

	.post("/signin", async (c) => {
		const body = await parseJsonBody(c, signInBody);
		const now = Date.now();
		const attempt = await reserveSignInAttempt(c.var.db, { email: body.email, ip: clientIp(c) }, now);
		const user = await userByEmail(c.var.db, body.email);
		const valid =
			user?.passwordHash !== undefined && user.passwordHash !== null
				? await verifyPassword(body.password, user.passwordHash)
				: await verifyAgainstDummy(body.password);
		// The reserved attempt stays as the failure. One message for "no such account" and "wrong password".
		if (user === undefined || !valid) throw new UnauthorizedError("The email or password is incorrect");
		await signInSucceeded(c.var.db, attempt);
		if (user.passwordHash !== null && passwordNeedsRehash(user.passwordHash)) {
			await setPasswordHash(c.var.db, user.id, await hashPassword(body.password));
		}
		await startSession(c, user.id, now);
		return c.json(await sessionView(c));
	})

	.post("/signout", async (c) => {
		await endSession(c);
		return c.body(null, 204);
	})

	.post("/signout-all", async (c) => {
		const user = c.var.user;
		if (user === undefined) throw new UnauthorizedError("Sign in to continue");
		await invalidateUserSessions(c.var.db, user.id);
		clearSessionCookie(c);
		return c.body(null, 204);
	})

	.get("/session", async (c) => {
		c.header("cache-control", "no-store");
		return c.json(await sessionView(c));
	})

	.post("/verify-email", async (c) => {
		const body = await parseJsonBody(c, tokenBody);
		const outcome = await verifyEmail(c, body.token, Date.now());
		if (outcome === "invalid") throw invalidLinkError();
		if (outcome === "signin-required") throw new UnauthorizedError("Sign in to the account of this address, then confirm it again.");
		return c.json(await sessionView(c));
	})

	.post("/verify-email/resend", async (c) => {
		const user = c.var.user;
		if (user === undefined) throw new UnauthorizedError("Sign in to continue");
		const now = Date.now();
		if (user.emailVerifiedAt !== null) throw new UnprocessableError("already-verified", "This email address is already verified.");
		if (await issuedSince(c.var.db, user.id, "verify-email", now - RESEND_INTERVAL_MS)) {
			throw new RateLimitedError("A confirmation email was sent less than a minute ago.", 60);
		}
		await sendVerification(c, user.id, user.email, now);
		return c.json({ message: "We have sent a new confirmation link." }, 202);
	})

	// The link in the email. Mail scanners may fetch it first: without the account's session they
	// change nothing and use nothing up.
	.get("/verify-email", async (c) => {
		const token = c.req.query("token") ?? "";
		const outcome = token === "" ? "invalid" : await verifyEmail(c, token, Date.now());
		c.header("referrer-policy", "no-referrer");
		const next = outcome === "signin-required" ? "/signin?error=confirm-signin-required" : `/?email-verified=${outcome === "confirmed" ? "1" : "0"}`;
		return c.redirect(new URL(next, c.env.APP_URL).toString(), 303);
	})

	// Adds a password to an account that signs in with Google or Facebook, or changes it (which
	// needs the current one). Either way the browser gets a new session; other devices are signed
	// out when asked (by default, when a password is changed).
	.post("/password", async (c) => {
		const user = c.var.user;
		const session = c.var.session;
		if (user === undefined || session === undefined) throw new UnauthorizedError("Sign in to continue");
		const body = await parseJsonBody(c, setPasswordBody);
		const now = Date.now();
		const row = await c.var.db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, user.id)).get();
		const current = row?.passwordHash ?? null;
		if (current !== null) {
			// Guessing the current password from a stolen session counts like guessing it at sign-in.
			const attempt = await reserveSignInAttempt(c.var.db, { email: user.email, ip: clientIp(c) }, now);
			if (body.currentPassword === undefined || !(await verifyPassword(body.currentPassword, current))) {
				throw new UnauthorizedError("The current password is incorrect");
			}
			await signInSucceeded(c.var.db, attempt);
		}
		await setPasswordHash(c.var.db, user.id, await hashPassword(body.password));
		// A new way in is a change of privilege: a session id seen before it is worth nothing after.
		const rotated = await startSession(c, user.id, now);
		if (body.signOutOtherDevices ?? current !== null) await invalidateUserSessions(c.var.db, user.id, rotated.id);
		return c.json(await sessionView(c));
	})

	.post("/password/forgot", async (c) => {
		const body = await parseJsonBody(c, forgotBody);
		const now = Date.now();
		const user = await userByEmail(c.var.db, body.email);
		if (user !== undefined && !(await issuedSince(c.var.db, user.id, "reset-password", now - RESEND_INTERVAL_MS))) {
			const token = await issueEmailToken(c.var.db, { purpose: "reset-password", userId: user.id, email: body.email }, now);
			sendInBackground(c, passwordResetEmail(body.email, appLink(c, "/reset-password", token)), "reset-password");
		}
		// The same answer whether or not the account exists.
		return c.json({ message: "If an account uses this address, we have sent it a link to reset the password." }, 202);
	})

	.post("/password/reset", async (c) => {
		const body = await parseJsonBody(c, resetBody);
		const now = Date.now();
		const row = await consumeEmailToken(c.var.db, body.token, "reset-password", now);
		if (row === null || row.userId === null) throw invalidLinkError();
		const user = await sessionUserById(c.var.db, row.userId);
		// The address changed since the link was sent: the link no longer proves control of the account.
		if (user === undefined || user.email !== row.email) throw invalidLinkError();
		await c.var.db
			.update(users)
			// Following the link proved control of the mailbox.
			.set({ passwordHash: await hashPassword(body.password), emailVerifiedAt: user.emailVerifiedAt ?? now })
			.where(eq(users.id, user.id));
		// Nobody had proven this address: a provider login attached before (someone else's Facebook
		// claiming it, say) must not survive the mailbox owner taking the account.
		if (user.emailVerifiedAt === null) await takeOverUnprovenAccount(c.var.db, user.id, user.email);
		await invalidateUserSessions(c.var.db, user.id);
		await clearAccountFailures(c.var.db, { email: user.email, ip: clientIp(c) });
		await startSession(c, user.id, now);
		return c.json(await sessionView(c));
	});
