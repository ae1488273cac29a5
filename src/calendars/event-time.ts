// Time conversions the calendar adapters share: booking instants to provider wall-clock times and
// provider date-times back to instants. All zone math goes through Temporal.
import { Temporal } from "temporal-polyfill";
import type { OutboundRecurrence } from "./provider";

/** Wall-clock time without offset ("2026-05-20T10:00:00"), for APIs that take the zone separately. */
export function wallClock(instant: number, zone: string): string {
	return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toPlainDateTime().toString({ smallestUnit: "second" });
}

/**
 * RFC 3339 with an offset (or Z) and at most millisecond precision: exactly the ECMAScript date-time
 * string format, so Date.parse reads it natively. A full sync reads tens of thousands of these, and
 * the Temporal polyfill takes ~20 times longer per value.
 */
const FIXED_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|z|[+-]\d{2}:\d{2})$/;
/** A wall-clock date-time with at most millisecond precision (Graph's seven fraction digits are trimmed first). */
const WALL_CLOCK = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?$/;

/** An RFC 3339 date-time with offset or `Z`; a value without one is read as wall clock in `zone`. */
export function instantOf(dateTime: string, zone: string): number {
	if (FIXED_OFFSET.test(dateTime)) return Date.parse(dateTime.replace(/z$/, "Z"));
	if (/(?:Z|[+-]\d{2}:?\d{2})$/i.test(dateTime)) return Temporal.Instant.from(dateTime).epochMilliseconds;
	// A wall clock in UTC is a fixed offset too (Graph answers in UTC when asked to).
	const wall = dateTime.replace(/(\.\d{3})\d+$/, "$1");
	if (zone === "UTC" && WALL_CLOCK.test(wall)) return Date.parse(`${wall}Z`);
	return Temporal.PlainDateTime.from(dateTime).toZonedDateTime(zone).epochMilliseconds;
}

/** Local midnight starting `date` ("YYYY-MM-DD") in `zone`. */
export function midnightOf(date: string, zone: string): number {
	return Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
}

/** The local calendar date ("YYYY-MM-DD") of an instant in `zone`. */
export function localDateOf(instant: number, zone: string): string {
	return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toPlainDate().toString();
}

/** Compact UTC stamp used in Google instance ids and iCalendar UTC values: 20260520T080000Z. */
export function compactUtc(instant: number): string {
	return new Date(instant).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/**
 * The RRULE value (without "RRULE:") of a Slotline series. A monthly series keeps DTSTART's day of
 * the month and, like Slotline's own recurrence, falls back to the month's last day when the month
 * is shorter (31 January -> 28 February). Plain FREQ=MONTHLY would skip those months instead, so days
 * 29-31 use BYMONTHDAY=d,-1 with BYSETPOS=1: "day d, or the last day if that comes first".
 */
export function rruleOf(recurrence: OutboundRecurrence, start: number, timeZone: string): string {
	let rule = recurrence.frequency === "biweekly" ? "FREQ=WEEKLY;INTERVAL=2" : "FREQ=WEEKLY";
	if (recurrence.frequency === "monthly") {
		const day = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(timeZone).day;
		rule = day > 28 ? `FREQ=MONTHLY;BYMONTHDAY=${day},-1;BYSETPOS=1` : "FREQ=MONTHLY";
	}
	return `${rule};COUNT=${recurrence.count}`;
}
