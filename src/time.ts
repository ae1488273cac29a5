// Small Temporal helpers shared by the web and booking layers (the availability core has its own).
import { Temporal } from "temporal-polyfill";
import { ValidationError } from "./errors";

/** Throws a field error unless `zone` is an IANA zone the runtime knows. */
export function assertTimeZone(zone: string, field: string): string {
	try {
		return Temporal.Now.zonedDateTimeISO(zone).timeZoneId;
	} catch {
		throw new ValidationError([{ field, message: `Unknown IANA time zone "${zone}"` }]);
	}
}

/** RFC 3339 local time with its offset, e.g. "2026-03-29T09:00:00+02:00". */
export function localIso(instant: number, zone: string): string {
	return Temporal.Instant.fromEpochMilliseconds(instant)
		.toZonedDateTimeISO(zone)
		.toString({ timeZoneName: "never", smallestUnit: "second" });
}

export function utcIso(instant: number): string {
	return new Date(instant).toISOString().replace(".000Z", "Z");
}

/** The local calendar date of an instant in a zone, "YYYY-MM-DD". */
export function localDate(instant: number, zone: string): string {
	return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toPlainDate().toString();
}

export function addDays(date: string, days: number): string {
	return Temporal.PlainDate.from(date).add({ days }).toString();
}

/** Whole days from `from` to `to` (both "YYYY-MM-DD"). */
export function daysBetween(from: string, to: string): number {
	return Temporal.PlainDate.from(from).until(Temporal.PlainDate.from(to), { largestUnit: "days" }).days;
}

/**
 * UTC bounds that cover the local days [from, to] in any zone a staff member may be in: a day's
 * margin each side (zones span UTC-12..UTC+14) plus `extraMs` for buffers.
 */
export function coveringWindow(from: string, to: string, extraMs: number): { from: number; to: number; fromDate: string; toDate: string } {
	const start = Temporal.PlainDate.from(from).subtract({ days: 1 }).toZonedDateTime("UTC").epochMilliseconds - extraMs;
	const end = Temporal.PlainDate.from(to).add({ days: 2 }).toZonedDateTime("UTC").epochMilliseconds + extraMs;
	return { from: start, to: end, fromDate: addDays(from, -1), toDate: addDays(to, 1) };
}

/** The first instant of a local date in a zone (midnight, or the first valid time on a DST-gap day). */
export function localDayStart(date: string, zone: string): number {
	return Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
}
