import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { ScheduleStore } from "../../src/booking/schedule-store";
import type { BookingRecord } from "../../src/booking/schedule-store";
import { api, at, bookingBody, postJson, upcoming } from "../support/demo";
import { flushSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";

interface Problem {
	status: number;
	type: string;
	detail: string;
	errors?: Array<{ field: string; message: string }>;
	alternatives?: Array<{ start: string; end: string; staffId: string; localStart: string }>;
	conflicts?: Array<{ index: number; start: string }>;
}
interface BookingJson {
	id: string;
	status: string;
	start: string;
	end: string;
	staffId: string;
	serviceId: string;
	manageUrl: string;
	seriesId: string | null;
}

function tokenOf(booking: BookingJson): string {
	return new URL(booking.manageUrl).searchParams.get("token") ?? "";
}

beforeEach(async () => {
	await seedDemo();
});

describe("catalogue", () => {
	it("lists services and staff without private fields", async () => {
		const services = await (await api("/api/v1/m/demo/services")).json<{ services: Array<{ id: string; staffIds: string[] }> }>();
		expect(services.services.map((s) => s.id).sort()).toEqual(["svc_demo_colour", "svc_demo_consult", "svc_demo_cut", "svc_demo_massage"]);
		expect(services.services.find((s) => s.id === "svc_demo_massage")?.staffIds.sort()).toEqual(["stf_demo_ben", "stf_demo_chloe"]);
		const staff = await (await api("/api/v1/m/demo/staff")).text();
		expect(staff).toContain("Ana Jansen");
		expect(staff).not.toContain("@demo.slotline.test");
	});

	it("answers an unknown merchant with a 404 problem", async () => {
		const res = await api("/api/v1/m/nobody/services");
		expect(res.status).toBe(404);
		expect(res.headers.get("content-type")).toBe("application/problem+json");
	});
});

describe("availability", () => {
	it("returns slots inside working hours in the customer's zone", async () => {
		const day = upcoming(2).toString();
		const res = await api(`/api/v1/m/demo/availability?serviceId=svc_demo_cut&staffId=stf_demo_ana&from=${day}&to=${day}&timezone=America/New_York`);
		expect(res.status).toBe(200);
		const body = await res.json<{ timezone: string; slots: Array<{ start: string; localStart: string; staffId: string }> }>();
		expect(body.timezone).toBe("America/New_York");
		// Ana works 09:00-12:30 and 13:30-17:30 Amsterdam time; a 45-minute cut on a 15-minute grid.
		expect(body.slots[0]?.start).toBe(at(upcoming(2), "09:00"));
		expect(body.slots.some((s) => s.start === at(upcoming(2), "11:45"))).toBe(true);
		expect(body.slots.some((s) => s.start === at(upcoming(2), "12:00"))).toBe(false);
		expect(body.slots.at(-1)?.start).toBe(at(upcoming(2), "16:45"));
		expect(body.slots[0]?.localStart).toMatch(/T0[23]:00:00-0[45]:00$/);
	});

	it("names every bad parameter", async () => {
		const res = await api("/api/v1/m/demo/availability?serviceId=svc_demo_cut&from=2026-02-30&to=x&timezone=Mars/Base");
		expect(res.status).toBe(400);
		const body = await res.json<Problem>();
		expect([...new Set(body.errors?.map((e) => e.field))].sort()).toEqual(["query.from", "query.timezone", "query.to"]);
	});

	it("offers one slot per start for anyone, with the staff member who would be assigned", async () => {
		const day = upcoming(3).toString();
		const body = await (
			await api(`/api/v1/m/demo/availability?serviceId=svc_demo_cut&from=${day}&to=${day}&timezone=Europe/Amsterdam`)
		).json<{ slots: Array<{ start: string; staffId: string }> }>();
		const starts = body.slots.map((s) => s.start);
		expect(new Set(starts).size).toBe(starts.length);
		// Wednesday 19:00: only Chloé works until 20:00.
		expect(body.slots.find((s) => s.start === at(upcoming(3), "19:00"))?.staffId).toBe("stf_demo_chloe");
	});
});

describe("booking", () => {
	it("books a free slot and refuses the same slot with alternatives", async () => {
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody());
		expect(res.status).toBe(201);
		const { booking } = await res.json<{ booking: BookingJson }>();
		expect(booking).toMatchObject({ status: "confirmed", staffId: "stf_demo_ana", serviceId: "svc_demo_cut", start: at(upcoming(2), "10:00") });
		expect(booking.manageUrl).toMatch(/\/manage\/bkg_[a-z0-9]+\?token=/);

		const again = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "Other", email: "other@example.com" } }));
		expect(again.status).toBe(409);
		const problem = await again.json<Problem>();
		expect(problem.alternatives?.length).toBeGreaterThanOrEqual(3);
		// Same staff first, and none of them overlaps the booking just made (incl. its 15-minute buffer).
		expect(problem.alternatives?.[0]?.staffId).toBe("stf_demo_ana");
		const taken = [Date.parse(booking.start), Date.parse(booking.end) + 15 * 60_000];
		for (const alt of problem.alternatives ?? []) {
			if (alt.staffId !== "stf_demo_ana") continue;
			const overlaps = Date.parse(alt.start) < taken[1]! && Date.parse(alt.end) > taken[0]!;
			expect(overlaps).toBe(false);
		}
	});

	it("writes one outbox message per committed change", async () => {
		const { booking } = await (await postJson("/api/v1/m/demo/bookings", bookingBody())).json<{ booking: BookingJson }>();
		await flushSchedule();
		expect((await postJson(`/api/v1/bookings/${booking.id}/cancel?token=${tokenOf(booking)}`, {})).status).toBe(200);
		const rows = await runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) =>
			state.storage.sql.exec("select version, change from outbox where booking_id = ? order by id", booking.id).toArray(),
		);
		expect(rows).toEqual([
			{ version: 1, change: "created" },
			{ version: 2, change: "cancelled" },
		]);
	});

	it("replays an Idempotency-Key with the same body and refuses it with another", async () => {
		const headers = { "idempotency-key": "key-123" };
		const first = await postJson("/api/v1/m/demo/bookings", bookingBody(), headers);
		const second = await postJson("/api/v1/m/demo/bookings", bookingBody(), headers);
		expect(first.status).toBe(201);
		expect(second.status).toBe(201);
		expect(await second.json()).toEqual(await first.json());
		const third = await postJson("/api/v1/m/demo/bookings", bookingBody({ notes: "changed" }), headers);
		expect(third.status).toBe(422);
		await flushSchedule();
		const count = await env.DB.prepare("select count(*) as n from bookings").first<{ n: number }>();
		expect(count?.n).toBe(1);
	});

	it("answers a refused Idempotency-Key afresh on retry, so it can book once the slot is free", async () => {
		const taken = await postJson("/api/v1/m/demo/bookings", bookingBody());
		expect(taken.status).toBe(201);
		const { booking } = await taken.json<{ booking: BookingJson }>();
		const headers = { "idempotency-key": "key-refused" };
		const refused = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "Second", email: "second@example.com" } }), headers);
		expect(refused.status).toBe(409);
		expect((await postJson(`/api/v1/bookings/${booking.id}/cancel?token=${tokenOf(booking)}`, {})).status).toBe(200);
		// Were the refusal stored under the key, this retry would get the same 409 for a free slot.
		const retried = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "Second", email: "second@example.com" } }), headers);
		expect(retried.status).toBe(201);
		const replayed = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "Second", email: "second@example.com" } }), headers);
		expect(await replayed.json()).toEqual(await retried.json());
	});

	it("rejects malformed bodies with every offending field named", async () => {
		const res = await postJson("/api/v1/m/demo/bookings", { serviceId: "", start: "tomorrow", timezone: "Nowhere", customer: { name: "", email: "nope" } });
		expect(res.status).toBe(400);
		const fields = (await res.json<Problem>()).errors?.map((e) => e.field).sort();
		expect(fields).toEqual(["body.customer.email", "body.customer.name", "body.serviceId", "body.start", "body.timezone"]);
		const broken = await api("/api/v1/m/demo/bookings", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
		expect(broken.status).toBe(400);
		expect(broken.headers.get("content-type")).toBe("application/problem+json");
	});

	it("explains refusals outside hours, notice and horizon with 422", async () => {
		const outside = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(upcoming(2), "07:00") }));
		expect(outside.status).toBe(422);
		expect((await outside.json<Problem>()).type).toContain("outside-hours");
		const offGrid = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(upcoming(2), "10:07") }));
		expect(offGrid.status).toBe(422);
		const far = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(upcoming(2, 90), "10:00") }));
		expect(far.status).toBe(422);
		expect((await far.json<Problem>()).type).toContain("beyond-horizon");
		const past = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: "2020-01-07T09:00:00Z" }));
		expect(past.status).toBe(422);
	});

	it("gives 404 for another merchant's or an unknown service", async () => {
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ serviceId: "svc_unknown" }));
		expect(res.status).toBe(404);
	});

	it("assigns anyone to the free staff member with the fewest bookings that day", async () => {
		const day = upcoming(3);
		const first = await (await postJson("/api/v1/m/demo/bookings", bookingBody({ staffId: undefined, start: at(day, "11:00") }))).json<{ booking: BookingJson }>();
		// Ana (first in order) gets the first; the next at another time goes to Ben, who has none.
		expect(first.booking.staffId).toBe("stf_demo_ana");
		const second = await (await postJson("/api/v1/m/demo/bookings", bookingBody({ staffId: undefined, start: at(day, "15:00") }))).json<{ booking: BookingJson }>();
		expect(second.booking.staffId).toBe("stf_demo_ben");
	});

	it("needs a free room for a service that requires one", async () => {
		const day = upcoming(5);
		const body = (staffId: string, email: string) => bookingBody({ serviceId: "svc_demo_massage", staffId, start: at(day, "15:00"), customer: { name: "R", email } });
		expect((await postJson("/api/v1/m/demo/bookings", body("stf_demo_ben", "a@example.com"))).status).toBe(201);
		expect((await postJson("/api/v1/m/demo/bookings", body("stf_demo_chloe", "b@example.com"))).status).toBe(201);
		await flushSchedule();
		const rooms = await env.DB.prepare("select resource_id from bookings order by resource_id").all<{ resource_id: string }>();
		expect(rooms.results.map((r) => r.resource_id)).toEqual(["res_demo_room1", "res_demo_room2"]);
	});
});

describe("manage link", () => {
	it("shows, reschedules (same id) and cancels with the token, and hides the booking without it", async () => {
		const { booking } = await (await postJson("/api/v1/m/demo/bookings", bookingBody())).json<{ booking: BookingJson }>();
		// The manage routes find the booking's merchant in D1's read model, a moment behind the object.
		await flushSchedule();
		const token = tokenOf(booking);
		expect((await api(`/api/v1/bookings/${booking.id}?token=${token}`)).status).toBe(200);
		expect((await api(`/api/v1/bookings/${booking.id}?token=${token.slice(0, -2)}xx`)).status).toBe(404);
		expect((await api(`/api/v1/bookings/${booking.id}`)).status).toBe(404);
		expect((await api(`/api/v1/bookings/${booking.id}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

		const moved = await postJson(`/api/v1/bookings/${booking.id}/reschedule?token=${token}`, { start: at(upcoming(2), "14:00") });
		expect(moved.status).toBe(200);
		const movedBody = await moved.json<{ bookings: BookingJson[] }>();
		expect(movedBody.bookings[0]).toMatchObject({ id: booking.id, start: at(upcoming(2), "14:00") });

		// The old time is free again.
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "B", email: "b@example.com" } }))).status).toBe(201);

		const cancelled = await postJson(`/api/v1/bookings/${booking.id}/cancel?token=${token}`, {});
		expect(cancelled.status).toBe(200);
		expect((await cancelled.json<{ bookings: BookingJson[] }>()).bookings[0]?.status).toBe("cancelled");
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(upcoming(2), "14:00"), customer: { name: "C", email: "c@example.com" } }))).status).toBe(201);
	});
});

describe("cancel body", () => {
	it("cancels one booking without a body, and names a bad scope", async () => {
		const { booking } = await (await postJson("/api/v1/m/demo/bookings", bookingBody())).json<{ booking: BookingJson }>();
		await flushSchedule();
		const bad = await postJson(`/api/v1/bookings/${booking.id}/cancel?token=${tokenOf(booking)}`, { scope: "everything" });
		expect(bad.status).toBe(400);
		expect((await bad.json<Problem>()).errors?.map((e) => e.field)).toEqual(["body.scope"]);
		const bare = await api(`/api/v1/bookings/${booking.id}/cancel?token=${tokenOf(booking)}`, { method: "POST" });
		expect(bare.status).toBe(200);
		expect((await bare.json<{ bookings: BookingJson[] }>()).bookings.map((b) => b.status)).toEqual(["cancelled"]);
	});
});

describe("recurring bookings", () => {
	it("books a weekly series as one all-or-nothing unit", async () => {
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ recurrence: { frequency: "weekly", count: 4 } }));
		expect(res.status).toBe(201);
		const body = await res.json<{ booking: BookingJson; occurrences: BookingJson[] }>();
		expect(body.occurrences).toHaveLength(4);
		const seriesIds = new Set(body.occurrences.map((o) => o.seriesId));
		expect(seriesIds.size).toBe(1);
		// Weekly at 10:00 Amsterdam time, whatever DST does in between.
		body.occurrences.forEach((occurrence, index) => {
			expect(occurrence.start).toBe(at(upcoming(2).add({ weeks: index }), "10:00"));
		});
	});

	it("refuses the whole series and lists the conflicting occurrences", async () => {
		const third = upcoming(2).add({ weeks: 2 });
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(third, "10:00"), customer: { name: "X", email: "x@example.com" } }))).status).toBe(201);
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ recurrence: { frequency: "weekly", count: 4 } }));
		expect(res.status).toBe(409);
		const problem = await res.json<Problem>();
		expect(problem.conflicts).toEqual([{ index: 2, start: at(third, "10:00") }]);
		await flushSchedule();
		const count = await env.DB.prepare("select count(*) as n from bookings").first<{ n: number }>();
		expect(count?.n).toBe(1);
	});

	it("cancels one occurrence or the rest of the series", async () => {
		const body = await (await postJson("/api/v1/m/demo/bookings", bookingBody({ recurrence: { frequency: "biweekly", count: 3 } }))).json<{ occurrences: BookingJson[] }>();
		const [first, second] = body.occurrences;
		await flushSchedule();
		await postJson(`/api/v1/bookings/${second!.id}/cancel?token=${tokenOf(second!)}`, { scope: "one" });
		await flushSchedule();
		let statuses = await env.DB.prepare("select status from bookings order by series_index").all<{ status: string }>();
		expect(statuses.results.map((r) => r.status)).toEqual(["confirmed", "cancelled", "confirmed"]);
		await postJson(`/api/v1/bookings/${first!.id}/cancel?token=${tokenOf(first!)}`, { scope: "series" });
		await flushSchedule();
		statuses = await env.DB.prepare("select status from bookings order by series_index").all<{ status: string }>();
		expect(statuses.results.map((r) => r.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
	});
});

describe("storage invariant", () => {
	// The object's triggers (src/booking/schedule-schema.ts) refuse a double booking even from a write that
	// skipped every check, here an insert straight through ScheduleStore.
	it("refuses an overlapping confirmed booking inserted past the checks, for the same staff member or the same room", async () => {
		const { booking } = await (await postJson("/api/v1/m/demo/bookings", bookingBody())).json<{ booking: BookingJson }>();
		const massage = bookingBody({ serviceId: "svc_demo_massage", staffId: "stf_demo_ben", start: at(upcoming(2), "15:00"), customer: { name: "R", email: "r@example.com" } });
		const { booking: inRoom } = await (await postJson("/api/v1/m/demo/bookings", massage)).json<{ booking: BookingJson }>();
		const outcomes = await runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) => {
			const store = new ScheduleStore(state.storage);
			const attempt = (row: BookingRecord): string => {
				try {
					store.insertBooking(row);
					return "inserted";
				} catch (error) {
					return error instanceof Error && error.message.includes("booking_overlap") ? "refused" : String(error);
				}
			};
			const made = store.booking(booking.id)!;
			const room = store.booking(inRoom.id)!;
			const later = (row: BookingRecord, id: string, minutes: number, changes: Partial<BookingRecord> = {}): BookingRecord => ({
				...row,
				id,
				startsAt: row.startsAt + minutes * 60_000,
				endsAt: row.endsAt + minutes * 60_000,
				blockStart: row.blockStart + minutes * 60_000,
				blockEnd: row.blockEnd + minutes * 60_000,
				idempotencyKey: null,
				...changes,
			});
			return {
				sameStaff: attempt(later(made, "bkg_direct_staff", 30)),
				// Inside the buffer after the booking: blocks overlap though the appointments do not.
				intoBuffer: attempt(later(made, "bkg_direct_buffer", 50)),
				sameRoom: attempt(later(room, "bkg_direct_room", 30, { staffId: "stf_demo_chloe" })),
				otherStaff: attempt(later(made, "bkg_direct_other", 30, { staffId: "stf_demo_ben" })),
				cancelled: attempt(later(made, "bkg_direct_cancelled", 30, { status: "cancelled" })),
				afterBlock: attempt(later(made, "bkg_direct_after", 60)),
				// Moving a booking onto another is refused the same way.
				movedOnto: (() => {
					const moved = later(made, "bkg_direct_after", 0, { version: 2 });
					try {
						store.updateBooking(moved);
						return "moved";
					} catch (error) {
						return error instanceof Error && error.message.includes("booking_overlap") ? "refused" : String(error);
					}
				})(),
				confirmedOverlaps: state.storage.sql
					.exec<{ n: number }>(
						`select count(*) as n from bookings a join bookings b on a.id < b.id
						 where a.status = 'confirmed' and b.status = 'confirmed' and (a.staff_id = b.staff_id or a.resource_id = b.resource_id)
						   and a.block_start < b.block_end and b.block_start < a.block_end`,
					)
					.one().n,
			};
		});
		expect(outcomes).toEqual({
			sameStaff: "refused",
			intoBuffer: "refused",
			sameRoom: "refused",
			otherStaff: "inserted",
			cancelled: "inserted",
			afterBlock: "inserted",
			movedOnto: "refused",
			confirmedOverlaps: 0,
		});
	});
});
