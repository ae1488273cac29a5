// Graph patternedRecurrence: strict validation (extra properties are errors, as Graph says) and expansion in the series' zone.
import { Temporal } from "temporal-polyfill";
import { graphError } from "./errors";
import type { GraphDateTime } from "./store";

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
const INDEXES = ["first", "second", "third", "fourth", "last"] as const;
type Weekday = (typeof WEEKDAYS)[number];
type PatternType = "daily" | "weekly" | "absoluteMonthly" | "relativeMonthly" | "absoluteYearly" | "relativeYearly";

/** Which pattern properties each type takes; anything else is an "extra, unsupported property". */
const PATTERN_FIELDS: Record<PatternType, { required: string[]; optional: string[] }> = {
	daily: { required: [], optional: [] },
	weekly: { required: ["daysOfWeek"], optional: ["firstDayOfWeek"] },
	absoluteMonthly: { required: ["dayOfMonth"], optional: [] },
	relativeMonthly: { required: ["daysOfWeek"], optional: ["index"] },
	absoluteYearly: { required: ["dayOfMonth", "month"], optional: [] },
	relativeYearly: { required: ["daysOfWeek", "month"], optional: ["index"] },
};
const RANGE_FIELDS: Record<string, { required: string[]; optional: string[] }> = {
	endDate: { required: ["startDate", "endDate"], optional: ["recurrenceTimeZone"] },
	noEnd: { required: ["startDate"], optional: ["recurrenceTimeZone"] },
	numbered: { required: ["startDate", "numberOfOccurrences"], optional: ["recurrenceTimeZone"] },
};

export interface Recurrence {
	pattern: { type: PatternType; interval: number; daysOfWeek: Weekday[]; firstDayOfWeek: Weekday; dayOfMonth: number; month: number; index: (typeof INDEXES)[number] };
	range: { type: "endDate" | "noEnd" | "numbered"; startDate: Temporal.PlainDate; endDate: Temporal.PlainDate | undefined; numberOfOccurrences: number };
}

function invalid(message: string): Error {
	return graphError(400, "ErrorInvalidRequest", `Invalid recurrence: ${message}`);
}

function record(value: unknown, name: string): Record<string, unknown> {
	if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalid(`${name} must be an object.`);
	return value as Record<string, unknown>;
}

/** Null-valued properties count as absent (SDKs serialise unset fields as null). */
function checkFields(object: Record<string, unknown>, allowed: { required: string[]; optional: string[] }, always: string[], where: string): void {
	const permitted = new Set([...always, ...allowed.required, ...allowed.optional]);
	for (const [key, value] of Object.entries(object)) {
		if (value !== null && value !== undefined && !permitted.has(key)) throw invalid(`property '${key}' is not supported in a ${where}.`);
	}
	for (const key of allowed.required) if (object[key] === null || object[key] === undefined) throw invalid(`${where} requires '${key}'.`);
}

function int(value: unknown, name: string, min: number, max: number): number {
	if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) throw invalid(`${name} must be an integer from ${min} to ${max}.`);
	return value;
}

function date(value: unknown, name: string): Temporal.PlainDate {
	if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw invalid(`${name} must be a yyyy-mm-dd date.`);
	return Temporal.PlainDate.from(value);
}

function weekday(value: unknown, name: string): Weekday {
	const lower = typeof value === "string" ? value.toLowerCase() : "";
	if (!(WEEKDAYS as readonly string[]).includes(lower)) throw invalid(`${name} must be a day of the week.`);
	return lower as Weekday;
}

/** Validates `recurrence` for an event starting at `start` (the range must start on the event's start date). */
export function parseRecurrence(input: unknown, start: GraphDateTime): Recurrence {
	const body = record(input, "recurrence");
	checkFields(body, { required: ["pattern", "range"], optional: [] }, [], "recurrence");
	const pattern = record(body.pattern, "pattern");
	const range = record(body.range, "range");
	const type = pattern.type as PatternType;
	const fields = PATTERN_FIELDS[type];
	if (fields === undefined) throw invalid(`pattern.type '${String(pattern.type)}' is not one of ${Object.keys(PATTERN_FIELDS).join(", ")}.`);
	checkFields(pattern, fields, ["type", "interval"], `${type} pattern`);
	const rangeType = String(range.type);
	const rangeFields = RANGE_FIELDS[rangeType];
	if (rangeFields === undefined) throw invalid(`range.type '${rangeType}' is not one of endDate, noEnd, numbered.`);
	checkFields(range, rangeFields, ["type"], `${rangeType} range`);
	const daysOfWeek = pattern.daysOfWeek === undefined || pattern.daysOfWeek === null ? [] : pattern.daysOfWeek;
	if (!Array.isArray(daysOfWeek) || (fields.required.includes("daysOfWeek") && daysOfWeek.length === 0)) throw invalid("daysOfWeek must be a non-empty list.");
	const index = pattern.index ?? "first";
	if (!(INDEXES as readonly unknown[]).includes(index)) throw invalid("index must be first, second, third, fourth or last.");

	const parsed: Recurrence = {
		pattern: {
			type,
			interval: int(pattern.interval, "interval", 1, 99),
			daysOfWeek: daysOfWeek.map((d, i) => weekday(d, `daysOfWeek[${i}]`)),
			firstDayOfWeek: pattern.firstDayOfWeek === undefined || pattern.firstDayOfWeek === null ? "sunday" : weekday(pattern.firstDayOfWeek, "firstDayOfWeek"),
			dayOfMonth: fields.required.includes("dayOfMonth") ? int(pattern.dayOfMonth, "dayOfMonth", 1, 31) : 0,
			month: fields.required.includes("month") ? int(pattern.month, "month", 1, 12) : 0,
			index: index as Recurrence["pattern"]["index"],
		},
		range: {
			type: rangeType as Recurrence["range"]["type"],
			startDate: date(range.startDate, "range.startDate"),
			endDate: rangeType === "endDate" ? date(range.endDate, "range.endDate") : undefined,
			numberOfOccurrences: rangeType === "numbered" ? int(range.numberOfOccurrences, "numberOfOccurrences", 1, 999) : 0,
		},
	};
	if (parsed.range.endDate !== undefined && Temporal.PlainDate.compare(parsed.range.endDate, parsed.range.startDate) < 0) throw invalid("range.endDate is before range.startDate.");
	if (!parsed.range.startDate.equals(Temporal.PlainDateTime.from(start.dateTime.replace(/Z$/, "")).toPlainDate())) {
		throw invalid("range.startDate must be the date of the event's start.");
	}
	return parsed;
}

function weekdayNumber(day: Weekday): number {
	return WEEKDAYS.indexOf(day) + 1;
}

/** Dates of one month matching daysOfWeek, picked by index (first…fourth, last). */
function relativeDay(year: number, month: number, recurrence: Recurrence): Temporal.PlainDate[] {
	const first = Temporal.PlainDate.from({ year, month, day: 1 });
	const wanted = new Set(recurrence.pattern.daysOfWeek.map(weekdayNumber));
	const matches: Temporal.PlainDate[] = [];
	for (let d = first; d.month === month; d = d.add({ days: 1 })) if (wanted.has(d.dayOfWeek)) matches.push(d);
	const pick = recurrence.pattern.index === "last" ? matches.at(-1) : matches[INDEXES.indexOf(recurrence.pattern.index)];
	return pick === undefined ? [] : [pick];
}

/** Candidate dates of the k-th period (day, week, month or year) of the pattern, in order. */
function periodDates(recurrence: Recurrence, k: number): Temporal.PlainDate[] {
	const { pattern, range } = recurrence;
	const step = k * pattern.interval;
	switch (pattern.type) {
		case "daily":
			return [range.startDate.add({ days: step })];
		case "weekly": {
			// Weeks begin on firstDayOfWeek; the first week is the one holding startDate.
			const back = (range.startDate.dayOfWeek - weekdayNumber(pattern.firstDayOfWeek) + 7) % 7;
			const weekStart = range.startDate.subtract({ days: back }).add({ weeks: step });
			const wanted = new Set(pattern.daysOfWeek.map(weekdayNumber));
			return Array.from({ length: 7 }, (_, i) => weekStart.add({ days: i })).filter((d) => wanted.has(d.dayOfWeek));
		}
		case "absoluteMonthly": {
			const month = range.startDate.toPlainYearMonth().add({ months: step });
			// Outlook puts day 31 of a 30-day month on its last day.
			return [month.toPlainDate({ day: Math.min(pattern.dayOfMonth, month.daysInMonth) })];
		}
		case "relativeMonthly": {
			const month = range.startDate.toPlainYearMonth().add({ months: step });
			return relativeDay(month.year, month.month, recurrence);
		}
		case "absoluteYearly": {
			const month = Temporal.PlainYearMonth.from({ year: range.startDate.year + step, month: pattern.month });
			return [month.toPlainDate({ day: Math.min(pattern.dayOfMonth, month.daysInMonth) })];
		}
		case "relativeYearly":
			return relativeDay(range.startDate.year + step, pattern.month, recurrence);
	}
}

export interface Occurrence {
	/** Start of the occurrence as the pattern places it (Graph's originalStart). */
	startMs: number;
	endMs: number;
}

const MAX_PERIODS = 20_000;

/**
 * Occurrences of a series whose first instance is `start` (wall time in `zone`) lasting `durationMs`,
 * in order, up to `untilMs` (exclusive start); numbered and endDate ranges stop by themselves.
 */
export function expandRecurrence(recurrence: Recurrence, start: GraphDateTime, zone: string, durationMs: number, untilMs: number): Occurrence[] {
	const time = Temporal.PlainDateTime.from(start.dateTime.replace(/Z$/, "")).toPlainTime();
	const out: Occurrence[] = [];
	for (let k = 0; k < MAX_PERIODS; k++) {
		for (const day of periodDates(recurrence, k)) {
			if (Temporal.PlainDate.compare(day, recurrence.range.startDate) < 0) continue;
			if (recurrence.range.endDate !== undefined && Temporal.PlainDate.compare(day, recurrence.range.endDate) > 0) return out;
			const startMs = day.toPlainDateTime(time).toZonedDateTime(zone).epochMilliseconds;
			if (startMs >= untilMs) return out;
			out.push({ startMs, endMs: startMs + durationMs });
			if (recurrence.range.type === "numbered" && out.length >= recurrence.range.numberOfOccurrences) return out;
		}
	}
	return out;
}
