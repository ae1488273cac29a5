import fc from "fast-check";
import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { occurrenceStarts } from "../booking/recurrence";
import { instantOf, rruleOf } from "./event-time";

const zone = "Europe/Amsterdam";

function instant(local: string): number {
	return Temporal.PlainDateTime.from(local).toZonedDateTime(zone).epochMilliseconds;
}

/** Expands an RRULE from a local DTSTART with ical.js, as a calendar would. */
function expand(rule: string, start: string, count: number): string[] {
	const iterator = ICAL.Recur.fromString(rule).iterator(ICAL.Time.fromDateTimeString(start));
	const out: string[] = [];
	for (let next = iterator.next(); next !== null && out.length < count; next = iterator.next()) out.push(next.toString().slice(0, 10));
	return out;
}

describe("rruleOf", () => {
	it("writes weekly and every-two-weeks rules with a count", () => {
		expect(rruleOf({ frequency: "weekly", count: 4, exceptions: [] }, instant("2026-03-10T09:00"), zone)).toBe("FREQ=WEEKLY;COUNT=4");
		expect(rruleOf({ frequency: "biweekly", count: 3, exceptions: [] }, instant("2026-03-10T09:00"), zone)).toBe("FREQ=WEEKLY;INTERVAL=2;COUNT=3");
		expect(rruleOf({ frequency: "monthly", count: 3, exceptions: [] }, instant("2026-03-15T09:00"), zone)).toBe("FREQ=MONTHLY;COUNT=3");
	});

	it("makes a calendar repeat a month-end series on the same days Slotline books", () => {
		const start = instant("2026-01-31T10:00");
		const rule = rruleOf({ frequency: "monthly", count: 5, exceptions: [] }, start, zone);
		expect(rule).toBe("FREQ=MONTHLY;BYMONTHDAY=31,-1;BYSETPOS=1;COUNT=5");
		const slotline = occurrenceStarts(start, zone, "monthly", 5).map((s) => Temporal.Instant.fromEpochMilliseconds(s).toZonedDateTimeISO(zone).toPlainDate().toString());
		expect(expand(rule, "2026-01-31T10:00:00", 5)).toEqual(slotline);
		expect(slotline).toEqual(["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"]);
	});
});

describe("instantOf", () => {
	it("reads fixed offsets natively exactly as Temporal does, and wall clocks in their zone", () => {
		const temporal = (value: string): number => Temporal.Instant.from(value).epochMilliseconds;
		fc.assert(
			fc.property(
				fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }),
				fc.integer({ min: -14 * 60, max: 14 * 60 }),
				fc.boolean(),
				(ms, offsetMinutes, withMillis) => {
					const shifted = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, withMillis ? 23 : 19);
					const sign = offsetMinutes < 0 ? "-" : "+";
					const abs = Math.abs(offsetMinutes);
					const value = `${shifted}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
					expect(instantOf(value, "Europe/Amsterdam")).toBe(temporal(value));
				},
			),
		);
		expect(instantOf("2026-06-02T09:00:00z", "UTC")).toBe(Date.UTC(2026, 5, 2, 9));
		// Graph's seven fraction digits in its UTC view.
		expect(instantOf("2026-06-02T09:00:00.0000000", "UTC")).toBe(Date.UTC(2026, 5, 2, 9));
		// Wall clocks go through the zone, DST gap included (02:30 does not exist on 29 March 2026 in Amsterdam).
		expect(instantOf("2026-03-29T02:30:00", "Europe/Amsterdam")).toBe(instant("2026-03-29T02:30"));
		expect(instantOf("2026-10-25T02:30:00", "Europe/Amsterdam")).toBe(instant("2026-10-25T02:30"));
		expect(instantOf("2026-06-02T09:00:00", "America/New_York")).toBe(Date.UTC(2026, 5, 2, 13));
	});
});
