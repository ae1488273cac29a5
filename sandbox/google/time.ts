// Google EventDateTime <-> instants, using Temporal (never by hand).
import { Temporal } from "temporal-polyfill";

export interface EventDateTime {
	date?: string;
	dateTime?: string;
	timeZone?: string;
}

const OFFSET_SUFFIX = /(Z|[+-]\d{2}:\d{2})$/i;

export function hasOffset(dateTime: string): boolean {
	return OFFSET_SUFFIX.test(dateTime);
}

/** Epoch ms of a start/end; all-day dates are midnight in the calendar's zone. */
export function toEpochMs(value: EventDateTime, calendarTimeZone: string): number {
	if (value.date !== undefined) {
		return Temporal.PlainDate.from(value.date).toZonedDateTime({ timeZone: calendarTimeZone }).epochMilliseconds;
	}
	const dateTime = value.dateTime ?? "";
	if (hasOffset(dateTime)) return Temporal.Instant.from(dateTime).epochMilliseconds;
	return Temporal.PlainDateTime.from(dateTime).toZonedDateTime(value.timeZone ?? calendarTimeZone).epochMilliseconds;
}

/** Local wall-clock of a timed value in `timeZone`. */
export function toPlainDateTime(value: EventDateTime, timeZone: string): Temporal.PlainDateTime {
	const dateTime = value.dateTime ?? "";
	if (hasOffset(dateTime)) return Temporal.Instant.from(dateTime).toZonedDateTimeISO(timeZone).toPlainDateTime();
	return Temporal.PlainDateTime.from(dateTime);
}

const UTC_NAMES = new Set(["UTC", "Etc/UTC", "GMT", "Etc/GMT"]);

/** RFC 3339 with the zone's offset, as Google prints dateTime values ("Z" in a UTC calendar). */
export function formatInZone(epochMs: number, timeZone: string): string {
	const text = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(timeZone).toString({ timeZoneName: "never", smallestUnit: "second" });
	return UTC_NAMES.has(timeZone) && text.endsWith("+00:00") ? `${text.slice(0, -6)}Z` : text;
}

export function formatUtc(epochMs: number): string {
	return Temporal.Instant.fromEpochMilliseconds(epochMs).toString({ smallestUnit: "millisecond" });
}

/** Parses an RFC 3339 query value (timeMin, timeMax, updatedMin); null when malformed or offset-less. */
export function parseRfc3339(value: string): number | null {
	if (!hasOffset(value)) return null;
	try {
		return Temporal.Instant.from(value).epochMilliseconds;
	} catch {
		return null;
	}
}

export function isValidTimeZone(timeZone: string): boolean {
	try {
		Temporal.Now.zonedDateTimeISO(timeZone);
		return true;
	} catch {
		return false;
	}
}
