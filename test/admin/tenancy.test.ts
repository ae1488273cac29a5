// Every admin route, called by the demo merchant's owner with the rival merchant's ids: 404 with
// no data, and nothing of the rival's changes.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { at, upcoming } from "../support/demo";
import { RIVAL, adminWorld, call, expectHidden, scheduleBookings } from "./support";
import type { AdminWorld } from "./support";

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

const day = upcoming(3);
const range = `from=${day.subtract({ days: 7 })}&to=${day.add({ days: 7 })}`;

const foreignCalls: Array<[string, string, unknown?]> = [
	["GET", `/services/${RIVAL.serviceId}`],
	["PATCH", `/services/${RIVAL.serviceId}`, { name: "Taken over" }],
	["DELETE", `/services/${RIVAL.serviceId}`],
	["POST", "/services", { name: "X", durationMinutes: 30, color: "#000000", staffIds: [RIVAL.staffId] }],
	["GET", `/staff/${RIVAL.staffId}`],
	["PATCH", `/staff/${RIVAL.staffId}`, { name: "Taken over" }],
	["PATCH", "/staff/stf_demo_ana", { serviceIds: [RIVAL.serviceId] }],
	["DELETE", `/staff/${RIVAL.staffId}`],
	["POST", "/staff", { name: "X", email: "x@example.com", timezone: "UTC", color: "#000000", serviceIds: [RIVAL.serviceId] }],
	["GET", `/staff/${RIVAL.staffId}/hours`],
	["PUT", `/staff/${RIVAL.staffId}/hours`, { hours: [] }],
	["GET", `/staff/${RIVAL.staffId}/overrides?${range}`],
	["PUT", `/staff/${RIVAL.staffId}/overrides/${day}`, { closed: true }],
	["DELETE", `/staff/${RIVAL.staffId}/overrides/${day}`],
	["GET", `/staff/${RIVAL.staffId}/time-off?${range}`],
	["POST", `/staff/${RIVAL.staffId}/time-off`, { start: at(day, "09:00"), end: at(day, "10:00") }],
	["DELETE", `/staff/${RIVAL.staffId}/time-off/${RIVAL.timeOffId}`],
	["DELETE", `/staff/stf_demo_ana/time-off/${RIVAL.timeOffId}`],
	["GET", `/resources/${RIVAL.resourceId}`],
	["PATCH", `/resources/${RIVAL.resourceId}`, { name: "Taken over" }],
	["DELETE", `/resources/${RIVAL.resourceId}`],
	["GET", `/bookings?${range}&staffId=${RIVAL.staffId}`],
	["GET", `/bookings/${RIVAL.bookingId}`],
	["PATCH", `/bookings/${RIVAL.bookingId}`, { merchantNotes: "Taken over" }],
	["POST", `/bookings/${RIVAL.bookingId}/reschedule`, { start: at(day, "10:00") }],
	["POST", `/bookings/${RIVAL.bookingId}/cancel`, { scope: "series" }],
	["POST", `/bookings/${RIVAL.bookingId}/meeting/retry`],
	["POST", "/bookings", { serviceId: RIVAL.serviceId, start: at(day, "10:00") }],
	["POST", "/bookings", { serviceId: "svc_demo_cut", staffId: RIVAL.staffId, start: at(day, "10:00") }],
	["GET", `/busy?${range}&staffId=${RIVAL.staffId}`],
];

describe("admin tenancy", () => {
	it("answers every route with 404 and no data for another merchant's ids", async () => {
		for (const [method, path, body] of foreignCalls) {
			const result = await call(world, world.owner, method, path, body);
			expect({ method, path, status: result.status }).toEqual({ method, path, status: 404 });
			expectHidden(result);
		}
		// The rival's data is untouched.
		const rival = await env.DB.prepare(
			`select (select name from services where id = ?1) as service, (select name from staff where id = ?2) as staff,
			        (select active from staff where id = ?2) as staffActive, (select name from resources where id = ?3) as resource,
			        (select status || ':' || merchant_notes from bookings where id = ?4) as booking,
			        (select count(*) from time_off where id = ?5) as timeOff, (select count(*) from date_overrides) as overrides,
			        (select count(*) from staff_services where staff_id = ?2) as links`,
		)
			.bind(RIVAL.serviceId, RIVAL.staffId, RIVAL.resourceId, RIVAL.bookingId, RIVAL.timeOffId)
			.first();
		expect(rival).toEqual({ service: "Rival cut", staff: "Rita Rival", staffActive: 1, resource: "Rival room", booking: "confirmed:rival secret", timeOff: 1, overrides: 0, links: 1 });
		// And in the rival's object, which holds its bookings.
		expect((await scheduleBookings(RIVAL.merchantId)).map((b) => `${b.status}:${b.merchantNotes}:${b.version}`)).toEqual(["confirmed:rival secret:1"]);
		const demoServices = await env.DB.prepare("select count(*) as n from services where merchant_id = 'mer_demo'").first<{ n: number }>();
		expect(demoServices?.n).toBe(4);
	});

	it("lists only the caller's own merchant", async () => {
		const lists = await Promise.all(
			["/services", "/staff", "/resources", `/bookings?${range}`, `/busy?${range}`, "/settings"].map((path) => call(world, world.owner, "GET", path)),
		);
		for (const list of lists) {
			expect(list.status).toBe(200);
			expect(JSON.stringify(list.body)).not.toMatch(/rival|Rita|Rival/i);
		}
		const rivalBookings = await call<{ bookings: Array<{ id: string }> }>(world, world.rival, "GET", `/bookings?${range}`);
		expect(rivalBookings.body.bookings.map((b) => b.id)).toEqual([RIVAL.bookingId]);
	});
});
