// Database sessions: random tokens held only by the browser, stored as SHA-256 hashes, with idle
// and absolute expiry. Every function takes `now` so expiry is testable without waiting.
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import { and, eq, ne } from "drizzle-orm";
import type { Database } from "../db/client";
import { sessionUserColumns } from "../db/queries/users";
import type { SessionUser } from "../db/queries/users";
import { sessions, users } from "../db/schema";

/** 160 bits: well above the 128 needed to make guessing hopeless. */
const TOKEN_BYTES = 20;
export const SESSION_IDLE_MS = 7 * 24 * 60 * 60 * 1000;
export const SESSION_ABSOLUTE_MS = 30 * 24 * 60 * 60 * 1000;
/** lastSeenAt is written at most this often, so a busy session does not write D1 on every request. */
export const SESSION_TOUCH_INTERVAL_MS = 60 * 60 * 1000;

export interface Session {
	/** SHA-256 of the token, hex. Safe to log; the token is not. */
	id: string;
	userId: string;
	createdAt: number;
	lastSeenAt: number;
	expiresAt: number;
	/** The business the admin acts on, as chosen with the switcher (null: the oldest membership). */
	merchantId: string | null;
}

export interface SessionValidation {
	session: Session;
	user: SessionUser;
}

/** Random token, encoded for a cookie (lower-case base32, 32 characters). */
export function generateSessionToken(): string {
	return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(TOKEN_BYTES)));
}

export function sessionIdFromToken(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export async function createSession(db: Database, userId: string, now: number, merchantId: string | null = null): Promise<{ token: string; session: Session }> {
	const token = generateSessionToken();
	const session: Session = {
		id: sessionIdFromToken(token),
		userId,
		createdAt: now,
		lastSeenAt: now,
		expiresAt: now + SESSION_ABSOLUTE_MS,
		merchantId,
	};
	await db.insert(sessions).values(session);
	return { token, session };
}

/**
 * Looks up the session a token names. Expired sessions are deleted and answer null; a live one
 * has its idle clock extended (throttled by SESSION_TOUCH_INTERVAL_MS).
 */
export async function validateSessionToken(db: Database, token: string, now: number): Promise<SessionValidation | null> {
	const id = sessionIdFromToken(token);
	const row = await db
		.select({ session: sessions, user: sessionUserColumns })
		.from(sessions)
		.innerJoin(users, eq(users.id, sessions.userId))
		.where(eq(sessions.id, id))
		.get();
	if (row === undefined) return null;
	const session: Session = row.session;
	if (now >= session.expiresAt || now >= session.lastSeenAt + SESSION_IDLE_MS) {
		await db.delete(sessions).where(eq(sessions.id, id));
		return null;
	}
	if (now - session.lastSeenAt >= SESSION_TOUCH_INTERVAL_MS) {
		session.lastSeenAt = now;
		await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, id));
	}
	return { session, user: row.user };
}

/** Remembers which business the session's admin acts on; the caller has checked the membership. */
export async function setSessionMerchant(db: Database, sessionId: string, merchantId: string): Promise<void> {
	await db.update(sessions).set({ merchantId }).where(eq(sessions.id, sessionId));
}

export async function invalidateSession(db: Database, sessionId: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Signs a user out everywhere, optionally keeping one session (the one making the request). */
export async function invalidateUserSessions(db: Database, userId: string, keepSessionId?: string): Promise<void> {
	const condition =
		keepSessionId === undefined ? eq(sessions.userId, userId) : and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId));
	await db.delete(sessions).where(condition);
}
