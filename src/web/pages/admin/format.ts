// How the admin pages write times, providers, sync ages and poll cadences for people (in the merchant's zone).
import type { ConnectionProvider } from "../../../db/schema";
import { dateTimeFormat } from "../../../time";

const PROVIDER_NAMES: Record<ConnectionProvider, string> = {
	google: "Google",
	microsoft: "Microsoft",
	caldav: "CalDAV",
	icloud: "Apple iCloud",
	ics: "ICS feed",
	zoom: "Zoom",
};

export function providerName(provider: ConnectionProvider): string {
	return PROVIDER_NAMES[provider];
}

/** "2 minutes ago", "just now", "3 days ago": how long since `then`, in words. */
export function timeAgo(then: number, now: number): string {
	const seconds = Math.max(0, Math.round((now - then) / 1000));
	if (seconds < 45) return "just now";
	const units: Array<[number, string]> = [
		[60 * 60 * 24 * 365, "year"],
		[60 * 60 * 24 * 30, "month"],
		[60 * 60 * 24, "day"],
		[60 * 60, "hour"],
		[60, "minute"],
	];
	for (const [size, name] of units) {
		const count = Math.round(seconds / size);
		if (count >= 1 && seconds >= size * 0.75) return `${count} ${name}${count === 1 ? "" : "s"} ago`;
	}
	return "just now";
}

/** timeAgo to the second within the first minute ("12 seconds ago"), for things that happen every few seconds. */
export function secondsAgo(then: number, now: number): string {
	const seconds = Math.max(0, Math.round((now - then) / 1000));
	if (seconds >= 60) return timeAgo(then, now);
	if (seconds < 2) return "just now";
	return `${seconds} seconds ago`;
}

/** A cadence in words: "every 20 seconds", "every minute", "every 5 minutes". */
export function everyText(seconds: number): string {
	if (seconds < 90) return `every ${seconds} second${seconds === 1 ? "" : "s"}`;
	const minutes = Math.round(seconds / 60);
	return minutes === 1 ? "every minute" : `every ${minutes} minutes`;
}

export function timeText(instant: number, zone: string): string {
	return dateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: zone }).format(new Date(instant));
}

export function dayText(instant: number, zone: string): string {
	return dateTimeFormat("en-GB", { weekday: "short", day: "numeric", month: "short", timeZone: zone }).format(new Date(instant));
}

export function dateTimeText(instant: number, zone: string): string {
	return dateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: zone }).format(new Date(instant));
}
