// Dates and local times as the web and booking layers print and step them; zone offsets come from zones.ts.
import { Temporal } from "temporal-polyfill";
import { MS_PER_DAY, isoFromEpochDay } from "./availability/calendar";
import { zoneOffset } from "./zones";

/**
 * RFC 3339 local time with its offset, e.g. "2026-03-29T09:00:00+02:00", exactly as Temporal's
 * `toString({ timeZoneName: "never", smallestUnit: "second" })` prints it: the instant truncated to
 * the second, the offset rounded to the minute. The offset comes from the zone's cached table, since
 * the availability API formats every slot.
 */
export function localIso(instant: number, zone: string): string {
	const second = Math.floor(instant / 1000) * 1000;
	const offset = Number.isInteger(instant) ? zoneOffset(second, zone) : null;
	if (offset === null) {
		return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toString({ timeZoneName: "never", smallestUnit: "second" });
	}
	const wall = second + offset.ms;
	const day = Math.floor(wall / MS_PER_DAY);
	const secondOfDay = (wall - day * MS_PER_DAY) / 1000;
	const minuteOfDay = Math.floor(secondOfDay / 60);
	return `${isoDate(day)}T${TWO_DIGITS[Math.floor(minuteOfDay / 60)]}:${TWO_DIGITS[minuteOfDay % 60]}:${TWO_DIGITS[secondOfDay % 60]}${offset.text}`;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));

/** The last epoch day printed and its "YYYY-MM-DD": consecutive slots mostly share a day. */
let lastDay = Number.NaN;
let lastDayText = "";

function isoDate(epochDay: number): string {
	if (epochDay !== lastDay) {
		lastDayText = isoFromEpochDay(epochDay);
		lastDay = epochDay;
	}
	return lastDayText;
}

/** Formatters built so far, by locale and options; bounded, since a zone is part of the key. */
const formats = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATS = 500;

/**
 * `new Intl.DateTimeFormat(locale, options)`, built once per isolate: building one loads ICU data and
 * costs about 100 times a format() (0.16 ms against 1.4 µs in V8 on the bench machine), and every
 * confirmation email and admin page formats several times. Throws as the constructor does (an
 * unknown timeZone is a RangeError), and then remembers nothing.
 */
export function dateTimeFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
	const key = `${locale} ${JSON.stringify(options)}`;
	let format = formats.get(key);
	if (format === undefined) {
		format = new Intl.DateTimeFormat(locale, options);
		if (formats.size >= MAX_FORMATS) formats.clear();
		formats.set(key, format);
	}
	return format;
}

export function utcIso(instant: number): string {
	return new Date(instant).toISOString().replace(".000Z", "Z");
}

/** The local calendar date of an instant in a zone, "YYYY-MM-DD". */
export function localDate(instant: number, zone: string): string {
	const offset = Number.isInteger(instant) ? zoneOffset(instant, zone) : null;
	if (offset === null) return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toPlainDate().toString();
	return isoDate(Math.floor((instant + offset.ms) / MS_PER_DAY));
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
