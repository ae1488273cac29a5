// Working hours across DST changes. Edges are resolved with Temporal's "compatible"
// disambiguation: a wall time inside a spring-forward gap moves forward by the gap's length, a wall
// time that occurs twice at fall-back takes the earlier instant.
import { describe, expect, it } from "vitest";
import { computeSlots } from "./slots";
import { at, buildQuery, iso, staffMember } from "./testing";

interface Case {
	zone: string;
	date: string;
	hours: [string, string];
	/** The working interval in UTC that the wall-clock hours become; null when it vanishes. */
	expected: [string, string] | null;
	why: string;
}

const cases: Case[] = [
	// Amsterdam springs forward 02:00 CET -> 03:00 CEST.
	{ zone: "Europe/Amsterdam", date: "2026-03-29", hours: ["01:00", "04:00"], expected: ["2026-03-29T00:00Z", "2026-03-29T02:00Z"], why: "three wall hours last two" },
	{ zone: "Europe/Amsterdam", date: "2026-03-29", hours: ["02:00", "03:00"], expected: null, why: "02:00 moves to 03:00, nothing is left" },
	// Amsterdam falls back 03:00 CEST -> 02:00 CET; 02:00-02:59 happens twice.
	{ zone: "Europe/Amsterdam", date: "2026-10-25", hours: ["01:00", "04:00"], expected: ["2026-10-24T23:00Z", "2026-10-25T03:00Z"], why: "three wall hours last four" },
	{ zone: "Europe/Amsterdam", date: "2026-10-25", hours: ["02:00", "03:00"], expected: ["2026-10-25T00:00Z", "2026-10-25T02:00Z"], why: "02:00 is the earlier (CEST) one" },
	// New York springs forward 02:00 EST -> 03:00 EDT.
	{ zone: "America/New_York", date: "2026-03-08", hours: ["01:00", "04:00"], expected: ["2026-03-08T06:00Z", "2026-03-08T08:00Z"], why: "three wall hours last two" },
	{ zone: "America/New_York", date: "2026-03-08", hours: ["02:00", "03:00"], expected: null, why: "02:00 moves to 03:00, nothing is left" },
	// New York falls back 02:00 EDT -> 01:00 EST; 01:00-01:59 happens twice.
	{ zone: "America/New_York", date: "2026-11-01", hours: ["01:00", "04:00"], expected: ["2026-11-01T05:00Z", "2026-11-01T09:00Z"], why: "01:00 is the earlier (EDT) one" },
	{ zone: "America/New_York", date: "2026-11-01", hours: ["02:00", "03:00"], expected: ["2026-11-01T07:00Z", "2026-11-01T08:00Z"], why: "02:00 exists once, after the overlap" },
	// Lord Howe shifts by 30 minutes: back 02:00 (+11) -> 01:30 (+10:30) in April.
	{ zone: "Australia/Lord_Howe", date: "2026-04-05", hours: ["01:00", "04:00"], expected: ["2026-04-04T14:00Z", "2026-04-04T17:30Z"], why: "three wall hours last three and a half" },
	{ zone: "Australia/Lord_Howe", date: "2026-04-05", hours: ["02:00", "03:00"], expected: ["2026-04-04T15:30Z", "2026-04-04T16:30Z"], why: "02:00 exists once, after the overlap" },
	{ zone: "Australia/Lord_Howe", date: "2026-04-05", hours: ["01:30", "02:30"], expected: ["2026-04-04T14:30Z", "2026-04-04T16:00Z"], why: "01:30 is the earlier (+11) one" },
	// ...and forward 02:00 (+10:30) -> 02:30 (+11) in October.
	{ zone: "Australia/Lord_Howe", date: "2026-10-04", hours: ["01:00", "04:00"], expected: ["2026-10-03T14:30Z", "2026-10-03T17:00Z"], why: "three wall hours last two and a half" },
	{ zone: "Australia/Lord_Howe", date: "2026-10-04", hours: ["02:00", "03:00"], expected: ["2026-10-03T15:30Z", "2026-10-03T16:00Z"], why: "02:00 moves 30 minutes forward to 02:30" },
	{ zone: "Australia/Lord_Howe", date: "2026-10-04", hours: ["02:15", "03:00"], expected: ["2026-10-03T15:45Z", "2026-10-03T16:00Z"], why: "02:15 moves to 02:45" },
];

const STEP_MINUTES = 15;

/** Every 15-minute start of a 15-minute service inside [start, end). */
function gridOf(range: [string, string] | null): string[] {
	if (range === null) return [];
	const out: string[] = [];
	for (let t = at(range[0]); t + STEP_MINUTES * 60_000 <= at(range[1]); t += STEP_MINUTES * 60_000) out.push(iso(t));
	return out;
}

describe("working hours across DST", () => {
	it.each(cases)("$zone $date $hours.0-$hours.1: $why", ({ zone, date, hours, expected }) => {
		const q = buildQuery({
			now: at("2026-01-01T00:00Z"),
			// A UTC customer range of three days surely holds the whole local date.
			timezone: "UTC",
			from: isoDay(date, -1),
			to: isoDay(date, 1),
			staff: [staffMember({ id: "a", timezone: zone, overrides: [{ date, intervals: [{ start: hours[0], end: hours[1] }] }] })],
			service: { durationMinutes: STEP_MINUTES, slotIntervalMinutes: STEP_MINUTES },
		});
		expect(computeSlots(q).map((s) => iso(s.start))).toEqual(gridOf(expected));
	});
});

function isoDay(date: string, offsetDays: number): string {
	return new Date(Date.parse(`${date}T00:00Z`) + offsetDays * 86_400_000).toISOString().slice(0, 10);
}
