// Requests the write path refuses, and what a refusal leaves behind: nothing.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { manageToken } from "../../src/booking/manage-token";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { adminWorld, call } from "../admin/support";
import type { AdminWorld } from "../admin/support";
import { api, at, bookingBody, postJson, upcoming } from "../support/demo";
import { importSchedule, refreshSchedule } from "../support/schedule";

interface Problem {
	status: number;
	type: string;
	detail: string;
	errors?: Array<{ field: string; message: string }>;
}

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

/** Rows of the demo merchant, in its object: where bookings and their outbox messages are written. */
async function count(table: "bookings" | "outbox"): Promise<number> {
	return runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) => state.storage.sql.exec<{ n: number }>(`select count(*) as n from ${table}`).one().n);
}

const day = upcoming(2).toString();
const availability = (query: string): Promise<Response> =>
	api(`/api/v1/m/demo/availability?from=${day}&to=${day}&timezone=Europe/Amsterdam&${query}`);

describe("refusals leave nothing behind", () => {
	it("answers a time inside minimum notice with 422 and the reason, and writes nothing", async () => {
		// The haircut needs 60 minutes' notice; the notice rule is checked before hours and grid.
		const start = new Date(Date.now() + 30 * 60_000).toISOString();
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ start }));
		expect(res.status).toBe(422);
		const problem = await res.json<Problem>();
		expect(problem.type).toMatch(/min-notice$/);
		expect(problem.detail).toMatch(/more notice/);
		expect(await count("bookings")).toBe(0);
		expect(await count("outbox")).toBe(0);
	});

	it("writes no outbox row for a 409", async () => {
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody())).status).toBe(201);
		const before = await count("outbox");
		const again = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "Late", email: "late@example.com" } }));
		expect(again.status).toBe(409);
		expect(await count("outbox")).toBe(before);
		expect(await count("bookings")).toBe(1);
	});
});

describe("deactivated services and staff", () => {
	it("answers 404 for an inactive service on availability and booking", async () => {
		await env.DB.prepare("update services set active = 0 where id = 'svc_demo_cut'").run();
		await refreshSchedule();
		expect((await availability("serviceId=svc_demo_cut")).status).toBe(404);
		expect((await availability("serviceId=svc_demo_cut&staffId=stf_demo_ana")).status).toBe(404);
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody());
		expect(res.status).toBe(404);
		expect((await res.json<Problem>()).detail).toBe("Service not found");
		expect(await count("bookings")).toBe(0);
	});

	it("never offers or assigns an inactive staff member", async () => {
		await env.DB.prepare("update staff set active = 0 where id = 'stf_demo_ben'").run();
		await refreshSchedule();
		expect((await availability("serviceId=svc_demo_cut&staffId=stf_demo_ben")).status).toBe(404);
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ staffId: "stf_demo_ben", start: at(upcoming(2), "11:00") }))).status).toBe(404);
		const anyone = await (await availability("serviceId=svc_demo_cut")).json<{ slots: Array<{ start: string; staffId: string }> }>();
		expect(anyone.slots.length).toBeGreaterThan(0);
		expect(anyone.slots.map((s) => s.staffId)).not.toContain("stf_demo_ben");
		// Only Ben can fit a haircut at 17:00 on Tuesdays (Ana stops at 17:30; Chloé works other days).
		expect(anyone.slots.map((s) => s.start)).not.toContain(at(upcoming(2), "17:00"));
		const late = await postJson("/api/v1/m/demo/bookings", bookingBody({ staffId: undefined, start: at(upcoming(2), "17:00") }));
		expect(late.status).toBe(422);
		expect(await count("bookings")).toBe(0);
	});
});

describe("cancelling with the manage link", () => {
	async function pastBooking(): Promise<{ id: string; token: string }> {
		const start = Date.now() - 2 * 3_600_000;
		await env.DB.prepare(
			`insert into bookings (id, merchant_id, service_id, staff_id, starts_at, ends_at, block_start, block_end, timezone, status, updated_at)
			 values ('bkg_past', 'mer_demo', 'svc_demo_cut', 'stf_demo_ana', ?1, ?2, ?1, ?2, 'Europe/Amsterdam', 'confirmed', ?1)`,
		)
			.bind(start, start + 45 * 60_000)
			.run();
		await importSchedule();
		return { id: "bkg_past", token: await manageToken(env.SESSION_SECRET, "bkg_past") };
	}

	it("refuses a booking that has already started with 422 and a reason; the merchant may still cancel it", async () => {
		const { id, token } = await pastBooking();
		const res = await postJson(`/api/v1/bookings/${id}/cancel?token=${token}`, {});
		expect(res.status).toBe(422);
		const problem = await res.json<Problem>();
		expect(problem.type).toMatch(/booking-started$/);
		expect(problem.detail).toMatch(/already started/);
		const row = await runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) => state.storage.sql.exec("select status, version from bookings where id = ?", id).one());
		expect(row).toEqual({ status: "confirmed", version: 1 });
		expect(await count("outbox")).toBe(0);

		const byAdmin = await call<{ bookings: Array<{ status: string }> }>(world, world.owner, "POST", `/bookings/${id}/cancel`, { scope: "one" });
		expect(byAdmin.status).toBe(200);
		expect(byAdmin.body.bookings[0]?.status).toBe("cancelled");
	});
});

describe("time zones", () => {
	it("accepts IANA names, UTC included, and refuses fixed offsets with 400 naming the field", async () => {
		expect((await api(`/api/v1/m/demo/availability?serviceId=svc_demo_cut&from=${day}&to=${day}&timezone=UTC`)).status).toBe(200);
		for (const zone of ["+05:00", "-03:00", "2026-01-01T00:00Z[Europe/Amsterdam]"]) {
			const res = await api(`/api/v1/m/demo/availability?serviceId=svc_demo_cut&from=${day}&to=${day}&timezone=${encodeURIComponent(zone)}`);
			expect(res.status, zone).toBe(400);
			expect((await res.json<Problem>()).errors?.map((e) => e.field)).toEqual(["query.timezone"]);
		}
		const booking = await postJson("/api/v1/m/demo/bookings", bookingBody({ timezone: "+05:00" }));
		expect(booking.status).toBe(400);
		expect((await booking.json<Problem>()).errors?.map((e) => e.field)).toEqual(["body.timezone"]);
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ timezone: "UTC" }))).status).toBe(201);
	});
});
