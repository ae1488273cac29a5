// The merchant object's busy blocks as inbound sync writes them (busy-feed.ts), run inside the object:
// per event the newest step wins whatever order the steps arrive in, a full result replaces only what
// is older than it, a cleared calendar refuses results of its earlier generations, and the merchant's
// own booking events block nothing.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { database } from "../db/client";
import { DEMO_MERCHANT_ID, seedDemoCatalogue } from "../demo/seed";
import type { FeedBatch, FeedEvent, FeedOutcome } from "./busy-feed";
import { merchantSchedule } from "./merchant-schedule";
import type { MerchantSchedule } from "./merchant-schedule";
import { ScheduleStore } from "./schedule-store";

const HOUR = 3_600_000;
const BASE = Date.UTC(2030, 0, 7);
const CALENDAR = "cal_feed";

beforeEach(async () => {
	// The object loads its merchant's setup on first use.
	await seedDemoCatalogue(database(env.DB));
});

function schedule(): DurableObjectStub<MerchantSchedule> {
	return merchantSchedule(env, DEMO_MERCHANT_ID);
}

/** An event blocking [from, to) hours after BASE. */
function event(eventId: string, from: number, to: number, marker: string | null = null): FeedEvent {
	return { eventId, marker, blocks: [{ instanceId: eventId, start: BASE + from * HOUR, end: BASE + to * HOUR, allDay: false, tentative: false }] };
}

function batch(step: number, changes: Partial<FeedBatch>): FeedBatch {
	return { calendarId: CALENDAR, generation: 0, step, staffId: "stf_feed", full: false, events: [], removed: [], ...changes };
}

async function apply(stub: DurableObjectStub<MerchantSchedule>, ...batches: FeedBatch[]): Promise<FeedOutcome[]> {
	return runInDurableObject(stub, async (instance: MerchantSchedule) => {
		const outcomes: FeedOutcome[] = [];
		for (const b of batches) outcomes.push(await instance.applyFeed(b));
		return outcomes;
	});
}

/** What the object holds, as "event@startHour-endHour" per block (calendar-prefixed outside CALENDAR), sorted. */
async function held(stub: DurableObjectStub<MerchantSchedule>): Promise<string[]> {
	return runInDurableObject(stub, (_instance: MerchantSchedule, state) =>
		state.storage.sql
			.exec<{ calendar_id: string; event_id: string; starts_at: number; ends_at: number }>("select calendar_id, event_id, starts_at, ends_at from busy_blocks")
			.toArray()
			.map((row) => `${row.calendar_id === CALENDAR ? "" : `${row.calendar_id}/`}${row.event_id}@${(row.starts_at - BASE) / HOUR}-${(row.ends_at - BASE) / HOUR}`)
			.sort(),
	);
}

describe("busy blocks from a calendar feed", () => {
	it("keeps per event what the newest step wrote, whatever order the steps arrive in", async () => {
		const stub = schedule();
		await apply(stub, batch(2, { events: [event("a", 10, 11)] }));
		// Step 1 was slower than step 2: its version of a is older; b it alone names.
		await apply(stub, batch(1, { events: [event("a", 9, 10), event("b", 12, 13)] }));
		expect(await held(stub)).toEqual(["a@10-11", "b@12-13"]);
		// a is deleted at step 4; step 3 arriving after cannot bring it back.
		await apply(stub, batch(4, { removed: ["a"] }));
		const [late] = await apply(stub, batch(3, { events: [event("a", 14, 15), event("b", 16, 17)] }));
		expect(await held(stub)).toEqual(["b@16-17"]);
		expect(late).toEqual({ applied: true, blocks: 1 });
	});

	it("replaces with a full result everything older than it, and keeps what newer steps wrote", async () => {
		const stub = schedule();
		await apply(stub, batch(1, { events: [event("a", 9, 10), event("b", 10, 11)] }), batch(3, { events: [event("c", 11, 12), event("d", 12, 13)] }));
		// The full result of step 2 reaches the object after step 3: it names a and c, not b or d.
		await apply(stub, batch(2, { full: true, events: [event("a", 13, 14), event("c", 14, 15)] }));
		expect(await held(stub)).toEqual(["a@13-14", "c@11-12", "d@12-13"]);
		// A later full result without any event empties the calendar.
		await apply(stub, batch(5, { full: true }));
		expect(await held(stub)).toEqual([]);
	});

	it("refuses results of generations before a clear, and clears only that calendar", async () => {
		const stub = schedule();
		await apply(stub, batch(1, { events: [event("a", 9, 10)] }), batch(1, { calendarId: "cal_other", events: [event("x", 9, 10)] }));
		await runInDurableObject(stub, (instance: MerchantSchedule) => instance.clearCalendar(CALENDAR, 1));
		expect(await held(stub)).toEqual(["cal_other/x@9-10"]);
		// A sync that started before the clear (generation 0) reports late: refused, even with a newer step.
		const [refused] = await apply(stub, batch(7, { events: [event("a", 9, 10)] }));
		expect(refused).toEqual({ applied: false, blocks: 0 });
		expect(await held(stub)).toEqual(["cal_other/x@9-10"]);
		// One that started after it is taken.
		const [taken] = await apply(stub, batch(8, { generation: 1, full: true, events: [event("b", 11, 12)] }));
		expect(taken).toEqual({ applied: true, blocks: 1 });
		expect(await held(stub)).toEqual(["b@11-12", "cal_other/x@9-10"]);
	});

	it("skips the merchant's own booking events and keeps another business's", async () => {
		const stub = schedule();
		await runInDurableObject(stub, (_instance: MerchantSchedule, state) => {
			new ScheduleStore(state.storage).insertSeries({ id: "ser_own", frequency: "weekly", count: 4, createdAt: BASE });
			state.storage.sql.exec(
				`insert into bookings (id, service_id, staff_id, starts_at, ends_at, block_start, block_end, timezone, status, created_at, updated_at)
				 values ('bkg_own', 'svc_feed', 'stf_feed', ?1, ?2, ?1, ?2, 'UTC', 'confirmed', ?1, ?1)`,
				BASE + 20 * HOUR,
				BASE + 21 * HOUR,
			);
		});
		// "mine" was an ordinary event until the business's own booking marker showed up on it.
		await apply(stub, batch(1, { events: [event("mine", 8, 9)] }));
		await apply(
			stub,
			batch(2, { events: [event("mine", 20, 21, "bkg_own"), event("series", 22, 23, "ser_own"), event("theirs", 9, 10, "bkg_elsewhere"), event("plain", 10, 11)] }),
		);
		expect(await held(stub)).toEqual(["plain@10-11", "theirs@9-10"]);
	});
});
