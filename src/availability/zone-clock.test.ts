import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import { epochDayFromIso, isoFromEpochDay } from "./calendar";
import { createZoneClock } from "./zone-clock";

const ZONES = ["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC", "Pacific/Chatham"];
const FIRST_DAY = epochDayFromIso("2025-01-01", "t");
const LAST_DAY = epochDayFromIso("2027-12-31", "t");

/** What Temporal itself answers for a wall time, with "compatible" disambiguation. */
function temporalInstant(zone: string, epochDay: number, minutes: number): number {
	const date = Temporal.PlainDate.from(isoFromEpochDay(epochDay));
	return date
		.toPlainDateTime()
		.add({ minutes })
		.toZonedDateTime(zone, { disambiguation: "compatible" }).epochMilliseconds;
}

describe("createZoneClock", () => {
	it("agrees with Temporal on every wall time, however the cached offset was reached", () => {
		fc.assert(
			fc.property(
				fc.constantFrom(...ZONES),
				fc.array(fc.tuple(fc.integer({ min: FIRST_DAY, max: LAST_DAY }), fc.integer({ min: 0, max: 1440 })), { minLength: 1, maxLength: 40 }),
				fc.boolean(),
				(zone, readings, ascending) => {
					const clock = createZoneClock(zone, "tz");
					const ordered = ascending ? [...readings].sort((a, b) => a[0] - b[0] || a[1] - b[1]) : readings;
					for (const [day, minutes] of ordered) {
						expect(clock.toInstant(day, minutes)).toBe(temporalInstant(zone, day, minutes));
					}
				},
			),
			{ numRuns: 200 },
		);
	});

	it("walks every day of three years through DST changes exactly as Temporal does", () => {
		for (const zone of ["Europe/Amsterdam", "Australia/Lord_Howe"]) {
			const clock = createZoneClock(zone, "tz");
			for (let day = FIRST_DAY; day <= LAST_DAY; day += 1) {
				for (const minutes of [0, 90, 150, 1440]) {
					expect(clock.toInstant(day, minutes)).toBe(temporalInstant(zone, day, minutes));
				}
			}
		}
	});

	it("gives the local date of an instant", () => {
		const clock = createZoneClock("Australia/Lord_Howe", "tz");
		// 2026-04-04T13:29Z is 00:29 on the 5th at +11.
		expect(isoFromEpochDay(clock.localDay(Date.parse("2026-04-04T13:29Z")))).toBe("2026-04-05");
		expect(isoFromEpochDay(clock.localDay(Date.parse("2026-04-04T12:59Z")))).toBe("2026-04-04");
		expect(isoFromEpochDay(createZoneClock("America/New_York", "tz").localDay(0))).toBe("1969-12-31");
	});

	it("rejects an unknown zone with a ValidationError naming the field", () => {
		expect(() => createZoneClock("Europe/Atlantis", "staff.0.timezone")).toThrow(ValidationError);
	});
});
