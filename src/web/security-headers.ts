// Security headers for every response, and the page CSP: scripts and styles only from our origin (no
// inline script), and framing allowed only where a route says so (the widget frame), never elsewhere.
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "./context";

/** Who may frame a page: nobody (admin, account, manage and hosted pages) or any site (the widget frame). */
export type FrameAncestors = "none" | "any";

/** Where a page's images may come from: ours only, or any https origin too (profile photos). */
export type ImageSources = "self" | "https";

export function pageCsp(frameAncestors: FrameAncestors, images: ImageSources = "self"): string {
	return [
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		images === "https" ? "img-src 'self' data: https:" : "img-src 'self' data:",
		"connect-src 'self'",
		"form-action 'self'",
		"base-uri 'none'",
		`frame-ancestors ${frameAncestors === "any" ? "*" : "'none'"}`,
	].join("; ");
}

/** Route-level: this page may be framed by any site (sets its CSP before the global default applies). */
export function framableAnywhere(): MiddlewareHandler<AppEnv> {
	return createMiddleware<AppEnv>(async function framableAnywhere(c, next) {
		await next();
		c.res.headers.set("content-security-policy", pageCsp("any"));
		c.res.headers.delete("x-frame-options");
	});
}

/** Global: HSTS, nosniff, a referrer policy, and the unframable page CSP unless a route set its own. */
export const securityHeaders = createMiddleware<AppEnv>(async function securityHeaders(c, next) {
	await next();
	// A Response taken from fetch() has immutable headers; copy it once so they can be added.
	try {
		c.res.headers.set("x-content-type-options", "nosniff");
	} catch {
		c.res = new Response(c.res.body, c.res);
	}
	const headers = c.res.headers;
	headers.set("strict-transport-security", "max-age=63072000; includeSubDomains");
	headers.set("x-content-type-options", "nosniff");
	if (!headers.has("referrer-policy")) headers.set("referrer-policy", "strict-origin-when-cross-origin");
	if (!headers.has("content-security-policy")) {
		headers.set("content-security-policy", pageCsp("none"));
		headers.set("x-frame-options", "DENY");
	}
});
