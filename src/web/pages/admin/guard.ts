// Admin pages' sign-in gate: a signed-out visitor is sent to /admin/signin (and back afterwards); a
// signed-in person without a merchant gets a plain refusal. Sets c.var.membership like the API guards.
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { listMemberships } from "../../../auth/membership";
import type { AppEnv } from "../../context";

/** Where a sign-in may return to: only an admin page of ours (never another site). */
export function safeReturnPath(value: string | undefined): string {
	if (value === undefined || !/^\/admin(?:[/?#]|$)/.test(value) || value.startsWith("/admin/signin") || value.includes("\\")) return "/admin";
	return value;
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
		if (membership === undefined) {
			return c.html("<!DOCTYPE html><title>No access</title><p>This account does not belong to a business on Slotline. <a href=\"/admin/signin\">Sign in with another account</a>.</p>", 403);
		}
		c.set("membership", membership);
		await next();
	});
}
