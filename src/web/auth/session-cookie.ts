// The session cookie and the one way a request signs someone in: a fresh session every time.
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createSession, invalidateSession } from "../../auth/session";
import type { Session } from "../../auth/session";
import type { AppEnv } from "../context";

/** With the "host" prefix Hono names it `__Host-slotline_session` and insists on Secure and Path=/. */
const COOKIE_NAME = "slotline_session";
export const SESSION_COOKIE = `__Host-${COOKIE_NAME}`;

export function readSessionCookie(c: Context<AppEnv>): string | undefined {
	return getCookie(c, COOKIE_NAME, "host");
}

export function setSessionCookie(c: Context<AppEnv>, token: string, session: Session): void {
	setCookie(c, COOKIE_NAME, token, {
		prefix: "host",
		httpOnly: true,
		secure: true,
		sameSite: "Lax",
		path: "/",
		// The browser may keep it until the absolute expiry; the server enforces the idle limit.
		expires: new Date(session.expiresAt),
	});
}

export function clearSessionCookie(c: Context<AppEnv>): void {
	deleteCookie(c, COOKIE_NAME, { prefix: "host", secure: true, path: "/" });
}

/**
 * Signs `userId` in with a brand-new session and drops the session the request came with, so a
 * session id planted before sign-in (or before a privilege change) is worthless afterwards. The
 * business the admin acts on is `merchantId` when given (one just joined), else the same person's
 * previous choice: a rotation must not switch business under them.
 */
export async function startSession(c: Context<AppEnv>, userId: string, now: number, merchantId?: string): Promise<Session> {
	const previous = c.var.session;
	if (previous !== undefined) await invalidateSession(c.var.db, previous.id);
	const chosen = merchantId ?? (previous?.userId === userId ? previous.merchantId : null);
	const { token, session } = await createSession(c.var.db, userId, now, chosen);
	setSessionCookie(c, token, session);
	c.set("session", session);
	return session;
}

/** Ends the request's session (if any) and clears the cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
	const current = c.var.session;
	if (current !== undefined) await invalidateSession(c.var.db, current.id);
	clearSessionCookie(c);
	c.set("session", undefined);
	c.set("user", undefined);
}
