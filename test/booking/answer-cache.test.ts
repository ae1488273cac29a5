// The merchant object reuses an availability answer only while nothing in its storage changed
// (src/booking/answer-cache.ts): every kind of write shows in the next identical question, a later
// clock only drops the slots inside the minimum notice, and a range the horizon cuts short is computed
// again for a later clock.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { AvailabilityRequest, AvailabilitySlot } from "../../src/booking/merchant-schedule";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { unwrapOutcome } from "../../src/booking/outcome";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { at, bookDirectly, inDemoSchedule, postJson, upcoming } from "../support/demo";
import { seedDemo } from "../support/seed";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

beforeEach(async () => {
	await seedDemo();
});

async function slots(request: Partial<AvailabilityRequest> & { now: number }): Promise<AvailabilitySlot[]> {
	const day = upcoming(2).toString();
	return JSON.parse(
		unwrapOutcome(await merchantSchedule(env, DEMO_MERCHANT_ID).availability({ serviceId: "svc_demo_cut", staffId: "stf_demo_ana", from: day, to: day, timezone: "Europe/Amsterdam", ...request })),
	) as AvailabilitySlot[];
}

describe("availability answers reused by the merchant's object", () => {
	it("come from a version that triggers move for schedule rows and not for the outbox", async () => {
		const versions = await inDemoSchedule((store) => {
			const sql = (store as unknown as { storage: DurableObjectStorage }).storage.sql;
			const before = store.scheduleVersion();
			sql.exec("insert into outbox (booking_id, version, change, created_at) values ('bkg_x', 1, 'created', 0)");
			const afterOutbox = store.scheduleVersion();
			sql.exec("update staff set timezone = timezone where id = 'stf_demo_ana'");
			return { before, afterOutbox, afterStaff: store.scheduleVersion() };
		});
		expect(versions.afterOutbox).toBe(versions.before);
		expect(versions.afterStaff).toBe(versions.before + 1);
	});

	it("show a booking made after the first answer at once, for the same question at the same clock", async () => {
		const now = Date.now();
		const before = await slots({ now });
		const ten = before[4];
		expect(ten).toBeDefined();
		const res = await postJson("/api/v1/m/demo/bookings", { serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: ten?.start, timezone: "Europe/Amsterdam", customer: { name: "Cache Test", email: "cache@example.com" } });
		expect(res.status).toBe(201);
		const after = await slots({ now });
		expect(after.map((s) => s.start)).not.toContain(ten?.start);
		expect(after.length).toBeLessThan(before.length);
	});

	it("show a busy block from a calendar feed and a booking written around the API", async () => {
		const now = Date.now();
		const eleven = Date.parse(at(upcoming(2), "11:00"));
		expect((await slots({ now })).map((s) => Date.parse(s.start))).toContain(eleven);
		await merchantSchedule(env, DEMO_MERCHANT_ID).applyFeed({
			calendarId: "cal_cache_test",
			generation: 0,
			step: 1,
			staffId: "stf_demo_ana",
			full: true,
			events: [{ eventId: "evt", marker: null, blocks: [{ instanceId: "evt", start: eleven, end: eleven + 30 * MINUTE, allDay: false, tentative: false }] }],
			removed: [],
		});
		const afterFeed = (await slots({ now })).map((s) => Date.parse(s.start));
		expect(afterFeed).not.toContain(eleven);
		const two = Date.parse(at(upcoming(2), "14:00"));
		expect(afterFeed).toContain(two);
		await bookDirectly({ start: two, now });
		expect((await slots({ now })).map((s) => Date.parse(s.start))).not.toContain(two);
	});

	it("show a change of the setup copy (hours)", async () => {
		const now = Date.now();
		expect((await slots({ now })).length).toBeGreaterThan(0);
		// The object's copy of the setup is what availability reads; any write to it must count.
		await inDemoSchedule((store) => {
			(store as unknown as { storage: DurableObjectStorage }).storage.sql.exec("delete from working_hours where staff_id = ?", "stf_demo_ana");
		});
		expect(await slots({ now })).toEqual([]);
	});

	it("drop only the slots inside the minimum notice when asked later", async () => {
		const first = await slots({ now: Date.now() });
		expect(first.length).toBeGreaterThan(3);
		// One hour's notice: a clock 61 minutes before the third slot leaves the first two behind.
		const third = Date.parse((first[2] as AvailabilitySlot).start);
		const later = await slots({ now: third - 60 * MINUTE - 1 });
		expect(later).toEqual(first.slice(2));
	});

	it("are computed again for a later clock when the horizon cut the range short", async () => {
		// The haircut's horizon is 60 days: a range ending 62 days ahead loses its last days to it.
		const from = new Date(Date.now() + 55 * DAY).toISOString().slice(0, 10);
		const to = new Date(Date.now() + 62 * DAY).toISOString().slice(0, 10);
		const now = Date.now();
		const early = await slots({ now, from, to, staffId: undefined });
		const dayLater = await slots({ now: now + DAY, from, to, staffId: undefined });
		const lastEarly = Date.parse((early.at(-1) as AvailabilitySlot).start);
		expect(dayLater.some((s) => Date.parse(s.start) > lastEarly)).toBe(true);
	});
});

describe("409 refusals reused by the merchant's object", () => {
	async function tryToBook(start: string): Promise<Response> {
		return postJson("/api/v1/m/demo/bookings", { serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start, timezone: "Europe/Amsterdam", customer: { name: "Storm", email: `storm${Math.random()}@example.com` } });
	}

	it("give the same alternatives until one of them is booked, and a 201 once the slot is free again", async () => {
		const free = await slots({ now: Date.now() });
		const target = (free[6] as AvailabilitySlot).start;
		const first = await tryToBook(target);
		expect(first.status).toBe(201);
		const { booking } = await first.json<{ booking: { id: string; manageUrl: string } }>();
		const refused = await (await tryToBook(target)).json<{ alternatives: Array<{ start: string }> }>();
		const again = await tryToBook(target);
		expect(again.status).toBe(409);
		expect((await again.json<{ alternatives: Array<{ start: string }> }>()).alternatives).toEqual(refused.alternatives);
		// Booking the nearest alternative changes the schedule: the next refusal no longer offers it.
		const nearest = (refused.alternatives[0] as { start: string }).start;
		expect((await tryToBook(nearest)).status).toBe(201);
		const after = await (await tryToBook(target)).json<{ alternatives: Array<{ start: string }> }>();
		expect(after.alternatives.map((a) => a.start)).not.toContain(nearest);
		// Cancelling the booking that took the slot frees it at once.
		const token = new URL(booking.manageUrl).searchParams.get("token") ?? "";
		expect((await postJson(`/api/v1/bookings/${booking.id}/cancel?token=${token}`, {})).status).toBe(200);
		expect((await tryToBook(target)).status).toBe(201);
	});
});
