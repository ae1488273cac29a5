// Staff assignment for "anyone" bookings: the free staff member with the lightest day.
import { checkInContext } from "./check";
import { createContext } from "./context";
import type { QueryContext } from "./context";
import type { AvailabilityQuery, Slot } from "./types";

/**
 * The slot at `start` for the free staff member with the fewest bookings on their local date of
 * `start`, ties going to the earlier one in `q.staff`; null when nobody is free.
 */
export function pickStaff(q: AvailabilityQuery, start: number): Slot | null {
	const ctx = createContext(q);
	const free: Slot[] = [];
	q.staff.forEach((staff, index) => {
		const check = checkInContext(ctx, index, start, {});
		if (check.ok) free.push({ start, end: start + ctx.durationMs, staffId: staff.id, resourceId: check.resourceId });
	});
	return leastLoaded(ctx, free);
}

/** Among slots with the same start, given in display order, the one whose staff member has the lightest day. */
export function leastLoaded(ctx: QueryContext, candidates: readonly Slot[]): Slot | null {
	let best: Slot | null = null;
	let bestCount = Number.POSITIVE_INFINITY;
	for (const slot of candidates) {
		const count = bookingsOnLocalDay(ctx, ctx.staffIndex(slot.staffId), slot.start);
		if (count < bestCount) {
			best = slot;
			bestCount = count;
		}
	}
	return best;
}

/** How many of a staff member's bookings start on their local date of `instant`. */
function bookingsOnLocalDay(ctx: QueryContext, staffIndex: number, instant: number): number {
	const staff = ctx.staff(staffIndex);
	const day = staff.clock.localDay(instant);
	const dayStart = staff.clock.toInstant(day, 0);
	const dayEnd = staff.clock.toInstant(day + 1, 0);
	return staff.schedule.bookings.filter((b) => b.start >= dayStart && b.start < dayEnd).length;
}
