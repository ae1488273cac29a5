// Expands a Google recurring event (RRULE/RDATE/EXDATE lines) into instances with ical.js and Temporal.
import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";
import type { EventDateTime } from "./time";
import { toEpochMs, toPlainDateTime } from "./time";

export interface Occurrence {
	/** `<seriesId>_<yyyymmddThhmmssZ>` (timed) or `<seriesId>_<yyyymmdd>` (all-day). */
	instanceId: string;
	originalStartTime: EventDateTime;
	start: EventDateTime;
	end: EventDateTime;
	startMs: number;
	endMs: number;
}

export interface SeriesShape {
	id: string;
	start: EventDateTime;
	end: EventDateTime;
	recurrence: string[];
}

/** Upper bound so open-ended series stay finite, like Google's own expansion limit. */
const MAX_OCCURRENCES = 1000;

interface PropertyLine {
	name: string;
	params: Map<string, string>;
	values: string[];
}

function parseLine(line: string): PropertyLine {
	const colon = line.indexOf(":");
	const head = colon < 0 ? line : line.slice(0, colon);
	const [name = "", ...paramParts] = head.split(";");
	const params = new Map<string, string>();
	for (const part of paramParts) {
		const [key = "", value = ""] = part.split("=");
		params.set(key.toUpperCase(), value);
	}
	const values = colon < 0 ? [] : line.slice(colon + 1).split(",").map((v) => v.trim()).filter((v) => v !== "");
	return { name: name.toUpperCase(), params, values };
}

function plainFromIcal(value: string): Temporal.PlainDateTime | Temporal.PlainDate {
	const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2}))?/.exec(value);
	if (m === null) throw new RangeError(`bad iCalendar date ${value}`);
	const [, y, mo, d, h, mi, s] = m;
	if (h === undefined) return new Temporal.PlainDate(Number(y), Number(mo), Number(d));
	return new Temporal.PlainDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
}

/** Instant of an RDATE/EXDATE value: UTC when it ends in Z, else in its TZID or the series zone. */
function valueToKey(value: string, tzid: string | undefined, seriesZone: string, allDay: boolean): string {
	const plain = plainFromIcal(value);
	if (allDay || plain instanceof Temporal.PlainDate) {
		return (plain instanceof Temporal.PlainDate ? plain : plain.toPlainDate()).toString();
	}
	const zone = value.endsWith("Z") ? "UTC" : (tzid ?? seriesZone);
	return String(plain.toZonedDateTime(zone).epochMilliseconds);
}

function compactUtc(epochMs: number): string {
	return Temporal.Instant.fromEpochMilliseconds(epochMs)
		.toString({ smallestUnit: "second" })
		.replaceAll("-", "")
		.replaceAll(":", "");
}

/** Occurrences whose start is at or before `horizonMs`, EXDATEs removed, in start order. */
export function expandSeries(series: SeriesShape, calendarZone: string, horizonMs: number): Occurrence[] {
	const allDay = series.start.date !== undefined;
	const zone = series.start.timeZone ?? calendarZone;
	const firstStartMs = toEpochMs(series.start, zone);
	const durationMs = toEpochMs(series.end, zone) - firstStartMs;
	const allDayLength = allDay
		? Temporal.PlainDate.from(series.start.date ?? "").until(Temporal.PlainDate.from(series.end.date ?? "")).days
		: 0;
	const startPlain: Temporal.PlainDateTime = allDay
		? Temporal.PlainDate.from(series.start.date ?? "").toPlainDateTime()
		: toPlainDateTime(series.start, zone);
	const dtstart = ICAL.Time.fromData({
		year: startPlain.year,
		month: startPlain.month,
		day: startPlain.day,
		hour: startPlain.hour,
		minute: startPlain.minute,
		second: startPlain.second,
		isDate: allDay,
	});

	const locals = new Map<string, Temporal.PlainDateTime>();
	const exdates = new Set<string>();
	function keyOf(plain: Temporal.PlainDateTime): string {
		return allDay ? plain.toPlainDate().toString() : String(plain.toZonedDateTime(zone).epochMilliseconds);
	}
	function add(plain: Temporal.PlainDateTime): boolean {
		if (plain.toZonedDateTime(zone).epochMilliseconds > horizonMs) return false;
		locals.set(keyOf(plain), plain);
		return true;
	}
	add(startPlain);
	for (const raw of series.recurrence) {
		const line = parseLine(raw);
		if (line.name === "RRULE") {
			const iterator = ICAL.Recur.fromString(raw.slice(raw.indexOf(":") + 1)).iterator(dtstart);
			for (let n = 0, next = iterator.next(); next !== null && next !== undefined && n < MAX_OCCURRENCES; n++, next = iterator.next()) {
				const plain = new Temporal.PlainDateTime(next.year, next.month, next.day, next.hour, next.minute, next.second);
				if (!add(plain)) break;
			}
		} else if (line.name === "RDATE") {
			for (const value of line.values) {
				const plain = plainFromIcal(value);
				add(plain instanceof Temporal.PlainDate ? plain.toPlainDateTime() : plain);
			}
		} else if (line.name === "EXDATE") {
			for (const value of line.values) exdates.add(valueToKey(value, line.params.get("TZID"), zone, allDay));
		}
	}

	const occurrences: Occurrence[] = [];
	for (const [key, plain] of locals) {
		if (exdates.has(key)) continue;
		if (allDay) {
			const date = plain.toPlainDate();
			const startMs = date.toZonedDateTime({ timeZone: zone }).epochMilliseconds;
			const endDate = date.add({ days: allDayLength });
			occurrences.push({
				instanceId: `${series.id}_${date.toString().replaceAll("-", "")}`,
				originalStartTime: { date: date.toString() },
				start: { date: date.toString() },
				end: { date: endDate.toString() },
				startMs,
				endMs: endDate.toZonedDateTime({ timeZone: zone }).epochMilliseconds,
			});
			continue;
		}
		const zoned = plain.toZonedDateTime(zone);
		const startMs = zoned.epochMilliseconds;
		const start = { dateTime: zoned.toString({ timeZoneName: "never", smallestUnit: "second" }), timeZone: zone };
		const endZoned = Temporal.Instant.fromEpochMilliseconds(startMs + durationMs).toZonedDateTimeISO(zone);
		occurrences.push({
			instanceId: `${series.id}_${compactUtc(startMs)}`,
			originalStartTime: start,
			start,
			end: { dateTime: endZoned.toString({ timeZoneName: "never", smallestUnit: "second" }), timeZone: zone },
			startMs,
			endMs: startMs + durationMs,
		});
	}
	return occurrences.sort((a, b) => a.startMs - b.startMs);
}
