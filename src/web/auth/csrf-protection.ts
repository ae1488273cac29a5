// Middleware against cross-site request forgery: an Origin (or Sec-Fetch-Site) check, plus a
// session-bound token on every state-changing request that a session cookie authenticates.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { verifyCsrfToken } from "../../auth/csrf";
import { ForbiddenError, ValidationError } from "../../errors";
import type { AppEnv } from "../context";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/** Browsers send Sec-Fetch-Site and Origin on every POST, so a request with neither is refused too. */
function isSameOrigin(c: Context<AppEnv>): boolean {
	if (c.req.header("sec-fetch-site") === "same-origin") return true;
	const origin = c.req.header("origin");
	return origin !== undefined && origin === new URL(c.env.APP_URL).origin;
}

async function submittedToken(c: Context<AppEnv>): Promise<string | undefined> {
	const header = c.req.header("x-csrf-token");
	if (header !== undefined) return header;
	if (FORM_TYPES.test(c.req.header("content-type") ?? "")) {
		let form: Record<string, unknown>;
		try {
			// parseBody caches the body, so the route can still read the form afterwards.
			form = await c.req.parseBody();
		} catch {
			// A form body that cannot be parsed (a multipart body without its boundary, say) is the
			// client's fault: the token it may carry cannot be read, so the request cannot go on.
			throw new ValidationError([{ field: "(root)", message: "The form body could not be read, so its _csrf field could not be checked" }]);
		}
		const field = form["_csrf"];
		if (typeof field === "string") return field;
	}
	return undefined;
}

/**
 * For endpoints that have no session yet (sign-in, sign-up, reset): refuses cross-site posts,
 * which would otherwise let another site sign a visitor into an account of its choosing.
 */
export const requireSameOrigin = createMiddleware<AppEnv>(async function requireSameOrigin(c, next) {
	if (!SAFE_METHODS.has(c.req.method) && !isSameOrigin(c)) throw new ForbiddenError("Cross-site request refused");
	await next();
});

/**
 * Global: a state-changing request carrying a valid session cookie must come from our origin and
 * carry the session's CSRF token (`x-csrf-token` header or `_csrf` form field). Requests without
 * a session (webhooks, the public widget API) pass untouched. Mount after loadSession.
 */
export const csrfProtection = createMiddleware<AppEnv>(async function csrfProtection(c, next) {
	const session = c.var.session;
	if (session !== undefined && !SAFE_METHODS.has(c.req.method)) {
		if (!isSameOrigin(c)) throw new ForbiddenError("Cross-site request refused");
		const token = await submittedToken(c);
		if (token === undefined || !verifyCsrfToken(c.env.SESSION_SECRET, session.id, token)) {
			throw new ForbiddenError("Missing or invalid CSRF token; fetch GET /auth/session for a fresh one");
		}
	}
	await next();
});
