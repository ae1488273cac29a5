// The importer's ical.js zones for IANA TZIDs: offsets as src/zones.ts answers them (property-tested
// there against Temporal), which TZIDs name a zone, and that a VTIMEZONE for an IANA name gives way.
import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { adoptTimeZones, ZoneResolver } from "./icalendar-zones";

interface Wall {
	year: number;
	month: number;
	day: number;
	hour: number;
	minute: number;
	second: number;
}

/** Temporal's offset for a wall time in seconds, as RFC 5545 reads it ("compatible"). */
function temporalOffset(zone: string, wall: Wall): number {
	const instant = new Temporal.PlainDateTime(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second).toZonedDateTime(zone, { disambiguation: "compatible" }).epochMilliseconds;
	return (Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second) - instant) / 1000;
}

function icalOffset(zone: ICAL.Timezone, wall: Wall): number {
	return zone.utcOffset(new ICAL.Time({ ...wall, isDate: false }, zone));
}

describe("Temporal-backed iCalendar zones", () => {
	it("answer the offsets of gap, overlap and transition times as Temporal does", () => {
		const amsterdam = new ZoneResolver().resolve("Europe/Amsterdam");
		if (amsterdam === null) throw new Error("Europe/Amsterdam unknown");
		const walls: Wall[] = [
			{ year: 2027, month: 3, day: 28, hour: 3, minute: 0, second: 0 }, // the spring-forward instant itself
			{ year: 2027, month: 3, day: 28, hour: 2, minute: 30, second: 15 }, // in the gap
			{ year: 2027, month: 10, day: 31, hour: 2, minute: 30, second: 0 }, // repeated at fall-back
			{ year: 2027, month: 1, day: 11, hour: 9, minute: 0, second: 0 },
			{ year: 1880, month: 1, day: 1, hour: 0, minute: 0, second: 0 }, // local mean time, seconds in the offset
		];
		for (const wall of walls) expect(icalOffset(amsterdam, wall), JSON.stringify(wall)).toBe(temporalOffset("Europe/Amsterdam", wall));
		expect(icalOffset(amsterdam, walls[0] as Wall)).toBe(7200);
	});

	it("resolve a TZID that names an IANA zone in any spelling, and no bare offset", () => {
		const resolver = new ZoneResolver();
		const kolkata = resolver.resolve("Asia/Calcutta");
		expect(kolkata?.tzid).toBe("Asia/Calcutta");
		if (kolkata === null) throw new Error("Asia/Calcutta unknown");
		expect(icalOffset(kolkata, { year: 2026, month: 6, day: 1, hour: 9, minute: 0, second: 0 })).toBe(19_800);
		expect(resolver.resolve("europe/amsterdam")).not.toBeNull();
		expect(resolver.resolve("Etc/GMT-2")).not.toBeNull();
		expect(resolver.resolve("+02:00")).toBeNull();
		expect(resolver.resolve("W. Europe Standard Time")).toBeNull();
	});

	it("drop a VTIMEZONE whose TZID names an IANA zone, and keep one that defines its own", () => {
		const calendar = ICAL.Component.fromString(
			[
				"BEGIN:VCALENDAR",
				...["Europe/Amsterdam", "+02:00"].flatMap((tzid) => [
					"BEGIN:VTIMEZONE",
					`TZID:${tzid}`,
					"BEGIN:STANDARD",
					"DTSTART:19700101T000000",
					"TZOFFSETFROM:+0200",
					"TZOFFSETTO:+0200",
					"END:STANDARD",
					"END:VTIMEZONE",
				]),
				"END:VCALENDAR",
			].join("\r\n"),
		);
		expect(adoptTimeZones(calendar)).toEqual([]);
		expect(calendar.getAllSubcomponents("vtimezone").map((c) => c.getFirstPropertyValue("tzid"))).toEqual(["+02:00"]);
	});
});
