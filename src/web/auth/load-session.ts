// Middleware: turns the session cookie into c.var.user / c.var.session (or clears a dead cookie).
import { createMiddleware } from "hono/factory";
import { validateSessionToken } from "../../auth/session";
import type { AppEnv } from "../context";
import { clearSessionCookie, readSessionCookie } from "./session-cookie";

export const loadSession = createMiddleware<AppEnv>(async function loadSession(c, next) {
	const token = readSessionCookie(c);
	if (token !== undefined && token !== "") {
		const found = await validateSessionToken(c.var.db, token, Date.now());
		if (found === null) {
			clearSessionCookie(c);
		} else {
			c.set("session", found.session);
			c.set("user", found.user);
		}
	}
	await next();
});
