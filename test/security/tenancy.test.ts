// Every admin and customer route, enumerated from the app's routers, tried with the other merchant's
// and the other customer's ids: a 404 (or, for routes that name no id, only the caller's own data),
// never a name, address or id of the other side, and none of its rows changed.
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/web/app";
import { at, upcoming } from "../support/demo";
import { expectNoLeaks, guardLeaks } from "./leak-guard";
import { OTHER, expectNothingOfOther, otherTenantState, securityWorld } from "./world";
import type { SecurityWorld } from "./world";

const guard = guardLeaks();
let world: SecurityWorld;
beforeEach(async () => {
	world = await securityWorld(guard);
});

const day = upcoming(3);
const range = `from=${day.subtract({ days: 7 })}&to=${day.add({ days: 7 })}`;

type Actor = "owner" | "staff" | "customer";
/** "hidden": 404 for the other tenant's id. "own": the route names no foreign id; it answers with the caller's own data only. */
type Expectation = "hidden" | "own";

interface Attempt {
	/** The route as the router declares it ("METHOD /path/:param"). */
	route: string;
	as: Actor;
	path: string;
	body?: unknown;
	expect: Expectation;
}

const attempts: Attempt[] = [
	// Catalogue
	{ route: "GET /admin/api/services", as: "owner", path: "/admin/api/services", expect: "own" },
	{ route: "GET /admin/api/services/:id", as: "owner", path: `/admin/api/services/${OTHER.serviceId}`, expect: "hidden" },
	{ route: "POST /admin/api/services", as: "owner", path: "/admin/api/services", body: { name: "X", durationMinutes: 30, color: "#000000", staffIds: [OTHER.staffId] }, expect: "hidden" },
	{ route: "PATCH /admin/api/services/:id", as: "owner", path: `/admin/api/services/${OTHER.serviceId}`, body: { name: "Taken over" }, expect: "hidden" },
	{ route: "DELETE /admin/api/services/:id", as: "owner", path: `/admin/api/services/${OTHER.serviceId}`, expect: "hidden" },
	{ route: "GET /admin/api/staff", as: "owner", path: "/admin/api/staff", expect: "own" },
	{ route: "GET /admin/api/staff/:id", as: "owner", path: `/admin/api/staff/${OTHER.staffId}`, expect: "hidden" },
	{ route: "POST /admin/api/staff", as: "owner", path: "/admin/api/staff", body: { name: "X", email: "x@example.com", timezone: "UTC", color: "#000000", serviceIds: [OTHER.serviceId] }, expect: "hidden" },
	{ route: "PATCH /admin/api/staff/:id", as: "owner", path: `/admin/api/staff/${OTHER.staffId}`, body: { name: "Taken over" }, expect: "hidden" },
	{ route: "DELETE /admin/api/staff/:id", as: "owner", path: `/admin/api/staff/${OTHER.staffId}`, expect: "hidden" },
	{ route: "POST /admin/api/staff/:staffId/invite", as: "owner", path: `/admin/api/staff/${OTHER.staffId}/invite`, body: {}, expect: "hidden" },
	{ route: "GET /admin/api/staff/:staffId/hours", as: "owner", path: `/admin/api/staff/${OTHER.staffId}/hours`, expect: "hidden" },
	{ route: "PUT /admin/api/staff/:staffId/hours", as: "owner", path: `/admin/api/staff/${OTHER.staffId}/hours`, body: { hours: [{ weekday: 1, start: "09:00", end: "10:00" }] }, expect: "hidden" },
	{ route: "GET /admin/api/staff/:staffId/overrides", as: "owner", path: `/admin/api/staff/${OTHER.staffId}/overrides?${range}`, expect: "hidden" },
	{ route: "PUT /admin/api/staff/:staffId/overrides/:date", as: "owner", path: `/admin/api/staff/${OTHER.staffId}/overrides/${day}`, body: { closed: true }, expect: "hidden" },
	{ route: "DELETE /admin/api/staff/:staffId/overrides/:date", as: "owner", path: `/admin/api/staff/${OTHER.staffId}/overrides/${day}`, expect: "hidden" },
	{ route: "GET /admin/api/staff/:staffId/time-off", as: "owner", path: `/admin/api/staff/${OTHER.staffId}/time-off?${range}`, expect: "hidden" },
	{ route: "POST /admin/api/staff/:staffId/time-off", as: "owner", path: `/admin/api/staff/${OTHER.staffId}/time-off`, body: { start: at(day, "09:00"), end: at(day, "10:00") }, expect: "hidden" },
	{ route: "DELETE /admin/api/staff/:staffId/time-off/:id", as: "owner", path: `/admin/api/staff/stf_demo_ana/time-off/${OTHER.timeOffId}`, expect: "hidden" },
	{ route: "GET /admin/api/resources", as: "owner", path: "/admin/api/resources", expect: "own" },
	{ route: "GET /admin/api/resources/:id", as: "owner", path: `/admin/api/resources/${OTHER.resourceId}`, expect: "hidden" },
	{ route: "POST /admin/api/resources", as: "owner", path: "/admin/api/resources", body: { name: "Mine", type: "room" }, expect: "own" },
	{ route: "PATCH /admin/api/resources/:id", as: "owner", path: `/admin/api/resources/${OTHER.resourceId}`, body: { name: "Taken over" }, expect: "hidden" },
	{ route: "DELETE /admin/api/resources/:id", as: "owner", path: `/admin/api/resources/${OTHER.resourceId}`, expect: "hidden" },
	// Bookings and busy time
	{ route: "GET /admin/api/bookings", as: "owner", path: `/admin/api/bookings?${range}&staffId=${OTHER.staffId}`, expect: "hidden" },
	{ route: "GET /admin/api/bookings/:id", as: "staff", path: `/admin/api/bookings/${OTHER.bookingId}`, expect: "hidden" },
	{ route: "POST /admin/api/bookings", as: "owner", path: "/admin/api/bookings", body: { serviceId: "svc_demo_cut", staffId: OTHER.staffId, start: at(day, "10:00") }, expect: "hidden" },
	{ route: "PATCH /admin/api/bookings/:id", as: "staff", path: `/admin/api/bookings/${OTHER.bookingId}`, body: { merchantNotes: "Taken over" }, expect: "hidden" },
	{ route: "POST /admin/api/bookings/:id/reschedule", as: "owner", path: `/admin/api/bookings/${OTHER.bookingId}/reschedule`, body: { start: at(day, "10:00") }, expect: "hidden" },
	{ route: "POST /admin/api/bookings/:id/cancel", as: "staff", path: `/admin/api/bookings/${OTHER.bookingId}/cancel`, body: { scope: "series" }, expect: "hidden" },
	{ route: "POST /admin/api/bookings/:id/meeting/retry", as: "owner", path: `/admin/api/bookings/${OTHER.bookingId}/meeting/retry`, expect: "hidden" },
	{ route: "GET /admin/api/busy", as: "owner", path: `/admin/api/busy?${range}&staffId=${OTHER.staffId}`, expect: "hidden" },
	{ route: "GET /admin/api/settings", as: "owner", path: "/admin/api/settings", expect: "own" },
	{ route: "PATCH /admin/api/settings", as: "owner", path: "/admin/api/settings", body: { brandColor: "#abcdef" }, expect: "own" },
	// Calendar connections
	{ route: "GET /admin/api/connections", as: "owner", path: "/admin/api/connections", expect: "own" },
	{ route: "GET /admin/api/connect/:provider", as: "owner", path: `/admin/api/connect/google?staffId=${OTHER.staffId}`, expect: "hidden" },
	{ route: "POST /admin/api/connections", as: "owner", path: "/admin/api/connections", body: { provider: "ics", staffId: OTHER.staffId, serverUrl: "https://feeds.example/cal.ics" }, expect: "hidden" },
	{ route: "GET /admin/api/connections/:id", as: "owner", path: `/admin/api/connections/${OTHER.connectionId}`, expect: "hidden" },
	{ route: "PUT /admin/api/connections/:id/password", as: "owner", path: `/admin/api/connections/${OTHER.connectionId}/password`, body: { password: "guessed-password" }, expect: "hidden" },
	{ route: "PUT /admin/api/connections/:id/calendars", as: "owner", path: `/admin/api/connections/${OTHER.connectionId}/calendars`, body: { writeCalendarId: null, conflictCalendarIds: [] }, expect: "hidden" },
	{ route: "POST /admin/api/connections/:id/refresh-calendars", as: "owner", path: `/admin/api/connections/${OTHER.connectionId}/refresh-calendars`, expect: "hidden" },
	{ route: "POST /admin/api/connections/:id/resync", as: "owner", path: `/admin/api/connections/${OTHER.connectionId}/resync`, expect: "hidden" },
	{ route: "POST /admin/api/connections/:id/retry", as: "staff", path: `/admin/api/connections/${OTHER.connectionId}/retry`, expect: "hidden" },
	{ route: "DELETE /admin/api/connections/:id", as: "owner", path: `/admin/api/connections/${OTHER.connectionId}`, expect: "hidden" },
	// Admin pages (server-rendered; they take no tenant from the request)
	{ route: "GET /admin", as: "owner", path: "/admin", expect: "own" },
	{ route: "GET /admin/calendar", as: "owner", path: `/admin/calendar?view=week&date=${day}&booking=${OTHER.bookingId}`, expect: "own" },
	{ route: "GET /admin/setup", as: "owner", path: "/admin/setup", expect: "own" },
	{ route: "GET /admin/integrations", as: "owner", path: `/admin/integrations?connected=${OTHER.connectionId}`, expect: "own" },
	{ route: "GET /admin/instant", as: "owner", path: `/admin/instant?local=${day}T10:00`, expect: "own" },
	{ route: "GET /admin/signin", as: "owner", path: "/admin/signin?switch=1", expect: "own" },
	// The business switcher: only a business the person belongs to (test/admin/switch-business.test.ts has the rest)
	{ route: "POST /admin/switch-business", as: "owner", path: "/admin/switch-business", body: { merchantId: OTHER.merchantId }, expect: "hidden" },
	// The customer's own account
	{ route: "GET /api/v1/me", as: "customer", path: "/api/v1/me", expect: "own" },
	{ route: "PATCH /api/v1/me", as: "customer", path: "/api/v1/me", body: { firstName: "Dora" }, expect: "own" },
	{ route: "DELETE /api/v1/me/logins/:id", as: "customer", path: `/api/v1/me/logins/${OTHER.identityId}`, expect: "hidden" },
	{ route: "GET /api/v1/me/bookings", as: "customer", path: "/api/v1/me/bookings", expect: "own" },
	{ route: "GET /api/v1/me/bookings/:id", as: "customer", path: `/api/v1/me/bookings/${OTHER.bookingId}`, expect: "hidden" },
	// Public booking routes with the other merchant's ids under this merchant's slug
	{ route: "GET /api/v1/m/:merchant/availability", as: "customer", path: `/api/v1/m/demo/availability?serviceId=${OTHER.serviceId}&from=${day}&to=${day}&timezone=UTC`, expect: "hidden" },
	{ route: "GET /api/v1/m/:merchant/availability", as: "customer", path: `/api/v1/m/demo/availability?serviceId=svc_demo_cut&staffId=${OTHER.staffId}&from=${day}&to=${day}&timezone=UTC`, expect: "hidden" },
	{ route: "POST /api/v1/m/:merchant/bookings", as: "customer", path: "/api/v1/m/demo/bookings", body: { serviceId: OTHER.serviceId, start: at(day, "10:00"), timezone: "UTC", customer: { name: "Dora", email: "dora@customer.demo.test" } }, expect: "hidden" },
	{ route: "POST /api/v1/m/:merchant/bookings", as: "customer", path: "/api/v1/m/demo/bookings", body: { serviceId: "svc_demo_cut", staffId: OTHER.staffId, start: at(day, "10:00"), timezone: "UTC", customer: { name: "Dora", email: "dora@customer.demo.test" } }, expect: "hidden" },
	{ route: "GET /api/v1/m/:merchant/services", as: "customer", path: "/api/v1/m/demo/services", expect: "own" },
	{ route: "GET /api/v1/m/:merchant/staff", as: "customer", path: "/api/v1/m/demo/staff", expect: "own" },
	// Another customer's booking without its manage token (a signed-in session is no capability)
	{ route: "GET /api/v1/bookings/:id", as: "customer", path: `/api/v1/bookings/${OTHER.bookingId}`, expect: "hidden" },
	{ route: "POST /api/v1/bookings/:id/cancel", as: "customer", path: `/api/v1/bookings/${OTHER.bookingId}/cancel`, expect: "hidden" },
	{ route: "POST /api/v1/bookings/:id/reschedule", as: "customer", path: `/api/v1/bookings/${OTHER.bookingId}/reschedule`, body: { start: at(day, "10:00") }, expect: "hidden" },
	{ route: "GET /api/v1/bookings/:id/calendar.ics", as: "customer", path: `/api/v1/bookings/${OTHER.bookingId}/calendar.ics`, expect: "hidden" },
	{ route: "GET /manage/:id", as: "customer", path: `/manage/${OTHER.bookingId}`, expect: "hidden" },
	{ route: "GET /manage/:id/meeting", as: "customer", path: `/manage/${OTHER.bookingId}/meeting`, expect: "hidden" },
];

/** The routes this suite must cover: everything a signed-in person reaches with an id of some tenant or customer. */
function tenantRoutes(): string[] {
	const routes = new Set<string>();
	for (const r of createApp().routes) {
		if (r.method === "ALL") continue;
		if (/^\/(admin|api\/v1\/me|api\/v1\/bookings|api\/v1\/m\/|manage)/.test(r.path)) routes.add(`${r.method} ${r.path}`);
	}
	return [...routes].sort();
}

describe("tenancy across every admin and customer route", () => {
	it("has an attempt for every such route the routers declare", () => {
		const covered = new Set(attempts.map((a) => a.route));
		// sign-in-methods is public catalogue data of the named merchant, with no ids to swap.
		const missing = tenantRoutes().filter((route) => !covered.has(route) && route !== "GET /api/v1/m/:merchant/sign-in-methods");
		expect(missing).toEqual([]);
		expect(tenantRoutes().length).toBeGreaterThan(50);
	});

	it("answers the other tenant's and the other customer's ids with 404 and none of their data", async () => {
		const before = await otherTenantState();
		for (const attempt of attempts) {
			const browser = attempt.as === "owner" ? world.owner : attempt.as === "staff" ? world.staffMember : world.customer;
			const method = attempt.route.split(" ")[0] ?? "GET";
			const response = await guard.response(
				`${method} ${attempt.path}`,
				await world.h.request(attempt.path, { method, browser, ...(attempt.body === undefined ? {} : { json: attempt.body }) }),
			);
			const text = await response.text();
			const label = `${attempt.as} ${method} ${attempt.path}`;
			if (attempt.expect === "hidden") {
				expect({ label, status: response.status }).toEqual({ label, status: 404 });
			} else {
				expect({ label, ok: response.status < 400 }).toEqual({ label, ok: true });
			}
			expectNothingOfOther(label, text, `${attempt.path} ${JSON.stringify(attempt.body ?? null)}`);
		}
		expect(await otherTenantState()).toEqual(before);
	});

	it("shows the other merchant's owner and customer only their own side", async () => {
		const rivalOwn = await world.h.request(`/admin/api/bookings?${range}`, { browser: world.rival });
		const ids = (await rivalOwn.json<{ bookings: Array<{ id: string }> }>()).bookings.map((b) => b.id);
		expect(ids).toEqual([OTHER.bookingId]);
		const mine = await world.h.request("/api/v1/me/bookings", { browser: world.otherCustomer });
		expect((await mine.json<{ bookings: Array<{ id: string }> }>()).bookings.map((b) => b.id)).toEqual([OTHER.bookingId]);
		// The demo customer has no booking here, and sees none of Carla's.
		const theirs = await guard.response("GET /api/v1/me/bookings", await world.h.request("/api/v1/me/bookings", { browser: world.customer }));
		expect(await theirs.json()).toEqual({ bookings: [] });
	});
});

expectNoLeaks(guard);
