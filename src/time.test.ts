// localIso and localDate against Temporal itself: every string they print from the zone tables
// (src/zones.ts) must be Temporal's, byte for byte, whatever order the instants come in and however
// near a transition. And dateTimeFormat, the formatters remembered per isolate.
import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { dateTimeFormat, localDate, localIso } from "./time";

const ZONES = [
	"Europe/Amsterdam",
	"America/New_York",
	"Australia/Lord_Howe", // 30-minute DST
	"Pacific/Chatham", // +12:45 / +13:45
	"Asia/Kolkata", // no transition since 1945
	"America/Sao_Paulo", // DST until 2019
	"Africa/Casablanca", // DST suspended for Ramadan, twice a year
	"Pacific/Apia", // skipped 2011-12-30 crossing the date line
	"Africa/Monrovia", // -00:44:30 until 1972: Temporal prints -00:45
	"UTC",
];
const YEAR_1900 = Date.UTC(1900, 0, 1);
const YEAR_2100 = Date.UTC(2100, 0, 1);
const HOUR = 3_600_000;

function temporalIso(instant: number, zone: string): string {
	return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toString({ timeZoneName: "never", smallestUnit: "second" });
}

function temporalDate(instant: number, zone: string): string {
	return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toPlainDate().toString();
}

function expectTemporal(instant: number, zone: string): void {
	expect(localIso(instant, zone), `${zone} ${instant}`).toBe(temporalIso(instant, zone));
	expect(localDate(instant, zone), `${zone} ${instant}`).toBe(temporalDate(instant, zone));
}

/** Every transition of `zone` in [from, to), as Temporal reports them. */
function transitions(zone: string, from: number, to: number): number[] {
	const found: number[] = [];
	let next = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone).getTimeZoneTransition("next");
	while (next !== null && next.epochMilliseconds < to) {
		found.push(next.epochMilliseconds);
		next = next.getTimeZoneTransition("next");
	}
	return found;
}

const TRANSITIONS = new Map(ZONES.map((zone) => [zone, transitions(zone, YEAR_1900, YEAR_2100)]));

describe("localIso and localDate through the offset tables", () => {
	it("print what Temporal prints on and next to every transition 1900-2100", () => {
		for (const [zone, list] of TRANSITIONS) {
			for (const at of list) {
				for (const delta of [-HOUR, -1001, -1000, -1, 0, 1, 999, 1000, HOUR]) expectTemporal(at + delta, zone);
			}
		}
		// The zones above change offset as their histories say (a check that the list means something).
		expect(TRANSITIONS.get("UTC")).toEqual([]);
		expect(TRANSITIONS.get("Asia/Kolkata")?.at(-1)).toBe(Date.parse("1945-10-14T17:30:00Z"));
		expect(TRANSITIONS.get("Australia/Lord_Howe")?.length).toBeGreaterThan(150);
	});

	it("print what Temporal prints within two hours of a transition, asked in any order", () => {
		const near = fc.constantFrom(...ZONES.filter((zone) => zone !== "UTC")).chain((zone) => {
			const list = TRANSITIONS.get(zone) ?? [];
			return fc.tuple(fc.constant(zone), fc.array(fc.tuple(fc.integer({ min: 0, max: list.length - 1 }), fc.integer({ min: -2 * HOUR, max: 2 * HOUR })), { minLength: 1, maxLength: 30 }));
		});
		fc.assert(
			fc.property(near, ([zone, picks]) => {
				const list = TRANSITIONS.get(zone) ?? [];
				for (const [index, delta] of picks) expectTemporal((list[index] ?? 0) + delta, zone);
			}),
			{ numRuns: 300 },
		);
	});

	it("print what Temporal prints for any instant 1900-2100, asked in any order", () => {
		fc.assert(
			fc.property(fc.constantFrom(...ZONES), fc.array(fc.integer({ min: YEAR_1900, max: YEAR_2100 }), { minLength: 1, maxLength: 30 }), (zone, instants) => {
				for (const instant of instants) expectTemporal(instant, zone);
			}),
			{ numRuns: 300 },
		);
	});

	it("print what Temporal prints for walks of slots, the way availability asks", () => {
		const walk = fc.record({
			zone: fc.constantFrom(...ZONES),
			start: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2040, 0, 1) }),
			stepMinutes: fc.constantFrom(5, 15, 30, 60, 24 * 60 + 15),
		});
		fc.assert(
			fc.property(walk, ({ zone, start, stepMinutes }) => {
				for (let i = 0; i < 400; i += 1) expectTemporal(start + i * stepMinutes * 60_000, zone);
			}),
			{ numRuns: 60 },
		);
	});

	it("hand what the tables do not serve to Temporal: any instant it accepts, with its errors", () => {
		const anyInstant = fc.oneof(fc.integer({ min: -8.64e15, max: 8.64e15 }), fc.integer({ min: Date.UTC(1600, 0, 1), max: Date.UTC(1900, 0, 1) }));
		fc.assert(
			fc.property(fc.constantFrom(...ZONES), anyInstant, (zone, instant) => expectTemporal(instant, zone)),
			{ numRuns: 500 },
		);
		expect(localIso(Date.UTC(10_000, 0, 1), "UTC")).toBe("+010000-01-01T00:00:00+00:00");
		expect(localIso(Date.UTC(1849, 11, 31, 23, 59, 59), "Europe/Amsterdam")).toBe(temporalIso(Date.UTC(1849, 11, 31, 23, 59, 59), "Europe/Amsterdam"));
		expect(() => localIso(1.5, "UTC")).toThrow(RangeError);
		expect(() => localIso(Number.NaN, "UTC")).toThrow(RangeError);
		expect(() => localIso(Date.UTC(2026, 0, 1), "Europe/Atlantis")).toThrow(RangeError);
		expect(() => localDate(Date.UTC(2026, 0, 1), "Europe/Atlantis")).toThrow(RangeError);
	});

	it("keep seconds of local mean time in the wall clock and round the printed offset as Temporal does", () => {
		expect(localIso(Date.UTC(1950, 0, 1), "Africa/Monrovia")).toBe("1949-12-31T23:15:30-00:45");
		expect(localIso(Date.UTC(1880, 0, 1), "Europe/Amsterdam")).toBe("1880-01-01T00:17:30+00:18");
		expect(localIso(Date.UTC(2026, 2, 29, 7, 0, 0, 999), "Europe/Amsterdam")).toBe("2026-03-29T09:00:00+02:00");
		expect(localIso(-1, "UTC")).toBe("1969-12-31T23:59:59+00:00");
	});
});

describe("dateTimeFormat", () => {
	const instant = Date.UTC(2026, 2, 29, 0, 59, 59);
	const cases: Array<[string, Intl.DateTimeFormatOptions]> = [
		["en-GB", { dateStyle: "full", timeStyle: "short", timeZone: "Europe/Amsterdam" }],
		["en-GB", { dateStyle: "full", timeStyle: "short", timeZone: "America/New_York" }],
		["en-GB", { dateStyle: "full", timeZone: "Europe/Amsterdam" }],
		["en-US", { dateStyle: "full", timeZone: "Europe/Amsterdam" }],
		["en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Kolkata" }],
	];

	it("formats as a formatter built for the same locale, options and zone, whatever was asked before", () => {
		for (const round of [1, 2]) {
			for (const [locale, options] of round === 1 ? cases : [...cases].reverse()) {
				expect(dateTimeFormat(locale, options).format(instant)).toBe(new Intl.DateTimeFormat(locale, options).format(instant));
			}
		}
	});

	it("builds a formatter once per locale and options", () => {
		const [locale, options] = cases[0]!;
		expect(dateTimeFormat(locale, { ...options })).toBe(dateTimeFormat(locale, options));
		expect(dateTimeFormat(locale, options)).not.toBe(dateTimeFormat(locale, { ...options, timeZone: "UTC" }));
	});

	it("throws for an unknown zone, every time, as the constructor does", () => {
		for (let i = 0; i < 2; i++) expect(() => dateTimeFormat("en-GB", { timeZone: "Mars/Olympus_Mons" })).toThrow(RangeError);
	});
});
