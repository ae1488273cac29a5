// CSRF on every state-changing route, enumerated from the routers: with a valid session cookie but no
// CSRF token, a wrong one, or the right one from a foreign Origin, each is refused with 403 and the
// database (D1, and both merchants' objects, which hold their schedules) is exactly as before.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { createApp } from "../../src/web/app";
import { ORIGIN } from "../auth/harness";
import { backgroundSettled } from "../setup/worker";
import { refreshSchedule } from "../support/schedule";
import { expectNoLeaks, guardLeaks } from "./leak-guard";
import { OTHER, securityWorld } from "./world";
import type { SecurityWorld } from "./world";

const guard = guardLeaks();
let world: SecurityWorld;
beforeEach(async () => {
	world = await securityWorld(guard);
});

const SAFE = new Set(["GET", "HEAD", "OPTIONS", "ALL"]);

/** Real ids for the path parameters, so a request would otherwise reach its handler. */
const PARAMS: Record<string, string> = {
	id: "svc_demo_cut",
	staffId: "stf_demo_ana",
	date: "2030-01-07",
	provider: "google",
	merchant: "demo",
};

function concrete(path: string): string {
	return path.replace(/:([A-Za-z]+)/g, (_, name: string) => PARAMS[name] ?? "x");
}

/** Every row of every table, as one string: nothing may change when a forged request is refused. */
async function databaseState(): Promise<string> {
	const tables = await env.DB.prepare("select name from sqlite_master where type = 'table' and name not like '\\_%' escape '\\' and name not like 'd1_%' order by name").all<{ name: string }>();
	const parts: string[] = [];
	for (const { name } of tables.results) {
		const rows = await env.DB.prepare(`select * from "${name}"`).all();
		parts.push(`${name}:${JSON.stringify(rows.results)}`);
	}
	for (const merchantId of [DEMO_MERCHANT_ID, OTHER.merchantId]) {
		const schedule = await runInDurableObject(merchantSchedule(env, merchantId), (_instance, state) =>
			["bookings", "booking_series", "outbox", "idempotency", "busy_blocks"].map((table) => `${table}:${JSON.stringify(state.storage.sql.exec(`select * from ${table}`).toArray())}`),
		);
		parts.push(`object ${merchantId}:`, ...schedule);
	}
	return parts.join("\n");
}

function stateChangingRoutes(): Array<{ method: string; path: string }> {
	const seen = new Map<string, { method: string; path: string }>();
	for (const route of createApp().routes) {
		if (SAFE.has(route.method)) continue;
		seen.set(`${route.method} ${route.path}`, { method: route.method, path: route.path });
	}
	return [...seen.values()];
}

describe("CSRF on every state-changing route", () => {
	it("covers the routes that matter", () => {
		const routes = stateChangingRoutes().map((r) => `${r.method} ${r.path}`);
		for (const expected of ["POST /admin/api/bookings", "DELETE /admin/api/connections/:id", "PATCH /api/v1/me", "POST /auth/password", "POST /api/v1/bookings/:id/cancel", "PATCH /admin/api/settings"]) {
			expect(routes).toContain(expected);
		}
		expect(routes.length).toBeGreaterThan(40);
	});

	it("refuses each with 403 and no change, without a token, with a wrong token, and from a foreign Origin", async () => {
		// What the world's setup left running (relays, queued emails, an object loading its setup copy,
		// which records its version in D1) finishes first, so only the forged requests could change anything.
		await backgroundSettled();
		for (const merchantId of [DEMO_MERCHANT_ID, OTHER.merchantId]) await refreshSchedule(merchantId);
		await backgroundSettled();
		const before = await databaseState();
		const variants: Array<{ name: string; headers: Record<string, string>; csrf: string }> = [
			{ name: "no token", headers: {}, csrf: "" },
			{ name: "wrong token", headers: { "x-csrf-token": "A".repeat(43) }, csrf: "" },
			{ name: "another session's token", headers: { "x-csrf-token": world.rival.csrfToken }, csrf: "" },
			{ name: "foreign origin", headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" }, csrf: world.owner.csrfToken },
		];
		let tried = 0;
		for (const route of stateChangingRoutes()) {
			for (const variant of variants) {
				const path = concrete(route.path);
				const response = await world.h.request(path, {
					method: route.method,
					browser: { ...world.owner, csrfToken: variant.csrf },
					headers: { origin: ORIGIN, ...variant.headers },
					json: { name: "Forged", scope: "series", start: "2030-01-07T10:00:00Z", merchantNotes: "forged", provider: "ics", serverUrl: "https://evil.example/x.ics", email: "evil@example.com", password: "forged-password-123" },
				});
				await guard.response(`${variant.name} ${route.method} ${path}`, response);
				const label = `${variant.name}: ${route.method} ${route.path}`;
				expect({ label, status: response.status }).toEqual({ label, status: 403 });
				expect(response.headers.get("content-type")).toBe("application/problem+json");
				tried++;
			}
		}
		expect(tried).toBeGreaterThan(160);
		expect(await databaseState()).toBe(before);
	});

	it("lets the same request through with the token from our origin (the refusals are the CSRF check)", async () => {
		const response = await world.h.request("/admin/api/settings", { method: "PATCH", browser: world.owner, json: { brandColor: "#abcdef" } });
		expect(response.status).toBe(200);
		const cancel = await world.h.request(`/admin/api/bookings/${OTHER.bookingId}/cancel`, { method: "POST", browser: world.rival, json: { scope: "one" } });
		expect(cancel.status).toBe(200);
	});
});

expectNoLeaks(guard);
