// External busy time as the admin sees it: the blocks the merchant's object holds, each with the
// provider of its calendar (connections live in D1) and the confirmed bookings it overlaps. Only
// times, flags and the provider: a block never holds an event's title, attendees or location.
import type { Database } from "../db/client";
import { calendarProviders } from "../db/queries/connections";
import type { CalendarProvider } from "../db/schema";
import { merchantSchedule } from "./merchant-schedule";
import type { BookingRecord, BusyRecord } from "./schedule-store";

/** The object's schema bounds every booking to 7 days, so bookings overlapping a time start at most this much before it. */
const MAX_BOOKING_MS = 7 * 24 * 60 * 60 * 1000;

export interface BusyRange {
	merchantId: string;
	/** UTC epoch ms: blocks overlapping [from, to) are listed. */
	from: number;
	to: number;
	/** Whose blocks: null for everyone's. The business-wide calendars' blocks (no staff member) take everyone's time, so they always are. */
	staffIds: string[] | null;
	/** The merchant's policy: whether tentative events block time (and so conflict). */
	tentativeBlocks: boolean;
}

export interface BusyView {
	staffId: string | null;
	start: number;
	end: number;
	allDay: boolean;
	tentative: boolean;
	provider: CalendarProvider;
	/** Ids of the confirmed bookings of the block's staff member (anyone's, for the business calendar) it overlaps. */
	conflictsWith: string[];
}

/**
 * Busy blocks overlapping the range, each with the bookings it conflicts with, by start. An external
 * event never cancels a booking; both sides are flagged instead. Tentative blocks conflict only when
 * the merchant lets them block time, exactly as in availability.
 */
export async function busyWithConflicts(env: Env, db: Database, range: BusyRange): Promise<BusyView[]> {
	const schedule = merchantSchedule(env, range.merchantId);
	// One call covers the common case: the blocks of the range and every booking that can overlap them.
	const around = await schedule.scheduleBetween(range.from - MAX_BOOKING_MS, range.to);
	const blocks = around.busy
		.filter((b) => b.start < range.to && b.end > range.from && (range.staffIds === null || b.staffId === null || range.staffIds.includes(b.staffId)))
		.sort(byStart);
	if (blocks.length === 0) return [];
	const low = Math.min(...blocks.map((b) => b.start));
	const high = Math.max(...blocks.map((b) => b.end));
	// A block reaching out of the range (a trip of a week, say) may overlap bookings the first call did not cover.
	const bookings = low < range.from || high > range.to ? (await schedule.scheduleBetween(low - MAX_BOOKING_MS, high)).bookings : around.bookings;
	const confirmed = bookings.filter((r) => r.status === "confirmed" && r.endsAt > low && (range.staffIds === null || range.staffIds.includes(r.staffId)));
	const providers = await calendarProviders(db, range.merchantId, [...new Set(blocks.map((b) => b.calendarId))]);
	return blocks.flatMap((b) => {
		const provider = providers.get(b.calendarId);
		// A block of a calendar D1 no longer knows for this merchant is not shown (it is cleared with its calendar).
		if (provider === undefined) return [];
		return [{ staffId: b.staffId, start: b.start, end: b.end, allDay: b.allDay, tentative: b.tentative, provider, conflictsWith: b.tentative && !range.tentativeBlocks ? [] : overlapping(b, confirmed) }];
	});
}

function overlapping(block: BusyRecord, confirmed: BookingRecord[]): string[] {
	return confirmed.filter((r) => (block.staffId === null || r.staffId === block.staffId) && r.startsAt < block.end && r.endsAt > block.start).map((r) => r.id);
}

function byStart(a: BusyRecord, b: BusyRecord): number {
	return a.start - b.start || a.end - b.end || compare(a.calendarId, b.calendarId) || compare(a.eventId, b.eventId) || compare(a.instanceId, b.instanceId);
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
