// Alternatives to a start that cannot be booked: the nearest free slots, searched over day
// windows that widen around the request until the answer can no longer change.
import { leastLoaded } from "./assign";
import { createContext } from "./context";
import type { QueryContext } from "./context";
import { customerRange, slotsBetween } from "./slots";
import type { AvailabilityQuery, Slot } from "./types";

/**
 * Up to `count` free slots nearest to `requestedStart` (by absolute distance, the earlier one on
 * ties). With a preferred staff member, their nearest slots come first and other staff only fill
 * the list when the preferred one has fewer than `count` in the range. Starts never repeat:
 * where several other staff are free at one start, the one pickStaff would choose is offered.
 * Only starts in the query's days [`q.from`, `q.to`] are searched: the caller loads bookings and
 * busy time for exactly those days, and a slot outside them could look free only because its
 * conflicts were never loaded.
 */
export function findAlternatives(
	q: AvailabilityQuery,
	requestedStart: number,
	preferredStaffId: string | null,
	count = 3,
): Slot[] {
	const ctx = createContext(q);
	const preferred = preferredStaffId === null ? null : ctx.staffIndex(preferredStaffId);
	if (count <= 0 || q.staff.length === 0) return [];
	const range = customerRange(ctx);
	// No slot starts outside [lowest, highest): slotsBetween clips to the same rules.
	const lowest = Math.max(range.start, ctx.query.now, ctx.earliest);
	const highest = Math.min(range.end, ctx.latest + 1);
	const requestedDay = ctx.customerClock.localDay(requestedStart);
	const allStaff = q.staff.map((_, i) => i);
	for (let radius = 1; ; radius *= 2) {
		const windowStart = Math.max(ctx.customerClock.toInstant(requestedDay - radius, 0), range.start);
		const windowEnd = Math.min(ctx.customerClock.toInstant(requestedDay + radius + 1, 0), range.end);
		// Anything outside the window is at least this far away; edges beyond the limits hide nothing.
		const lowerReach = windowStart <= lowest ? Number.POSITIVE_INFINITY : requestedStart - windowStart;
		const upperReach = windowEnd >= highest ? Number.POSITIVE_INFINITY : windowEnd - requestedStart;
		const reach = Math.min(lowerReach, upperReach);
		const picked = pick(ctx, windowStart < windowEnd ? slotsBetween(ctx, allStaff, windowStart, windowEnd) : [], requestedStart, preferred, count);
		if (reach === Number.POSITIVE_INFINITY) return picked.slots;
		// The first part is final once it is full and its farthest pick is no farther than the unseen time.
		if (picked.firstPart.length >= count && distance(picked.firstPart[count - 1] as Slot, requestedStart) <= reach) {
			return picked.slots;
		}
	}
}

function distance(slot: Slot, requestedStart: number): number {
	return Math.abs(slot.start - requestedStart);
}

function byNearness(requestedStart: number): (a: Slot, b: Slot) => number {
	return (a, b) => distance(a, requestedStart) - distance(b, requestedStart) || a.start - b.start;
}

/** The preferred staff member's nearest slots (or nearest unique starts) and the final list. */
function pick(
	ctx: QueryContext,
	slots: Slot[],
	requestedStart: number,
	preferred: number | null,
	count: number,
): { firstPart: Slot[]; slots: Slot[] } {
	const nearness = byNearness(requestedStart);
	const preferredId = preferred === null ? null : (ctx.query.staff[preferred]?.id ?? null);
	const own = preferredId === null ? [] : slots.filter((s) => s.staffId === preferredId).sort(nearness);
	const chosen = own.slice(0, count);
	const offered = new Set(chosen.map((s) => s.start));
	// Others grouped by start, each group in display order (slotsBetween keeps that order).
	const byStart = new Map<number, Slot[]>();
	for (const slot of slots) {
		if (slot.staffId === preferredId || offered.has(slot.start)) continue;
		const group = byStart.get(slot.start);
		if (group === undefined) byStart.set(slot.start, [slot]);
		else group.push(slot);
	}
	const starts = [...byStart.keys()].sort((a, b) => Math.abs(a - requestedStart) - Math.abs(b - requestedStart) || a - b);
	const others: Slot[] = [];
	for (const start of starts) {
		if (chosen.length + others.length >= count) break;
		const slot = leastLoaded(ctx, byStart.get(start) ?? []);
		if (slot !== null) others.push(slot);
	}
	const all = [...chosen, ...others];
	return { firstPart: preferredId === null ? others : own, slots: all };
}
