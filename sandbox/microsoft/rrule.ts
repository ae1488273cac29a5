// The control API's recurrence lines (RRULE/EXDATE, as a person would pick in a calendar app) as Outlook's
// patternedRecurrence (docs/providers.md B2), for creating a series "in Outlook".
import { Temporal } from "temporal-polyfill";
import { SandboxHttpError } from "../http-error";

const DAYS: Record<string, string> = { MO: "monday", TU: "tuesday", WE: "wednesday", TH: "thursday", FR: "friday", SA: "saturday", SU: "sunday" };
const INDEX: Record<string, string> = { "1": "first", "2": "second", "3": "third", "4": "fourth", "-1": "last" };
/** RRULE parts Outlook's patterns can express. */
const SUPPORTED = new Set(["FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"]);

export interface OutlookSeries {
	recurrence: { pattern: Record<string, unknown>; range: Record<string, unknown> };
	/** Occurrences to cancel after creating the series (EXDATEs), as instants. */
	cancelledStartsMs: number[];
}

function unsupported(message: string): never {
	throw new SandboxHttpError(400, { error: `Outlook cannot express this recurrence: ${message}` });
}

function parseRule(value: string): Map<string, string> {
	const parts = new Map<string, string>();
	for (const part of value.split(";")) {
		const [key = "", val = ""] = part.split("=");
		if (!SUPPORTED.has(key.toUpperCase())) unsupported(`${key} is not supported`);
		parts.set(key.toUpperCase(), val.toUpperCase());
	}
	return parts;
}

/** BYDAY entries: "MO" or with an ordinal "2TU" / "-1FR". */
function byDay(value: string | undefined): Array<{ day: string; ordinal: string | undefined }> {
	if (value === undefined) return [];
	return value.split(",").map((entry) => {
		const m = /^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(entry);
		if (m === null) unsupported(`BYDAY=${entry}`);
		return { day: DAYS[m[2] ?? ""] ?? "", ordinal: m[1]?.replace("+", "") };
	});
}

/** An RFC 5545 DATE or DATE-TIME value (UTC with Z, else in `zone`) as an instant. */
function instantOf(value: string, zone: string): number {
	const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value);
	if (m === null) unsupported(`bad date ${value}`);
	const [, y, mo, d, h = "00", mi = "00", s = "00", z] = m;
	const plain = new Temporal.PlainDateTime(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
	return plain.toZonedDateTime(z === undefined ? zone : "UTC").epochMilliseconds;
}

/**
 * `start` is the series' first start as a wall clock in `zone`. EXDATE values become occurrences to cancel;
 * RDATE has no Outlook equivalent and is refused.
 */
export function outlookSeriesFromLines(lines: string[], start: Temporal.PlainDateTime, zone: string): OutlookSeries {
	let rule: Map<string, string> | undefined;
	const cancelledStartsMs: number[] = [];
	for (const line of lines) {
		const colon = line.indexOf(":");
		const [name = ""] = line.slice(0, colon).split(";");
		const params = new Map(line.slice(0, colon).split(";").slice(1).map((p) => p.split("=") as [string, string]));
		const value = line.slice(colon + 1);
		if (name.toUpperCase() === "RRULE") {
			if (rule !== undefined) unsupported("more than one RRULE");
			rule = parseRule(value);
		} else if (name.toUpperCase() === "EXDATE") {
			for (const v of value.split(",")) cancelledStartsMs.push(instantOf(v.trim(), params.get("TZID") ?? zone));
		} else {
			unsupported(`${name} lines`);
		}
	}
	if (rule === undefined) unsupported("no RRULE");
	const interval = Number(rule.get("INTERVAL") ?? "1");
	if (!Number.isInteger(interval) || interval < 1) unsupported("INTERVAL");
	const days = byDay(rule.get("BYDAY"));
	const startDay = Object.values(DAYS)[start.dayOfWeek - 1] ?? "monday";
	const setPos = rule.get("BYSETPOS");
	const ordinal = setPos ?? days[0]?.ordinal;
	const relative = (): Record<string, unknown> => {
		const index = ordinal === undefined ? undefined : INDEX[ordinal];
		if (index === undefined) unsupported("a relative pattern needs one of the 1st-4th or last ordinals");
		return { daysOfWeek: days.map((d) => d.day), index };
	};
	let pattern: Record<string, unknown>;
	switch (rule.get("FREQ")) {
		case "DAILY":
			pattern = { type: "daily", interval };
			break;
		case "WEEKLY":
			// RFC 5545's week starts on Monday unless WKST says otherwise.
			pattern = { type: "weekly", interval, daysOfWeek: days.length > 0 ? days.map((d) => d.day) : [startDay], firstDayOfWeek: DAYS[rule.get("WKST") ?? "MO"] ?? "monday" };
			break;
		case "MONTHLY":
			pattern = days.length > 0 ? { type: "relativeMonthly", interval, ...relative() } : { type: "absoluteMonthly", interval, dayOfMonth: Number(rule.get("BYMONTHDAY") ?? start.day) };
			break;
		case "YEARLY": {
			const month = Number(rule.get("BYMONTH") ?? start.month);
			pattern = days.length > 0 ? { type: "relativeYearly", interval, month, ...relative() } : { type: "absoluteYearly", interval, month, dayOfMonth: Number(rule.get("BYMONTHDAY") ?? start.day) };
			break;
		}
		default:
			unsupported(`FREQ=${rule.get("FREQ") ?? "(none)"}`);
	}
	const startDate = start.toPlainDate().toString();
	const count = rule.get("COUNT");
	const until = rule.get("UNTIL");
	let range: Record<string, unknown>;
	if (count !== undefined) range = { type: "numbered", startDate, numberOfOccurrences: Number(count), recurrenceTimeZone: zone };
	else if (until !== undefined) {
		const endDate = Temporal.Instant.fromEpochMilliseconds(instantOf(until, zone)).toZonedDateTimeISO(zone).toPlainDate().toString();
		range = { type: "endDate", startDate, endDate, recurrenceTimeZone: zone };
	} else range = { type: "noEnd", startDate, recurrenceTimeZone: zone };
	return { recurrence: { pattern, range }, cancelledStartsMs };
}
