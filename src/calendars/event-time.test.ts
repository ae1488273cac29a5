import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { occurrenceStarts } from "../booking/recurrence";
import { rruleOf } from "./event-time";

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
