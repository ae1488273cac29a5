// External busy time as the admin sees it (src/booking/busy-view.ts): the blocks inbound sync gave the
// merchant's object, with their calendar's provider and the bookings each overlaps, even bookings
// past the range asked for, under the merchant's tentative policy and the staff filter.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { busyWithConflicts } from "../../src/booking/busy-view";
import type { FeedEvent } from "../../src/booking/busy-feed";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { at } from "../support/demo";
import { seedDemo } from "../support/seed";
import { book, db, workday } from "./harness";

const DAY = 86_400_000;

beforeEach(async () => {
	await seedDemo({ owner: { password: null } });
	await env.DB.batch([
		env.DB.prepare("insert into calendar_connections (id, merchant_id, staff_id, provider, account_label, status, updated_at) values ('con_ana', 'mer_demo', 'stf_demo_ana', 'microsoft', 'ana@outlook.test', 'active', 0)"),
		env.DB.prepare("insert into connection_calendars (id, connection_id, external_id, name, check_conflicts) values ('cal_ana', 'con_ana', 'ana', 'Ana', 1)"),
		env.DB.prepare("insert into calendar_connections (id, merchant_id, staff_id, provider, account_label, status, updated_at) values ('con_biz', 'mer_demo', null, 'google', 'desk@salon.test', 'active', 0)"),
		env.DB.prepare("insert into connection_calendars (id, connection_id, external_id, name, check_conflicts) values ('cal_biz', 'con_biz', 'desk', 'Desk', 1)"),
	]);
});

function block(eventId: string, start: number, end: number, tentative = false): FeedEvent {
	return { eventId, marker: null, blocks: [{ instanceId: eventId, start, end, allDay: false, tentative }] };
}

async function feed(calendarId: string, staffId: string | null, events: FeedEvent[]): Promise<void> {
	await merchantSchedule(env, DEMO_MERCHANT_ID).applyFeed({ calendarId, generation: 0, step: 1, staffId, full: true, events, removed: [] });
}

describe("busy time for the admin", () => {
	it("lists the range's blocks with their provider and the bookings they overlap, past the range too", async () => {
		const day = workday();
		const [morning] = await book({ staffId: "stf_demo_ana", start: Date.parse(at(day, "10:00")) });
		// Three days later, outside the one-day range asked for, under a block that starts inside it.
		const [later] = await book({ staffId: "stf_demo_ana", start: Date.parse(at(day, "10:00")) + 3 * DAY });
		const [ben] = await book({ staffId: "stf_demo_ben", start: Date.parse(at(day, "11:00")) });
		const dayStart = Date.parse(at(day, "00:00"));
		await feed("cal_ana", "stf_demo_ana", [
			block("trip", Date.parse(at(day, "16:00")), Date.parse(at(day, "16:00")) + 4 * DAY),
			block("dentist", Date.parse(at(day, "10:15")), Date.parse(at(day, "10:45"))),
			block("maybe", Date.parse(at(day, "10:30")), Date.parse(at(day, "10:40")), true),
			block("elsewhen", dayStart + 10 * DAY, dayStart + 10 * DAY + 3_600_000),
		]);
		await feed("cal_biz", null, [block("closed", Date.parse(at(day, "11:00")), Date.parse(at(day, "11:30")))]);
		const range = { merchantId: DEMO_MERCHANT_ID, from: dayStart, to: dayStart + DAY, staffIds: null, tentativeBlocks: false };

		const all = await busyWithConflicts(env, db, range);
		expect(all.map((b) => [b.start, b.provider, b.staffId, b.tentative, b.conflictsWith])).toEqual([
			[Date.parse(at(day, "10:15")), "microsoft", "stf_demo_ana", false, [morning!.id]],
			// Tentative time conflicts with nothing while the merchant lets tentative events through.
			[Date.parse(at(day, "10:30")), "microsoft", "stf_demo_ana", true, []],
			// The business calendar takes everyone's time.
			[Date.parse(at(day, "11:00")), "google", null, false, [ben!.id]],
			[Date.parse(at(day, "16:00")), "microsoft", "stf_demo_ana", false, [later!.id]],
		]);
		expect((await busyWithConflicts(env, db, { ...range, tentativeBlocks: true }))[1]?.conflictsWith).toEqual([morning!.id]);
		// Ben's view: his own blocks (none) and the business calendar's, conflicting only with his bookings.
		const bens = await busyWithConflicts(env, db, { ...range, staffIds: ["stf_demo_ben"] });
		expect(bens.map((b) => [b.staffId, b.conflictsWith])).toEqual([[null, [ben!.id]]]);
	});

	it("finds the bookings under a long block that began well before the range", async () => {
		const day = workday(14);
		const dayStart = Date.parse(at(day, "00:00"));
		// Eight days before the range, so more than a booking's longest span before it.
		const [earlier] = await book({ staffId: "stf_demo_ana", start: Date.parse(at(day, "10:00")) - 8 * DAY });
		await feed("cal_ana", "stf_demo_ana", [block("sabbatical", Date.parse(at(day, "09:00")) - 9 * DAY, Date.parse(at(day, "09:00")))]);
		const busy = await busyWithConflicts(env, db, { merchantId: DEMO_MERCHANT_ID, from: dayStart, to: dayStart + DAY, staffIds: null, tentativeBlocks: true });
		expect(busy.map((b) => b.conflictsWith)).toEqual([[earlier!.id]]);
	});

	it("shows no block of a calendar that is not one of the merchant's connections", async () => {
		const day = workday();
		const dayStart = Date.parse(at(day, "00:00"));
		await feed("cal_unknown", "stf_demo_ana", [block("x", Date.parse(at(day, "09:00")), Date.parse(at(day, "10:00")))]);
		expect(await busyWithConflicts(env, db, { merchantId: DEMO_MERCHANT_ID, from: dayStart, to: dayStart + DAY, staffIds: null, tentativeBlocks: true })).toEqual([]);
	});
});
