// Dates and times for the customer: the browser's Intl does every zone conversion (never by hand);
// plain calendar dates ("YYYY-MM-DD") are only counted, never shifted between zones.
import { currentZoneName, currentZoneNames } from "../src/time-zone-names";

export function detectTimeZone(): string {
	try {
		// Chrome names India's zone Asia/Calcutta; the customer sees, and the booking stores, Asia/Kolkata.
		return currentZoneName(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
	} catch {
		return "UTC";
	}
}

export function timeZones(current: string): string[] {
	const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.("timeZone") ?? [];
	const zones = currentZoneNames(supported.length > 0 ? supported : ["UTC", "Europe/London", "Europe/Amsterdam", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney"]);
	return zones.includes(current) ? zones : [current, ...zones];
}

/** Today's calendar date in `zone`, "YYYY-MM-DD". */
export function todayIn(zone: string): string {
	const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date());
	const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? "";
	return `${part("year")}-${part("month")}-${part("day")}`;
}

function pad(n: number): string {
	return String(n).padStart(2, "0");
}

/** A calendar date as a UTC midnight, only for counting days and naming weekdays. */
function civil(date: string): Date {
	const [y, m, d] = date.split("-").map(Number);
	return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
}

export function isoDate(value: Date): string {
	return `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
}

/** "YYYY-MM" of a date, moved by `months`. */
export function shiftMonth(month: string, months: number): string {
	const first = civil(`${month}-01`);
	first.setUTCMonth(first.getUTCMonth() + months);
	return isoDate(first).slice(0, 7);
}

/** Every date of a month, and how many blank cells come before the 1st in a Monday-first week. */
export function monthDays(month: string): { leading: number; days: string[] } {
	const first = civil(`${month}-01`);
	const leading = (first.getUTCDay() + 6) % 7;
	const days: string[] = [];
	for (const d = new Date(first); d.getUTCMonth() === first.getUTCMonth(); d.setUTCDate(d.getUTCDate() + 1)) days.push(isoDate(d));
	return { leading, days };
}

export function formatDate(date: string, style: "long" | "month" = "long"): string {
	const options: Intl.DateTimeFormatOptions =
		style === "month" ? { month: "long", year: "numeric", timeZone: "UTC" } : { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: "UTC" };
	return new Intl.DateTimeFormat(undefined, options).format(civil(date));
}

export function formatTime(instant: string, zone: string): string {
	return new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit", timeZone: zone }).format(new Date(instant));
}

export function formatWhen(instant: string, zone: string): string {
	return new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short", timeZone: zone }).format(new Date(instant));
}

export function weekdayNames(): string[] {
	// 2024-01-01 was a Monday.
	return [0, 1, 2, 3, 4, 5, 6].map((i) => new Intl.DateTimeFormat(undefined, { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + i))));
}

/** Slots by start. The API ranks alternatives nearest first, which in a list reads as a jumble of times. */
export function inTimeOrder<T extends { start: string }>(slots: T[]): T[] {
	return [...slots].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

/** The local calendar date of a slot (its localStart already carries the customer's zone). */
export function slotDate(localStart: string): string {
	return localStart.slice(0, 10);
}

