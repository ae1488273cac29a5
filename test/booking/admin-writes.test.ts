// Bookings the merchant makes: "anyone" walk-ins under the merchant's rules, and Idempotency-Keys
// that never meet a customer's.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { adminWorld, call } from "../admin/support";
import type { AdminWorld } from "../admin/support";
import { at, bookingBody, postJson, upcoming } from "../support/demo";
import { flushSchedule } from "../support/schedule";

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

interface AdminBooking {
	id: string;
	start: string;
	staff: { id: string };
	walkIn: boolean;
}

describe("admin bookings for anyone", () => {
	it("books a walk-in right now, inside minimum notice and off the grid, with whoever is free", async () => {
		// Seven minutes from now: inside the haircut's 60 minutes' notice and off its 15-minute grid.
		const start = new Date(Math.ceil(Date.now() / 60_000) * 60_000 + 7 * 60_000).toISOString().replace(".000Z", "Z");
		const res = await call<{ booking: AdminBooking }>(world, world.owner, "POST", "/bookings", { serviceId: "svc_demo_cut", start });
		expect(res.status).toBe(201);
		expect(res.body.booking).toMatchObject({ start, walkIn: true, staff: { id: "stf_demo_ana" } });
	});

	it("still refuses a walk-in when everyone is taken", async () => {
		const start = at(upcoming(3), "13:00");
		for (const [index, staffId] of ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"].entries()) {
			const taken = await call(world, world.owner, "POST", "/bookings", { serviceId: "svc_demo_cut", staffId, start, customerNotes: `taken ${index}` });
			expect(taken.status).toBe(201);
		}
		const res = await call<{ alternatives: unknown[] }>(world, world.owner, "POST", "/bookings", { serviceId: "svc_demo_cut", start });
		expect(res.status).toBe(409);
	});
});

describe("Idempotency-Key scopes", () => {
	it("never replays a merchant's booking to a customer who sends the merchant's key with its prefix", async () => {
		const body = { serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(upcoming(2), "10:00"), timezone: "Europe/Amsterdam", customer: { name: "Sam", email: "sam@example.com" } };
		const admin = await world.h.request("/admin/api/bookings", { method: "POST", browser: world.owner, json: body, headers: { "idempotency-key": "k1" } });
		expect(admin.status).toBe(201);
		const adminId = (await admin.json<{ booking: { id: string } }>()).booking.id;

		// Same body, the key as the old prefixing would have stored it: the slot is simply taken.
		const forged = await postJson("/api/v1/m/demo/bookings", body, { "idempotency-key": "admin:k1" });
		expect(forged.status).toBe(409);
		expect(await forged.text()).not.toContain(adminId);
		// And the merchant's own retry still replays.
		const retry = await world.h.request("/admin/api/bookings", { method: "POST", browser: world.owner, json: body, headers: { "idempotency-key": "k1" } });
		expect(retry.status).toBe(201);
		expect((await retry.json<{ booking: { id: string } }>()).booking.id).toBe(adminId);
		await flushSchedule();
		const rows = await env.DB.prepare("select idempotency_key from bookings where merchant_id = 'mer_demo'").all<{ idempotency_key: string }>();
		expect(rows.results.map((r) => r.idempotency_key)).toEqual(["admin:k1"]);
	});

	it("keeps a customer's key and a merchant's identical key apart", async () => {
		const customer = await postJson("/api/v1/m/demo/bookings", bookingBody(), { "idempotency-key": "same" });
		expect(customer.status).toBe(201);
		const merchant = await world.h.request("/admin/api/bookings", {
			method: "POST",
			browser: world.owner,
			json: { serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: at(upcoming(2), "11:00") },
			headers: { "idempotency-key": "same" },
		});
		expect(merchant.status).toBe(201);
		await flushSchedule();
		const count = await env.DB.prepare("select count(*) as n from bookings where merchant_id = 'mer_demo'").first<{ n: number }>();
		expect(count?.n).toBe(2);
	});
});
