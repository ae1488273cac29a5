// Admin pages' sign-in gate: a signed-out visitor is sent to /admin/signin (and back afterwards); a
// signed-in person without a merchant gets the no-access page. Sets c.var.membership like the API guards,
// for the same business they act on.
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../context";
import { membershipForRequest } from "../../auth/require";
import { safeReturnTo } from "../../auth/return-to";
import { noAccessPage } from "./no-access";

/** Where a sign-in may return to: only an admin page of ours (never another site), else the dashboard. */
export function safeReturnPath(value: string | undefined, appUrl: string): string {
	const path = safeReturnTo(value, appUrl);
	if (path === null || !/^\/admin(?:[/?#]|$)/.test(path) || path.startsWith("/admin/signin")) return "/admin";
	return path;
}

export function adminPageGate(): MiddlewareHandler<AppEnv> {
	return createMiddleware<AppEnv>(async function adminPageGate(c, next) {
		// The pages hold customers' details and the CSRF token: never cached, never sent onwards.
		c.header("cache-control", "private, no-store");
		const user = c.var.user;
		if (user === undefined) {
			const url = new URL(c.req.url);
			return c.redirect(`/admin/signin?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
		}
		// The business chosen with the switcher (or the oldest membership), as for the Admin API.
		const membership = await membershipForRequest(c, user.id);
		if (membership === null) return noAccessPage(c);
		c.set("membership", membership);
		await next();
	});
}
