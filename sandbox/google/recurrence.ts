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

/** Which occurrences a caller wants: those starting at or before `untilMs` and (roughly) ending after `fromMs`. */
export interface ExpansionWindow {
	fromMs?: number;
	untilMs: number;
}

/**
 * Safety bounds. Occurrences before the window are stepped over, not counted, so an old daily series
 * still shows today's instances; only the ones kept count towards MAX_OCCURRENCES.
 */
const MAX_ITERATIONS = 500_000;
const MAX_OCCURRENCES = 10_000;
/** Slack for the cheap "ended before the window" test (DST shifts, all-day lengths); callers filter exactly. */
const WINDOW_SLACK_MS = 86_400_000;

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

/**
 * Wall-clock in the series zone of an RDATE value: a value ending in Z is UTC and one with TZID is in that zone
 * (RFC 5545 §3.3.5), so both are converted; a floating value is already series wall-clock.
 */
function rdatePlain(value: string, tzid: string | undefined, seriesZone: string, allDay: boolean): Temporal.PlainDateTime {
	const plain = plainFromIcal(value);
	if (plain instanceof Temporal.PlainDate) return plain.toPlainDateTime();
	if (allDay) return plain.toPlainDate().toPlainDateTime();
	if (value.toUpperCase().endsWith("Z")) return plain.toZonedDateTime("UTC").withTimeZone(seriesZone).toPlainDateTime();
	if (tzid !== undefined) return plain.toZonedDateTime(tzid).withTimeZone(seriesZone).toPlainDateTime();
	return plain;
}

/** Instant of an RDATE/EXDATE value: UTC when it ends in Z, else in its TZID or the series zone. */
function valueToKey(value: string, tzid: string | undefined, seriesZone: string, allDay: boolean): string {
	const plain = plainFromIcal(value);
	if (allDay || plain instanceof Temporal.PlainDate) {
		return (plain instanceof Temporal.PlainDate ? plain : plain.toPlainDate()).toString();
	}
	const zone = value.toUpperCase().endsWith("Z") ? "UTC" : (tzid ?? seriesZone);
	return String(plain.toZonedDateTime(zone).epochMilliseconds);
}

function compactUtc(epochMs: number): string {
	return Temporal.Instant.fromEpochMilliseconds(epochMs)
		.toString({ smallestUnit: "second" })
		.replaceAll("-", "")
		.replaceAll(":", "");
}

/**
 * Occurrences in `window` (start at or before `untilMs`), EXDATEs and EXRULE matches removed, in start order.
 * EXRULE is deprecated in RFC 5545 but docs/providers.md A4 lists it among Google's recurrence lines, so it is honoured.
 */
let expansions = 0;

/** How many series have been expanded so far in this process (tests check that a list round expands each once). */
export function expandSeriesCalls(): number {
	return expansions;
}

export function expandSeries(series: SeriesShape, calendarZone: string, window: ExpansionWindow): Occurrence[] {
	expansions += 1;
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
	/** Keeps an occurrence in the window; false once past the window's end (or the occurrence cap). */
	function add(plain: Temporal.PlainDateTime): boolean {
		const startMs = plain.toZonedDateTime(zone).epochMilliseconds;
		if (startMs > window.untilMs || locals.size >= MAX_OCCURRENCES) return false;
		if (window.fromMs !== undefined && startMs + durationMs + WINDOW_SLACK_MS <= window.fromMs) return true;
		locals.set(keyOf(plain), plain);
		return true;
	}
	/** Walks an RRULE/EXRULE from DTSTART until it passes the window's end. */
	function walk(rule: string, visit: (plain: Temporal.PlainDateTime) => boolean): void {
		const iterator = ICAL.Recur.fromString(rule).iterator(dtstart);
		for (let n = 0, next = iterator.next(); next !== null && next !== undefined && n < MAX_ITERATIONS; n++, next = iterator.next()) {
			if (!visit(new Temporal.PlainDateTime(next.year, next.month, next.day, next.hour, next.minute, next.second))) break;
		}
	}
	add(startPlain);
	for (const raw of series.recurrence) {
		const line = parseLine(raw);
		const value = raw.slice(raw.indexOf(":") + 1);
		if (line.name === "RRULE") {
			walk(value, add);
		} else if (line.name === "EXRULE") {
			walk(value, (plain) => {
				if (plain.toZonedDateTime(zone).epochMilliseconds > window.untilMs) return false;
				exdates.add(keyOf(plain));
				return true;
			});
		} else if (line.name === "RDATE") {
			for (const v of line.values) add(rdatePlain(v, line.params.get("TZID"), zone, allDay));
		} else if (line.name === "EXDATE") {
			for (const v of line.values) exdates.add(valueToKey(v, line.params.get("TZID"), zone, allDay));
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
