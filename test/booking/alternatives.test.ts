// The alternatives a 409 offers: the named staff member's nearest free slots first, then
// colleagues', at least three where they exist, and every one of them really bookable.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { api, at, bookingBody, postJson, upcoming } from "../support/demo";
import { flushSchedule, refreshSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";

interface Alternative {
	start: string;
	end: string;
	staffId: string;
	localStart: string;
}

const DAY = 86_400_000;
const day = upcoming(2);

beforeEach(async () => {
	await seedDemo();
});

async function anaAway(from: number, to: number): Promise<void> {
	await env.DB.prepare("insert into time_off (id, staff_id, starts_at, ends_at) values (?, 'stf_demo_ana', ?, ?)").bind(crypto.randomUUID(), from, to).run();
	await refreshSchedule();
}

/** Ana is away for a month except 09:00-10:00 on `day`: one haircut (45 min + 15 buffer) fits. */
async function anaHasOneSlot(): Promise<void> {
	await anaAway(Date.now(), Date.parse(at(day, "09:00")));
	await anaAway(Date.parse(at(day, "10:00")), Date.parse(at(day, "10:00")) + 30 * DAY);
}

/** Asserts each alternative is offered by the availability API for its staff member and day. */
async function expectBookable(alternatives: Alternative[]): Promise<void> {
	for (const alternative of alternatives) {
		const date = alternative.localStart.slice(0, 10);
		const res = await api(`/api/v1/m/demo/availability?serviceId=svc_demo_cut&staffId=${alternative.staffId}&from=${date}&to=${date}&timezone=Europe/Amsterdam`);
		const { slots } = await res.json<{ slots: Array<{ start: string }> }>();
		expect(slots.map((s) => s.start), `${alternative.staffId} at ${alternative.localStart}`).toContain(alternative.start);
	}
}

describe("409 alternatives", () => {
	it("offers the named staff member's only free slot first, then colleagues'", async () => {
		await anaHasOneSlot();
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(day, "11:00") }));
		expect(res.status).toBe(409);
		const { alternatives } = await res.json<{ alternatives: Alternative[] }>();
		expect(alternatives.length).toBeGreaterThanOrEqual(3);
		expect(alternatives[0]).toMatchObject({ staffId: "stf_demo_ana", start: at(day, "09:00") });
		expect(alternatives.slice(1).every((a) => a.staffId !== "stf_demo_ana")).toBe(true);
		// Colleagues' nearest starts to 11:00 (Ben works 10:00-14:00 on Tuesdays).
		expect(alternatives[1]).toMatchObject({ staffId: "stf_demo_ben", start: at(day, "11:00") });
		await expectBookable(alternatives);
	});

	it("does the same when a reschedule is refused", async () => {
		const created = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(day, "09:00") }));
		expect(created.status).toBe(201);
		const { booking } = await created.json<{ booking: { id: string; manageUrl: string } }>();
		await flushSchedule();
		await anaHasOneSlot();
		const token = new URL(booking.manageUrl).searchParams.get("token");
		const res = await postJson(`/api/v1/bookings/${booking.id}/reschedule?token=${token}`, { start: at(day, "11:00") });
		expect(res.status).toBe(409);
		const { alternatives } = await res.json<{ alternatives: Alternative[] }>();
		expect(alternatives.length).toBeGreaterThanOrEqual(3);
		// The booking's own time is free for it; colleagues fill the rest.
		expect(alternatives[0]).toMatchObject({ staffId: "stf_demo_ana", start: at(day, "09:00") });
		expect(alternatives.slice(1).map((a) => a.staffId)).not.toContain("stf_demo_ana");
	});

	it("never offers a slot whose conflicts lie beyond the days it loaded", async () => {
		// Away for 20 days (which covers all the days searched), then away again for 25 days.
		const split = Date.parse(at(day.add({ days: 20 }), "00:00"));
		await anaAway(Date.now(), split);
		await anaAway(split, split + 25 * DAY);
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(day, "10:00") }));
		expect(res.status).toBe(409);
		const { alternatives } = await res.json<{ alternatives: Alternative[] }>();
		expect(alternatives.length).toBeGreaterThanOrEqual(3);
		expect(alternatives.map((a) => a.staffId)).not.toContain("stf_demo_ana");
		await expectBookable(alternatives);
	});
});
