// Builders for availability queries in tests: sensible defaults, so each test states only the
// rule it exercises. Not part of the public API.
import type { AvailabilityQuery, ServiceRules, StaffSchedule, WeeklyInterval } from "./types";

/** Epoch milliseconds of an ISO instant with an explicit offset, e.g. "2026-06-01T09:00+02:00". */
export function at(iso: string): number {
	const ms = Date.parse(iso);
	if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
	return ms;
}

/** ISO string (UTC) of epoch milliseconds, for readable assertions. */
export function iso(ms: number): string {
	return new Date(ms).toISOString().replace(":00.000Z", "Z");
}

/** The same hours on each of the given ISO weekdays. */
export function everyDay(start: string, end: string, weekdays = [1, 2, 3, 4, 5, 6, 7]): WeeklyInterval[] {
	return weekdays.map((weekday) => ({ weekday, start, end }));
}

export function staffMember(partial: Partial<StaffSchedule> & { id: string }): StaffSchedule {
	return {
		timezone: "Europe/Amsterdam",
		weeklyHours: [],
		overrides: [],
		timeOff: [],
		bookings: [],
		busy: [],
		...partial,
	};
}

export function buildQuery(
	partial: Partial<Omit<AvailabilityQuery, "service">> & { service?: Partial<ServiceRules> } = {},
): AvailabilityQuery {
	const { service, ...rest } = partial;
	return {
		now: at("2026-05-01T00:00Z"),
		from: "2026-06-01",
		to: "2026-06-01",
		timezone: "Europe/Amsterdam",
		staff: [],
		resources: [],
		tentativeBlocks: false,
		...rest,
		service: {
			durationMinutes: 60,
			bufferBeforeMinutes: 0,
			bufferAfterMinutes: 0,
			minNoticeMinutes: 0,
			horizonDays: 365,
			slotIntervalMinutes: 60,
			requiresResource: false,
			...service,
		},
	};
}
