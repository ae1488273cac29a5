// The zone module against Temporal itself: the one rule for zone names, and offsets and wall-clock
// instants on, beside and between transitions, whatever order they are asked in (the cached tables
// must never change an answer).
import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { epochDayFromIso, isoFromEpochDay } from "./availability/calendar";
import { ValidationError } from "./errors";
import { currentZoneName, currentZoneNames } from "./time-zone-names";
import { createZoneClock, ianaTimeZone, zoneInstant, zoneOffset } from "./zones";

const ZONES = [
	"Europe/Amsterdam",
	"America/New_York",
	"Australia/Lord_Howe", // 30-minute DST
	"Australia/Sydney",
	"America/Santiago", // southern DST
	"Pacific/Chatham", // +12:45 / +13:45
	"Asia/Kolkata", // no transition since 1945
	"America/Sao_Paulo", // DST until 2019
	"Africa/Casablanca", // DST suspended for Ramadan, twice a year
	"Pacific/Apia", // skipped 2011-12-30 crossing the date line
	"Africa/Monrovia", // -00:44:30 until 1972
	"Etc/GMT-2",
	"UTC",
];
const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const YEAR_1900 = Date.UTC(1900, 0, 1);
const YEAR_2100 = Date.UTC(2100, 0, 1);

/** Temporal's instant for a wall reading (given as if it were UTC), with "compatible" disambiguation. */
function temporalInstant(wallAsUtc: number, zone: string): number {
	const d = new Date(wallAsUtc);
	return new Temporal.PlainDateTime(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds())
		.toZonedDateTime(zone, { disambiguation: "compatible" }).epochMilliseconds;
}

function temporalOffsetMs(instant: number, zone: string): number {
	return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).offsetNanoseconds / 1_000_000;
}

/** Every transition of `zone` in [from, to), with the offsets before and after it. */
function transitionsOf(zone: string, from: number, to: number): Array<{ at: number; before: number; after: number }> {
	const found = [];
	let cursor = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone);
	for (;;) {
		const next = cursor.getTimeZoneTransition("next");
		if (next === null || next.epochMilliseconds >= to) break;
		found.push({ at: next.epochMilliseconds, before: cursor.offsetNanoseconds / 1e6, after: next.offsetNanoseconds / 1e6 });
		cursor = next;
	}
	return found;
}

const TRANSITIONS = new Map(ZONES.map((zone) => [zone, transitionsOf(zone, YEAR_1900, YEAR_2100)]));

/**
 * The wall readings around one transition: the instant, one second before and one after, each on the
 * wall clock of the offset before and of the offset after (so skipped and repeated times are asked
 * too), and two days either side, where the tables answer instead of Temporal.
 */
function wallsAround(transition: { at: number; before: number; after: number }): number[] {
	const walls: number[] = [];
	for (const delta of [-SECOND, 0, SECOND]) walls.push(transition.at + delta + transition.before, transition.at + delta + transition.after);
	walls.push(transition.at - 2 * DAY + transition.before, transition.at + 2 * DAY + transition.after);
	return walls;
}

/** Wall readings around the transitions of 1970-2039 (each reading asks Temporal twice: the whole century is slow). */
const WALLS = new Map(ZONES.map((zone) => [zone, (TRANSITIONS.get(zone) ?? []).filter(({ at }) => at >= Date.UTC(1970, 0, 1) && at < Date.UTC(2040, 0, 1)).map(wallsAround)]));

function wallsOf(zone: string): number[][] {
	return WALLS.get(zone) ?? [];
}

describe("ianaTimeZone: the one rule for what names a zone", () => {
	it("gives the canonical name: proper case, links resolved, renamed zones by their current name", () => {
		expect(ianaTimeZone("europe/amsterdam")).toBe("Europe/Amsterdam");
		expect(ianaTimeZone("EUROPE/AMSTERDAM")).toBe("Europe/Amsterdam");
		expect(ianaTimeZone("Asia/Calcutta")).toBe("Asia/Kolkata");
		expect(ianaTimeZone("asia/kolkata")).toBe("Asia/Kolkata");
		expect(ianaTimeZone("Europe/Kiev")).toBe("Europe/Kyiv");
		expect(ianaTimeZone("Europe/Kyiv")).toBe("Europe/Kyiv");
		expect(ianaTimeZone("Asia/Saigon")).toBe("Asia/Ho_Chi_Minh");
		expect(ianaTimeZone("US/Pacific")).toBe("America/Los_Angeles");
	});

	it("accepts UTC and the fixed Etc zones, which the tz database names, and refuses bare offsets", () => {
		expect(ianaTimeZone("UTC")).toBe("UTC");
		expect(ianaTimeZone("Etc/UTC")).toBe("UTC");
		expect(ianaTimeZone("Etc/GMT-2")).toBe("Etc/GMT-2");
		// Temporal takes these as zones; Slotline does not.
		for (const offset of ["+05:00", "-03:00", "+0200", "+02", "Z"]) expect(ianaTimeZone(offset), offset).toBeNull();
		expect(ianaTimeZone("2026-01-01T00:00Z[Europe/Amsterdam]")).toBeNull();
		expect(ianaTimeZone("Mars/Olympus_Mons")).toBeNull();
		expect(ianaTimeZone("Etc/GMT+14")).toBeNull();
		expect(ianaTimeZone("W. Europe Standard Time")).toBeNull();
		expect(ianaTimeZone("")).toBeNull();
	});

	it("names every zone the runtime lists by a name that is its own canonical name", () => {
		for (const zone of currentZoneNames(Intl.supportedValuesOf("timeZone"))) expect(ianaTimeZone(zone), zone).toBe(zone);
	});

	it("lists old spellings by their current names, once each, sorted", () => {
		expect(currentZoneName("Asia/Calcutta")).toBe("Asia/Kolkata");
		expect(currentZoneName("Europe/Amsterdam")).toBe("Europe/Amsterdam");
		expect(currentZoneNames(["Europe/Kiev", "Asia/Calcutta", "Asia/Kolkata", "Africa/Abidjan"])).toEqual(["Africa/Abidjan", "Asia/Kolkata", "Europe/Kyiv"]);
	});
});

describe("zoneOffset", () => {
	it("finds transitions to test in every zone with DST", () => {
		expect(TRANSITIONS.get("UTC")).toEqual([]);
		expect(TRANSITIONS.get("Etc/GMT-2")).toEqual([]);
		expect(TRANSITIONS.get("Asia/Kolkata")?.at(-1)?.at).toBe(Date.parse("1945-10-14T17:30:00Z"));
		expect(TRANSITIONS.get("Australia/Lord_Howe")?.length).toBeGreaterThan(150);
	});

	it("is Temporal's offset on and next to every transition 1900-2100", () => {
		for (const [zone, list] of TRANSITIONS) {
			for (const { at } of list) {
				for (const delta of [-HOUR, -1, 0, 1, HOUR]) expect(zoneOffset(at + delta, zone)?.ms, `${zone} ${at + delta}`).toBe(temporalOffsetMs(at + delta, zone));
			}
		}
	});

	it("is Temporal's offset in 1850-9998, asked in any order, and null outside", () => {
		fc.assert(
			fc.property(fc.constantFrom(...ZONES), fc.array(fc.integer({ min: Date.UTC(1850, 0, 1), max: Date.UTC(9999, 0, 1) - 1 }), { minLength: 1, maxLength: 20 }), (zone, instants) => {
				for (const instant of instants) expect(zoneOffset(instant, zone)?.ms).toBe(temporalOffsetMs(instant, zone));
			}),
			{ numRuns: 300 },
		);
		expect(zoneOffset(Date.UTC(1849, 11, 31), "UTC")).toBeNull();
		expect(zoneOffset(Date.UTC(9999, 0, 1), "UTC")).toBeNull();
		expect(() => zoneOffset(Date.UTC(2026, 0, 1), "Europe/Atlantis")).toThrow(RangeError);
	});
});

describe("zoneInstant", () => {
	it("answers every wall reading around every transition as Temporal does, walking forward", () => {
		for (const zone of ZONES) {
			for (const wall of wallsOf(zone).flat()) expect(zoneInstant(wall, zone), `${zone} ${new Date(wall).toISOString()}`).toBe(temporalInstant(wall, zone));
		}
	});

	it("is not misled by a reading exactly at a transition: the season before it keeps its own offset", () => {
		// 03:00 on 28 March 2027 in Amsterdam is the spring-forward instant itself; the winter before must stay +01:00.
		expect(zoneInstant(Date.UTC(2027, 2, 28, 3), "Europe/Amsterdam")).toBe(Date.UTC(2027, 2, 28, 1));
		expect(zoneInstant(Date.UTC(2027, 0, 11, 9), "Europe/Amsterdam")).toBe(Date.UTC(2027, 0, 11, 8));
		// In the gap 02:30 becomes 03:30 summer time; at fall-back 02:30 is the earlier (summer) one.
		expect(zoneInstant(Date.UTC(2027, 2, 28, 2, 30), "Europe/Amsterdam")).toBe(Date.UTC(2027, 2, 28, 1, 30));
		expect(zoneInstant(Date.UTC(2027, 9, 31, 2, 30), "Europe/Amsterdam")).toBe(Date.UTC(2027, 9, 31, 0, 30));
		// Apia skipped 30 December 2011: its wall readings move forward a whole day.
		expect(zoneInstant(Date.UTC(2011, 11, 30, 12), "Pacific/Apia")).toBe(temporalInstant(Date.UTC(2011, 11, 30, 12), "Pacific/Apia"));
		for (const zone of ZONES) {
			const around = wallsOf(zone);
			for (const [index, walls] of around.entries()) {
				for (const wall of [walls[3], ...(around[index - 1] ?? []), ...walls]) {
					if (wall !== undefined) expect(zoneInstant(wall, zone), `${zone} ${wall}`).toBe(temporalInstant(wall, zone));
				}
			}
		}
	});

	it("agrees with Temporal whatever order the readings around nearby transitions are asked in", () => {
		const arbitrary = fc.constantFrom(...ZONES.filter((zone) => wallsOf(zone).length >= 5)).chain((zone) =>
			fc.tuple(
				fc.constant(zone),
				fc.integer({ min: 0, max: wallsOf(zone).length - 5 }).chain((first) =>
					fc.array(fc.tuple(fc.integer({ min: first, max: first + 4 }), fc.nat({ max: 7 }), fc.integer({ min: -2 * HOUR, max: 2 * HOUR })), { minLength: 1, maxLength: 30 }),
				),
			),
		);
		fc.assert(
			fc.property(arbitrary, ([zone, picks]) => {
				for (const [transition, probe, delta] of picks) {
					const wall = (wallsOf(zone)[transition]?.[probe] ?? 0) + delta;
					expect(zoneInstant(wall, zone), `${zone} ${wall}`).toBe(temporalInstant(wall, zone));
				}
			}),
			{ numRuns: 500 },
		);
	});

	it("agrees with Temporal for any reading, to the millisecond, inside and outside the tables' years", () => {
		const anyWall = fc.oneof(fc.integer({ min: YEAR_1900, max: YEAR_2100 }), fc.integer({ min: Date.UTC(1600, 0, 1), max: Date.UTC(1900, 0, 1) }), fc.integer({ min: Date.UTC(9990, 0, 1), max: Date.UTC(10_010, 0, 1) }));
		fc.assert(
			fc.property(fc.constantFrom(...ZONES), fc.array(anyWall, { minLength: 1, maxLength: 20 }), (zone, walls) => {
				for (const wall of walls) expect(zoneInstant(wall, zone), `${zone} ${wall}`).toBe(temporalInstant(wall, zone));
			}),
			{ numRuns: 300 },
		);
	});
});

describe("createZoneClock", () => {
	const FIRST_DAY = epochDayFromIso("2025-01-01", "t");
	const LAST_DAY = epochDayFromIso("2027-12-31", "t");

	it("agrees with Temporal on every wall time, however its last span was reached", () => {
		fc.assert(
			fc.property(
				fc.constantFrom(...ZONES),
				fc.array(fc.tuple(fc.integer({ min: FIRST_DAY, max: LAST_DAY }), fc.integer({ min: 0, max: 1440 })), { minLength: 1, maxLength: 40 }),
				fc.boolean(),
				(zone, readings, ascending) => {
					const clock = createZoneClock(zone, "tz");
					const ordered = ascending ? [...readings].sort((a, b) => a[0] - b[0] || a[1] - b[1]) : readings;
					for (const [day, minutes] of ordered) expect(clock.toInstant(day, minutes)).toBe(temporalInstant(day * DAY + minutes * 60_000, zone));
				},
			),
			{ numRuns: 200 },
		);
	});

	it("walks every day of three years through DST changes exactly as Temporal does", () => {
		for (const zone of ["Europe/Amsterdam", "Australia/Lord_Howe", "America/Santiago"]) {
			const clock = createZoneClock(zone, "tz");
			for (let day = FIRST_DAY; day <= LAST_DAY; day += 1) {
				for (const minutes of [0, 90, 150, 1440]) expect(clock.toInstant(day, minutes)).toBe(temporalInstant(day * DAY + minutes * 60_000, zone));
			}
		}
	});

	it("gives the local date of an instant, as Temporal does", () => {
		const clock = createZoneClock("Australia/Lord_Howe", "tz");
		// 2026-04-04T13:29Z is 00:29 on the 5th at +11.
		expect(isoFromEpochDay(clock.localDay(Date.parse("2026-04-04T13:29Z")))).toBe("2026-04-05");
		expect(isoFromEpochDay(clock.localDay(Date.parse("2026-04-04T12:59Z")))).toBe("2026-04-04");
		expect(isoFromEpochDay(createZoneClock("America/New_York", "tz").localDay(0))).toBe("1969-12-31");
		fc.assert(
			fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(1600, 0, 1), max: Date.UTC(2200, 0, 1) }), (zone, instant) => {
				const date = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toPlainDate().toString();
				expect(isoFromEpochDay(createZoneClock(zone, "tz").localDay(instant))).toBe(date);
			}),
			{ numRuns: 300 },
		);
	});

	it("refuses what is not an IANA zone, offsets included, with a ValidationError naming the field", () => {
		for (const zone of ["Europe/Atlantis", "+02:00"]) {
			const refusal = (() => {
				try {
					createZoneClock(zone, "staff.0.timezone");
				} catch (error) {
					return error;
				}
				return null;
			})();
			expect(refusal, zone).toBeInstanceOf(ValidationError);
			expect((refusal as ValidationError).fields.map((p) => p.field)).toEqual(["staff.0.timezone"]);
		}
		expect(createZoneClock("Etc/GMT-2", "tz").toInstant(epochDayFromIso("2026-06-01", "t"), 600)).toBe(Date.UTC(2026, 5, 1, 8));
	});
});
