import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { USED_TOKEN_RETENTION_MS, cleanupAuthTables } from "../../src/auth/cleanup";
import { SIGN_IN_WINDOW_MS, reserveSignInAttempt } from "../../src/auth/rate-limit";
import { SESSION_IDLE_MS, createSession, validateSessionToken } from "../../src/auth/session";
import { EMAIL_TOKEN_TTL_MS, consumeEmailToken, issueEmailToken } from "../../src/auth/tokens";
import { authAttempts, emailTokens, users } from "../../src/db/schema";
import { db, uniqueEmail } from "./harness";

const HOUR = 60 * 60 * 1000;
const T0 = Date.UTC(2026, 4, 1);

describe("cleanupAuthTables (for the cron)", () => {
	it("deletes expired and long-used email links, stale failures and dead sessions, and keeps live ones", async () => {
		const userId = `usr_${crypto.randomUUID()}`;
		const email = uniqueEmail();
		await db().insert(users).values({ id: userId, email });
		// Different purposes, so issuing one does not withdraw another.
		await issueEmailToken(db(), { purpose: "reset-password", userId, email }, T0);
		const used = await issueEmailToken(db(), { purpose: "verify-email", userId, email }, T0);
		await consumeEmailToken(db(), used, "verify-email", T0 + 1);
		await issueEmailToken(db(), { purpose: "invite", email, staffId: null }, T0);
		const now = T0 + EMAIL_TOKEN_TTL_MS["reset-password"] + USED_TOKEN_RETENTION_MS / 2;

		const subjects = { email, ip: "192.0.2.1" };
		// One row per limit each attempt counts under: this client on this account, the account, the client.
		await reserveSignInAttempt(db(), subjects, now - 1000);
		await reserveSignInAttempt(db(), subjects, now - SIGN_IN_WINDOW_MS - 1000);
		const idle = await createSession(db(), userId, now - SESSION_IDLE_MS - HOUR);
		const live = await createSession(db(), userId, now - HOUR);

		const result = await cleanupAuthTables(db(), now);
		// The reset link expired; the used verification link is within its retention; the invitation lives 7 days.
		expect(result).toEqual({ emailTokens: 1, authAttempts: 3, sessions: 1 });
		expect(await db().select({ purpose: emailTokens.purpose }).from(emailTokens).where(eq(emailTokens.email, email)).all()).toEqual(
			expect.arrayContaining([{ purpose: "verify-email" }, { purpose: "invite" }]),
		);
		expect(await db().select().from(authAttempts).all()).toHaveLength(3);
		expect(await validateSessionToken(db(), live.token, now)).not.toBeNull();
		expect(await validateSessionToken(db(), idle.token, now)).toBeNull();

		const later = await cleanupAuthTables(db(), T0 + USED_TOKEN_RETENTION_MS + EMAIL_TOKEN_TTL_MS.invite);
		expect(later.emailTokens).toBe(2);
	});
});
