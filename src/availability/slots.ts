// Slot generation: every bookable (start, staff) pair in a range, swept against each staff
// member's merged blocking time with a forward-moving pointer.
import { ValidationError } from "../errors";
import { epochDayFromIso } from "./calendar";
import { createContext, resourceFor } from "./context";
import type { QueryContext, StaffContext } from "./context";
import { firstEndingAfter } from "./intervals";
import type { AvailabilityQuery, Interval, Slot } from "./types";
import { workingIntervalsOn } from "./working-hours";

/**
 * Every bookable slot whose start lies in the customer's days [from 00:00, to + 1 00:00) read in
 * `q.timezone`, sorted by start and then by the order of `q.staff`.
 */
export function computeSlots(q: AvailabilityQuery): Slot[] {
	const ctx = createContext(q);
	const range = customerRange(ctx);
	return slotsBetween(ctx, q.staff.map((_, i) => i), range.start, range.end);
}

/**
 * Whether the booking horizon, counted from `q.now`, ends before the query's range does: then a later
 * `now` can add slots at the end, so an answer cannot simply be reused with the earlier ones dropped.
 */
export function horizonCutsRange(q: AvailabilityQuery): boolean {
	const ctx = createContext(q);
	return ctx.latest + 1 < customerRange(ctx).end;
}

/** The query's customer days [from 00:00, to + 1 00:00) read in `q.timezone`, as instants. */
export function customerRange(ctx: QueryContext): Interval {
	const fromDay = epochDayFromIso(ctx.query.from, "from");
	const toDay = epochDayFromIso(ctx.query.to, "to");
	if (toDay < fromDay) throw new ValidationError([{ field: "to", message: "must not be before from" }]);
	return { start: ctx.customerClock.toInstant(fromDay, 0), end: ctx.customerClock.toInstant(toDay + 1, 0) };
}

/** Slots of the given staff (by index, in display order) starting in [rangeStart, rangeEnd). */
export function slotsBetween(ctx: QueryContext, staffIndices: readonly number[], rangeStart: number, rangeEnd: number): Slot[] {
	// Clip to the rules once, so no candidate outside notice or horizon is ever generated.
	const windowStart = Math.max(rangeStart, ctx.query.now, ctx.earliest);
	const windowEnd = Math.min(rangeEnd, ctx.latest + 1);
	if (windowStart >= windowEnd) return [];
	return mergeByStart(staffIndices.map((i) => staffSlots(ctx, ctx.staff(i), windowStart, windowEnd)));
}

function staffSlots(ctx: QueryContext, staff: StaffContext, windowStart: number, windowEnd: number): Slot[] {
	const out: Slot[] = [];
	// A slot from a working interval of local date D starts on local date D, so these dates suffice.
	const firstDay = staff.clock.localDay(windowStart);
	const lastDay = staff.clock.localDay(windowEnd - 1);
	for (let day = firstDay; day <= lastDay; day++) {
		for (const hours of workingIntervalsOn(staff.hours, staff.clock, day)) {
			sweepInterval(ctx, staff, hours, windowStart, windowEnd, out);
		}
	}
	return sortedUnique(out);
}

/** Appends the free grid starts of one working interval that lie in [windowStart, windowEnd). */
function sweepInterval(
	ctx: QueryContext,
	staff: StaffContext,
	hours: Interval,
	windowStart: number,
	windowEnd: number,
	out: Slot[],
): void {
	const { durationMs, bufferBeforeMs, bufferAfterMs, stepMs } = ctx;
	const blockers = staff.blockers;
	const lastStart = Math.min(hours.end - durationMs, windowEnd - 1);
	let start = hours.start;
	if (start < windowStart) start += Math.ceil((windowStart - start) / stepMs) * stepMs;
	let pointer = firstEndingAfter(blockers, start - bufferBeforeMs);
	while (start <= lastStart) {
		const blockStart = start - bufferBeforeMs;
		const blockEnd = start + durationMs + bufferAfterMs;
		while (pointer < blockers.length && (blockers[pointer] as Interval).end <= blockStart) pointer++;
		const blocker = blockers[pointer];
		if (blocker !== undefined && blocker.start < blockEnd) {
			// Every later start overlaps this blocker until its buffer-before clears the blocker's end.
			start = hours.start + Math.ceil((blocker.end + bufferBeforeMs - hours.start) / stepMs) * stepMs;
			continue;
		}
		const resourceId = resourceFor(ctx, blockStart, blockEnd);
		if (resourceId !== undefined) {
			out.push({ start, end: start + durationMs, staffId: staff.schedule.id, resourceId });
		}
		start += stepMs;
	}
}

/** Overlapping working intervals (bad data, but possible) can repeat or reorder starts. */
function sortedUnique(slots: Slot[]): Slot[] {
	let ordered = true;
	for (let i = 1; i < slots.length; i++) {
		if ((slots[i] as Slot).start <= (slots[i - 1] as Slot).start) {
			ordered = false;
			break;
		}
	}
	if (ordered) return slots;
	slots.sort((a, b) => a.start - b.start);
	return slots.filter((s, i) => i === 0 || s.start !== (slots[i - 1] as Slot).start);
}

/** Merges per-staff lists sorted by start; on equal starts the earlier list (display order) wins. */
function mergeByStart(lists: Slot[][]): Slot[] {
	let level = lists;
	while (level.length > 1) {
		const next: Slot[][] = [];
		for (let i = 0; i < level.length; i += 2) {
			const right = level[i + 1];
			next.push(right === undefined ? (level[i] as Slot[]) : mergeTwo(level[i] as Slot[], right));
		}
		level = next;
	}
	return level[0] ?? [];
}

function mergeTwo(left: Slot[], right: Slot[]): Slot[] {
	const merged: Slot[] = [];
	let i = 0;
	let j = 0;
	while (i < left.length && j < right.length) {
		const l = left[i] as Slot;
		const r = right[j] as Slot;
		if (r.start < l.start) {
			merged.push(r);
			j++;
		} else {
			merged.push(l);
			i++;
		}
	}
	while (i < left.length) merged.push(left[i++] as Slot);
	while (j < right.length) merged.push(right[j++] as Slot);
	return merged;
}
