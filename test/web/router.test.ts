// Hono's SmartRouter uses the first router that accepts every route: RegExpRouter (one regular
// expression per method) or, if a single pair of routes is ambiguous to it, TrieRouter for all of them,
// which profiled at about a tenth of an availability request's CPU with this app's 200 routes.
import { describe, expect, it } from "vitest";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { createApp } from "../../src/web/app";

describe("the app's routes", () => {
	it("all fit Hono's RegExpRouter, so every request is matched by one regular expression", () => {
		const app = createApp();
		const router = new RegExpRouter<string>();
		for (const route of app.routes) router.add(route.method, route.path, `${route.method} ${route.path}`);
		// RegExpRouter builds its expressions on the first match and throws there for an unsupported pair.
		expect(() => router.match("GET", "/api/v1/m/demo/availability")).not.toThrow();
		const [handlers] = router.match("GET", "/api/v1/m/demo/availability");
		expect(handlers.map(([name]) => name)).toContain("GET /api/v1/m/:merchant/availability");
	});

	it("are matched by RegExpRouter in the running app", async () => {
		const app = createApp();
		await app.request("/healthz");
		const router = app.router as { name: string; activeRouter?: { name: string } };
		expect(router.activeRouter?.name ?? router.name).toBe("RegExpRouter");
	});
});
