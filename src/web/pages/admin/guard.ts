// Admin pages' sign-in gate: a signed-out visitor is sent to /admin/signin (and back afterwards); a
// signed-in person without a merchant gets the no-access page. Sets c.var.membership like the API guards.
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { listMemberships } from "../../../auth/membership";
import type { AppEnv } from "../../context";
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
		const membership = (await listMemberships(c.var.db, user.id))[0];
		if (membership === undefined) return noAccessPage(c);
		c.set("membership", membership);
		await next();
	});
}
