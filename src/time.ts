// Small Temporal helpers shared by the web and booking layers (the availability core has its own).
import { Temporal } from "temporal-polyfill";
import { ValidationError } from "./errors";

/** Letters first, then what IANA names use; this rules out offsets ("+05:00") and ISO date-times. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/**
 * The runtime's spelling of an IANA zone name ("UTC" included), or null. Temporal also accepts
 * fixed offsets such as "+05:00" as zones, but an offset has no DST rules: wall-clock hours and
 * recurring bookings would drift by an hour twice a year, so only names are accepted.
 */
export function ianaTimeZone(zone: string): string | null {
	if (!IANA_NAME.test(zone)) return null;
	try {
		return Temporal.Now.zonedDateTimeISO(zone).timeZoneId;
	} catch {
		return null;
	}
}

/** Throws a field error unless `zone` is an IANA zone name the runtime knows. */
export function assertTimeZone(zone: string, field: string): string {
	const id = ianaTimeZone(zone);
	if (id === null) throw new ValidationError([{ field, message: `Unknown IANA time zone "${zone}"` }]);
	return id;
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
 * margin each side (zones span UTC-12..UTC+14) plus `extraMs` for buffers. The date bounds (for
 * per-date rows such as overrides) get two days: a customer's day in UTC+14 can begin on the
 * previous day of a staff member in UTC-12, 26 hours behind.
 */
export function coveringWindow(from: string, to: string, extraMs: number): { from: number; to: number; fromDate: string; toDate: string } {
	const start = Temporal.PlainDate.from(from).subtract({ days: 1 }).toZonedDateTime("UTC").epochMilliseconds - extraMs;
	const end = Temporal.PlainDate.from(to).add({ days: 2 }).toZonedDateTime("UTC").epochMilliseconds + extraMs;
	return { from: start, to: end, fromDate: addDays(from, -2), toDate: addDays(to, 2) };
}

/** The first instant of a local date in a zone (midnight, or the first valid time on a DST-gap day). */
export function localDayStart(date: string, zone: string): number {
	return Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
}
