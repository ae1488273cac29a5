// A deterministic AvailabilityQuery for the availability benchmark: 30 customer days at a
// 15-minute grid, `busyCount` busy intervals per staff member, all derived from `seed`.
import type { AvailabilityQuery, BusyInterval, StaffSchedule, WeeklyInterval } from "./types";

const MINUTE = 60_000;
const DAY = 86_400_000;
/** 2026-03-01T08:00Z. The 30 days include the Europe/Amsterdam spring-forward (2026-03-29). */
const NOW = Date.UTC(2026, 2, 1, 8, 0);

/** mulberry32: a tiny seeded PRNG, so every run of the benchmark sees identical data. */
function seededRandom(seed: number): () => number {
	let state = seed >>> 0;
	return function next(): number {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	};
}

function weeklyHours(): WeeklyInterval[] {
	const hours: WeeklyInterval[] = [];
	for (let weekday = 1; weekday <= 6; weekday++) {
		hours.push({ weekday, start: "09:00", end: "12:30" }, { weekday, start: "13:30", end: "18:00" });
	}
	return hours;
}

/**
 * Builds the benchmark query. Busy intervals (5-45 minutes, one in ten tentative) are spread over
 * the 30 days plus a week either side, sorted in no particular order so the sort is measured too.
 */
export function benchmarkFixture(staffCount: number, busyCount: number, seed: number): AvailabilityQuery {
	const random = seededRandom(seed);
	const spanStart = NOW - 7 * DAY;
	const spanLength = 45 * DAY;
	const staff: StaffSchedule[] = [];
	for (let s = 0; s < staffCount; s++) {
		const busy: BusyInterval[] = [];
		for (let b = 0; b < busyCount; b++) {
			const start = spanStart + Math.floor((random() * spanLength) / (5 * MINUTE)) * 5 * MINUTE;
			const length = (1 + Math.floor(random() * 9)) * 5 * MINUTE;
			busy.push({ start, end: start + length, tentative: random() < 0.1 });
		}
		staff.push({
			id: `staff-${s + 1}`,
			timezone: "Europe/Amsterdam",
			weeklyHours: weeklyHours(),
			overrides: [{ date: "2026-03-10", intervals: [] }],
			timeOff: [{ start: Date.UTC(2026, 2, 16, 12), end: Date.UTC(2026, 2, 17, 12) }],
			bookings: [],
			busy,
		});
	}
	return {
		now: NOW,
		from: "2026-03-02",
		to: "2026-03-31",
		timezone: "Europe/Amsterdam",
		service: {
			durationMinutes: 30,
			bufferBeforeMinutes: 0,
			bufferAfterMinutes: 10,
			minNoticeMinutes: 120,
			horizonDays: 60,
			slotIntervalMinutes: 15,
			requiresResource: false,
		},
		staff,
		resources: [],
		tentativeBlocks: false,
	};
}
