// Periodic clean-up of identity tables: expired email links, old sign-in failures, dead sessions.
// Meant for the 5-minute cron; every delete is bounded by an index on the time column.
import { and, isNotNull, lte, or } from "drizzle-orm";
import type { Database } from "../db/client";
import { authAttempts, emailTokens, sessions } from "../db/schema";
import { SIGN_IN_WINDOW_MS } from "./rate-limit";
import { SESSION_IDLE_MS } from "./session";

/** Used links are kept a day, so "a link was sent a minute ago" brakes and support questions still see them. */
export const USED_TOKEN_RETENTION_MS = 24 * 60 * 60 * 1000;

export interface AuthCleanupResult {
	emailTokens: number;
	authAttempts: number;
	sessions: number;
}

export async function cleanupAuthTables(db: Database, now: number): Promise<AuthCleanupResult> {
	const [tokens, attempts, dead] = await db.batch([
		db
			.delete(emailTokens)
			.where(or(lte(emailTokens.expiresAt, now), and(isNotNull(emailTokens.usedAt), lte(emailTokens.usedAt, now - USED_TOKEN_RETENTION_MS))))
			.returning({ id: emailTokens.id }),
		// Failures older than the window never count again.
		db.delete(authAttempts).where(lte(authAttempts.at, now - SIGN_IN_WINDOW_MS)).returning({ id: authAttempts.id }),
		db
			.delete(sessions)
			.where(or(lte(sessions.expiresAt, now), lte(sessions.lastSeenAt, now - SESSION_IDLE_MS)))
			.returning({ id: sessions.id }),
	]);
	return { emailTokens: tokens.length, authAttempts: attempts.length, sessions: dead.length };
}
