// Staff assignment for "anyone" bookings: the free staff member with the lightest day.
import { checkInContext } from "./check";
import type { CheckSlotOptions } from "./check";
import { createContext } from "./context";
import type { QueryContext, StaffContext } from "./context";
import { customerRange, slotsBetween } from "./slots";
import type { AvailabilityQuery, Slot } from "./types";

/**
 * The slot at `start` for the free staff member with the fewest bookings on their local date of
 * `start`, ties going to the earlier one in `q.staff`; null when nobody is free. `options` are the
 * rules the caller books under (a merchant's walk-in may ignore notice and hours, as checkSlot).
 */
export function pickStaff(q: AvailabilityQuery, start: number, options: CheckSlotOptions = {}): Slot | null {
	const ctx = createContext(q);
	const free: Slot[] = [];
	q.staff.forEach((staff, index) => {
		const check = checkInContext(ctx, index, start, options);
		if (check.ok) free.push({ start, end: start + ctx.durationMs, staffId: staff.id, resourceId: check.resourceId });
	});
	return leastLoaded(ctx, free);
}

/**
 * "Anyone" availability: every start computeSlots offers in the query's range, once, with the
 * staff member pickStaff would assign at it. One prepared context serves every start.
 */
export function computeAnyoneSlots(q: AvailabilityQuery): Slot[] {
	const ctx = createContext(q);
	const range = customerRange(ctx);
	const all = slotsBetween(ctx, q.staff.map((_, i) => i), range.start, range.end);
	const out: Slot[] = [];
	// slotsBetween sorts by start, then display order: each run of equal starts is one choice.
	for (let i = 0; i < all.length; ) {
		let j = i + 1;
		while (j < all.length && (all[j] as Slot).start === (all[i] as Slot).start) j++;
		const chosen = leastLoaded(ctx, all.slice(i, j));
		if (chosen !== null) out.push(chosen);
		i = j;
	}
	return out;
}

/** Among slots with the same start, given in display order, the one whose staff member has the lightest day. */
export function leastLoaded(ctx: QueryContext, candidates: readonly Slot[]): Slot | null {
	let best: Slot | null = null;
	let bestCount = Number.POSITIVE_INFINITY;
	for (const slot of candidates) {
		const count = bookingsOnLocalDay(ctx.staff(ctx.staffIndex(slot.staffId)), slot.start);
		if (count < bestCount) {
			best = slot;
			bestCount = count;
		}
	}
	return best;
}

/** Per staff member: booking starts sorted once, and the last local day asked about. */
interface DayLoad {
	starts: Float64Array;
	dayStart: number;
	dayEnd: number;
	count: number;
}

// Keyed by the prepared staff member, so the cache lives exactly as long as its query context.
const dayLoads = new WeakMap<StaffContext, DayLoad>();

/** How many of a staff member's bookings start on their local date of `instant`. */
function bookingsOnLocalDay(staff: StaffContext, instant: number): number {
	let load = dayLoads.get(staff);
	if (load === undefined) {
		load = { starts: Float64Array.from(staff.schedule.bookings, (b) => b.start).sort(), dayStart: 0, dayEnd: 0, count: 0 };
		dayLoads.set(staff, load);
	}
	// Callers walk starts in order, so the same local day repeats: only a new day pays for the
	// zone lookup and the two binary searches.
	if (instant < load.dayStart || instant >= load.dayEnd) {
		const day = staff.clock.localDay(instant);
		load.dayStart = staff.clock.toInstant(day, 0);
		load.dayEnd = staff.clock.toInstant(day + 1, 0);
		load.count = lowerBound(load.starts, load.dayEnd) - lowerBound(load.starts, load.dayStart);
	}
	return load.count;
}

/** Index of the first value >= `value` in a sorted array. */
function lowerBound(sorted: Float64Array, value: number): number {
	let lo = 0;
	let hi = sorted.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if ((sorted[mid] as number) < value) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}
