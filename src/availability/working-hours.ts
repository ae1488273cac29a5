// A staff member's working hours: weekly wall-clock pattern plus date overrides, turned into
// UTC intervals one local date at a time.
import { ValidationError } from "../errors";
import type { ZoneClock } from "../zones";
import { epochDayFromIso, isoWeekday } from "./calendar";
import type { Interval, StaffSchedule } from "./types";
import { parseWallTime } from "./wall-time";

/** [start, end) in minutes after local midnight; end may be 1440 ("24:00"). */
interface WallSpan {
	start: number;
	end: number;
}

export interface HoursPattern {
	/** Index = ISO weekday (1-7); index 0 unused. */
	weekly: WallSpan[][];
	/** Replacement spans by epoch day; an empty list means closed. */
	overrides: Map<number, WallSpan[]>;
}

function parseSpan(span: { start: string; end: string }, field: string): WallSpan {
	const start = parseWallTime(span.start, `${field}.start`);
	const end = parseWallTime(span.end, `${field}.end`, { allowMidnightEnd: true });
	if (end <= start) {
		throw new ValidationError([{ field: `${field}.end`, message: "must be after start (use two intervals for overnight hours)" }]);
	}
	return { start, end };
}

function byStart(a: WallSpan, b: WallSpan): number {
	return a.start - b.start || a.end - b.end;
}

/** Parses a schedule's hours once; `field` prefixes the names in validation errors. */
export function prepareHours(staff: StaffSchedule, field: string): HoursPattern {
	const weekly: WallSpan[][] = [[], [], [], [], [], [], [], []];
	staff.weeklyHours.forEach((w, i) => {
		const day = weekly[w.weekday];
		if (!Number.isInteger(w.weekday) || w.weekday < 1 || day === undefined) {
			throw new ValidationError([{ field: `${field}.weeklyHours.${i}.weekday`, message: "must be 1 (Monday) to 7 (Sunday)" }]);
		}
		day.push(parseSpan(w, `${field}.weeklyHours.${i}`));
	});
	for (const day of weekly) day.sort(byStart);
	const overrides = new Map<number, WallSpan[]>();
	staff.overrides.forEach((o, i) => {
		const epochDay = epochDayFromIso(o.date, `${field}.overrides.${i}.date`);
		const spans = o.intervals.map((s, j) => parseSpan(s, `${field}.overrides.${i}.intervals.${j}`));
		overrides.set(epochDay, spans.sort(byStart));
	});
	return { weekly, overrides };
}

/**
 * The working intervals of one local date as UTC instants, sorted by start. Each wall-clock edge
 * is converted on that date, so hours stay put on the wall clock while moving in UTC across DST.
 * An interval that vanishes in a spring-forward gap (e.g. 02:00-03:00) is dropped.
 */
export function workingIntervalsOn(pattern: HoursPattern, clock: ZoneClock, epochDay: number): Interval[] {
	const spans = pattern.overrides.get(epochDay) ?? pattern.weekly[isoWeekday(epochDay)] ?? [];
	const intervals: Interval[] = [];
	for (const span of spans) {
		const start = clock.toInstant(epochDay, span.start);
		const end = clock.toInstant(epochDay, span.end);
		if (end > start) intervals.push({ start, end });
	}
	// Conversion keeps wall-clock order, but sort anyway: a gap can make two starts coincide.
	return intervals.sort((a, b) => a.start - b.start || a.end - b.end);
}
