// Security headers on every kind of page and answer: a CSP without inline script, framing only for
// the widget frame (the hosted, manage, admin and account pages refuse it), HSTS and nosniff.
import { beforeEach, describe, expect, it } from "vitest";
import { at, bookingBody, postJson, upcoming } from "../support/demo";
import { flushSchedule } from "../support/schedule";
import { expectNoLeaks, guardLeaks } from "./leak-guard";
import { securityWorld } from "./world";
import type { SecurityWorld } from "./world";

const guard = guardLeaks();
let world: SecurityWorld;
let manage: string;
beforeEach(async () => {
	world = await securityWorld(guard);
	const created = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(upcoming(2), "11:00") }));
	const url = new URL((await created.json<{ booking: { manageUrl: string } }>()).booking.manageUrl);
	// The manage page finds the booking's merchant in D1's read model, a moment behind the object.
	await flushSchedule();
	manage = `${url.pathname}${url.search}`;
});

type Framing = "nobody" | "anyone";

function directives(csp: string): Map<string, string> {
	return new Map(csp.split(";").map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name ?? "", values.join(" ")]));
}

function expectHeaders(label: string, response: Response, framing: Framing): void {
	const csp = directives(response.headers.get("content-security-policy") ?? "");
	const seen = {
		label,
		defaultSrc: csp.get("default-src"),
		scriptSrc: csp.get("script-src"),
		frameAncestors: csp.get("frame-ancestors"),
		xFrameOptions: response.headers.get("x-frame-options"),
		nosniff: response.headers.get("x-content-type-options"),
		hstsYear: Number(/max-age=(\d+)/.exec(response.headers.get("strict-transport-security") ?? "")?.[1] ?? 0) >= 31_536_000,
	};
	expect(seen).toEqual({
		label,
		defaultSrc: "'none'",
		scriptSrc: "'self'",
		frameAncestors: framing === "anyone" ? "*" : "'none'",
		xFrameOptions: framing === "anyone" ? null : "DENY",
		nosniff: "nosniff",
		hstsYear: true,
	});
}

describe("security headers", () => {
	it("pages: only the widget frame may be framed; every page has a script-from-self CSP, HSTS and nosniff", async () => {
		const pages: Array<{ path: string; as: "owner" | "customer" | "none"; framing: Framing }> = [
			{ path: "/b/demo/embed", as: "none", framing: "anyone" },
			{ path: "/b/demo/embed?parent=https%3A%2F%2Fshop.example", as: "none", framing: "anyone" },
			{ path: "/b/demo", as: "none", framing: "nobody" },
			{ path: "/b/nobody-here", as: "none", framing: "nobody" },
			{ path: manage, as: "none", framing: "nobody" },
			{ path: "/manage/bkg_unknown?token=x", as: "none", framing: "nobody" },
			{ path: "/admin/signin", as: "none", framing: "nobody" },
			{ path: "/admin", as: "owner", framing: "nobody" },
			{ path: "/admin/calendar?view=week", as: "owner", framing: "nobody" },
			{ path: "/admin/setup", as: "owner", framing: "nobody" },
			{ path: "/admin/integrations", as: "owner", framing: "nobody" },
			{ path: "/admin", as: "customer", framing: "nobody" },
			{ path: "/auth/pending-login", as: "none", framing: "nobody" },
			{ path: "/", as: "none", framing: "nobody" },
			{ path: "/signin?error=google-denied", as: "none", framing: "nobody" },
			{ path: "/signup", as: "none", framing: "nobody" },
			{ path: "/reset-password?token=x", as: "none", framing: "nobody" },
			{ path: "/link-login?token=x", as: "none", framing: "nobody" },
			{ path: "/invitations/accept?token=x", as: "none", framing: "nobody" },
			{ path: "/account", as: "customer", framing: "nobody" },
			{ path: "/auth/session", as: "customer", framing: "nobody" },
			{ path: "/api/v1/me", as: "customer", framing: "nobody" },
			{ path: "/api/v1/m/demo/services", as: "none", framing: "nobody" },
			{ path: "/api/v1/m/nobody/services", as: "none", framing: "nobody" },
			{ path: "/no-such-page", as: "none", framing: "nobody" },
		];
		for (const page of pages) {
			const browser = page.as === "owner" ? world.owner : page.as === "customer" ? world.customer : world.h.browser();
			const response = await guard.response(`GET ${page.path}`, await world.h.request(page.path, { browser }));
			expect(response.status).toBeLessThan(500);
			expectHeaders(`${page.as} ${page.path} (${response.status})`, response, page.framing);
			const csp = response.headers.get("content-security-policy") ?? "";
			expect(csp).not.toContain("unsafe-inline");
			expect(csp).not.toContain("unsafe-eval");
		}
	});

	it("redirects and errors of sign-in flows carry them too", async () => {
		for (const path of ["/auth/google", "/auth/facebook", "/auth/google/callback?code=x&state=y", "/connect/google/callback?code=x&state=y"]) {
			const response = await guard.response(`GET ${path}`, await world.h.request(path, { browser: world.h.browser() }));
			expect(response.status).toBeGreaterThanOrEqual(300);
			expectHeaders(`GET ${path}`, response, "nobody");
		}
	});
});

expectNoLeaks(guard);
