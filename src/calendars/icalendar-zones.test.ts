// The importer's Temporal-backed zones against Temporal itself, at every transition of zones with
// northern, southern and half-hour DST, in any order of lookups (the offset cache must not leak).
import fc from "fast-check";
import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { ZoneResolver } from "./icalendar-zones";

/** Northern and southern hemisphere, a half-hour shift (Lord Howe), a 45-minute offset (Chatham). */
const ZONES = ["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Australia/Sydney", "Pacific/Chatham"];
const FROM = Date.UTC(1970, 0, 1);
const TO = Date.UTC(2040, 0, 1);
const SECOND = 1000;
const DAY = 86_400_000;

interface Wall {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
}

/** Every transition of `zone` in [FROM, TO), as epoch ms with the offsets before and after it. */
function transitionsOf(zone: string): Array<{ at: number; before: number; after: number }> {
	const found = [];
	let cursor = Temporal.Instant.fromEpochMilliseconds(FROM).toZonedDateTimeISO(zone);
	for (;;) {
		const next = cursor.getTimeZoneTransition("next");
		if (next === null || next.epochMilliseconds >= TO) break;
		found.push({ at: next.epochMilliseconds, before: cursor.offsetNanoseconds / 1e6, after: next.offsetNanoseconds / 1e6 });
		cursor = next;
	}
	return found;
}

function wallAt(instant: number, offsetMs: number): Wall {
	const d = new Date(instant + offsetMs);
	return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

/**
 * The wall times around one transition: the instant, one second before and one after, each on the
 * wall clock of the offset before and of the offset after (so skipped and repeated times are asked
 * too), and two days either side, where the cache answers instead of Temporal.
 */
function probesAround(transition: { at: number; before: number; after: number }): Wall[] {
	const walls: Wall[] = [];
	for (const delta of [-SECOND, 0, SECOND]) {
		walls.push(wallAt(transition.at + delta, transition.before), wallAt(transition.at + delta, transition.after));
	}
	walls.push(wallAt(transition.at - 2 * DAY, transition.before), wallAt(transition.at + 2 * DAY, transition.after));
	return walls;
}

/** Temporal's offset for a wall time in seconds, as RFC 5545 reads it ("compatible"). */
function temporalOffset(zone: string, wall: Wall): number {
	const instant = new Temporal.PlainDateTime(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second).toZonedDateTime(zone, { disambiguation: "compatible" }).epochMilliseconds;
	return (Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - instant) / 1000;
}

function icalOffset(zone: ICAL.Timezone, wall: Wall): number {
	return zone.utcOffset(new ICAL.Time({ ...wall, isDate: false }, zone));
}

function zoneNamed(name: string): ICAL.Timezone {
	const zone = new ZoneResolver().resolve(name);
	if (zone === null) throw new Error(`${name} unknown`);
	return zone;
}

const probes = new Map(ZONES.map((zone) => [zone, transitionsOf(zone).map(probesAround)]));

function probesOf(zone: string): Wall[][] {
	return probes.get(zone) ?? [];
}

describe("Temporal-backed iCalendar zones", () => {
	it("finds transitions to test in every zone", () => {
		for (const zone of ZONES) expect(probesOf(zone).length, zone).toBeGreaterThan(20);
	});

	it("answers every wall time around every transition as Temporal does, walking forward", () => {
		for (const zone of ZONES) {
			const ical = zoneNamed(zone);
			for (const wall of probesOf(zone).flat()) expect(icalOffset(ical, wall), `${zone} ${JSON.stringify(wall)}`).toBe(temporalOffset(zone, wall));
		}
	});

	it("is not misled by a lookup exactly at a transition: the season before it keeps its own offset", () => {
		// 03:00 on 28 March 2027 in Amsterdam is the spring-forward instant itself; the winter before must stay +01:00.
		const amsterdam = zoneNamed("Europe/Amsterdam");
		expect(icalOffset(amsterdam, { year: 2027, month: 3, day: 28, hour: 3, minute: 0, second: 0 })).toBe(7200);
		expect(icalOffset(amsterdam, { year: 2027, month: 1, day: 11, hour: 9, minute: 0, second: 0 })).toBe(3600);
		for (const zone of ZONES) {
			const ical = zoneNamed(zone);
			const around = probesOf(zone);
			for (const [index, walls] of around.entries()) {
				// The transition instant on the wall clock after it, then the whole season that ended there.
				const [, , , atTransition] = walls;
				if (atTransition !== undefined) expect(icalOffset(ical, atTransition)).toBe(temporalOffset(zone, atTransition));
				for (const wall of [...(around[index - 1] ?? []), ...walls]) {
					expect(icalOffset(ical, wall), `${zone} ${JSON.stringify(wall)}`).toBe(temporalOffset(zone, wall));
				}
			}
		}
	});

	it("agrees with Temporal whatever order the wall times around nearby transitions are asked in", () => {
		const arbitrary = fc.constantFrom(...ZONES).chain((zone) => {
			const around = probesOf(zone);
			return fc.tuple(
				fc.constant(zone),
				fc.integer({ min: 0, max: around.length - 5 }).chain((first) =>
					fc.array(fc.tuple(fc.integer({ min: first, max: first + 4 }), fc.nat({ max: 7 })), { minLength: 1, maxLength: 30 }),
				),
			);
		});
		fc.assert(
			fc.property(arbitrary, ([zone, picks]) => {
				const ical = zoneNamed(zone);
				const around = probesOf(zone);
				for (const [transition, probe] of picks) {
					const wall = around[transition]?.[probe];
					if (wall === undefined) continue;
					expect(icalOffset(ical, wall), `${zone} ${JSON.stringify(wall)}`).toBe(temporalOffset(zone, wall));
				}
			}),
			{ numRuns: 500 },
		);
	});
});
