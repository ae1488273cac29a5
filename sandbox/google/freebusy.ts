// freebusy.query: merged busy intervals (opaque, non-cancelled instances) of each requested calendar.
import { Temporal } from "temporal-polyfill";
import { googleError } from "./errors";
import { listEvents } from "./list";
import type { GoogleStore } from "./store";
import { isValidTimeZone, parseRfc3339, toEpochMs } from "./time";

export interface FreeBusyRequest {
	timeMin?: unknown;
	timeMax?: unknown;
	timeZone?: unknown;
	items?: unknown;
}

function format(ms: number, timeZone: string): string {
	const instant = Temporal.Instant.fromEpochMilliseconds(ms);
	if (timeZone === "UTC") return instant.toString({ smallestUnit: "second" });
	return instant.toZonedDateTimeISO(timeZone).toString({ timeZoneName: "never", smallestUnit: "second" });
}

function busyIntervals(store: GoogleStore, calendarId: string, fromMs: number, toMs: number, nowMs: number): Array<[number, number]> {
	const calendar = store.calendar(calendarId);
	if (calendar === undefined) return [];
	const intervals: Array<[number, number]> = [];
	let pageToken: string | undefined;
	do {
		const params = new URLSearchParams({
			singleEvents: "true",
			maxResults: "2500",
			timeMin: new Date(fromMs).toISOString(),
			timeMax: new Date(toMs).toISOString(),
		});
		if (pageToken !== undefined) params.set("pageToken", pageToken);
		const page = listEvents({ store, calendar, accessRole: "owner", nowMs, takeSyncGone: () => false }, params);
		for (const event of page.items as Array<Record<string, unknown>>) {
			if (event.status === "cancelled" || event.transparency === "transparent") continue;
			const start = Math.max(fromMs, toEpochMs(event.start as object, calendar.timeZone));
			const end = Math.min(toMs, toEpochMs(event.end as object, calendar.timeZone));
			if (end > start) intervals.push([start, end]);
		}
		pageToken = page.nextPageToken as string | undefined;
	} while (pageToken !== undefined);
	intervals.sort((a, b) => a[0] - b[0]);
	const merged: Array<[number, number]> = [];
	for (const interval of intervals) {
		const last = merged[merged.length - 1];
		if (last !== undefined && interval[0] <= last[1]) last[1] = Math.max(last[1], interval[1]);
		else merged.push([interval[0], interval[1]]);
	}
	return merged;
}

export function queryFreeBusy(
	store: GoogleStore,
	request: FreeBusyRequest,
	canRead: (calendarId: string) => string | null,
	nowMs: number,
): Record<string, unknown> {
	const fromMs = typeof request.timeMin === "string" ? parseRfc3339(request.timeMin) : null;
	const toMs = typeof request.timeMax === "string" ? parseRfc3339(request.timeMax) : null;
	if (fromMs === null || toMs === null) throw googleError(400, "invalid", "timeMin and timeMax are required RFC 3339 timestamps.");
	if (toMs <= fromMs) throw googleError(400, "timeRangeEmpty", "The specified time range is empty.");
	const timeZone = typeof request.timeZone === "string" ? request.timeZone : "UTC";
	if (!isValidTimeZone(timeZone)) throw googleError(400, "invalid", "Invalid time zone.");
	const items = Array.isArray(request.items) ? (request.items as Array<{ id?: unknown }>) : [];
	const calendars: Record<string, unknown> = {};
	items.forEach((item, index) => {
		const requested = String(item.id ?? "");
		if (index >= 50) {
			calendars[requested] = { busy: [], errors: [{ domain: "usageLimits", reason: "tooManyCalendarsRequested" }] };
			return;
		}
		const calendarId = canRead(requested);
		if (calendarId === null) {
			calendars[requested] = { busy: [], errors: [{ domain: "global", reason: "notFound" }] };
			return;
		}
		calendars[requested] = {
			busy: busyIntervals(store, calendarId, fromMs, toMs, nowMs).map(([s, e]) => ({ start: format(s, timeZone), end: format(e, timeZone) })),
		};
	});
	return { kind: "calendar#freeBusy", timeMin: request.timeMin, timeMax: request.timeMax, calendars };
}
