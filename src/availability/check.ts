// Whether one start for one staff member is bookable, and if not, the most specific reason why.
import { resourceFor } from "./context";
import type { QueryContext } from "./context";
import { createContext } from "./context";
import { findOverlap } from "./intervals";
import type { AvailabilityQuery, SlotCheck } from "./types";
import { workingIntervalsOn } from "./working-hours";

export interface CheckSlotOptions {
	/** Accept any start inside working hours, not only the grid customers are offered. */
	allowOffGrid?: boolean;
	/**
	 * Skip minimum notice, horizon and working hours (merchant walk-ins). Conflicts (bookings,
	 * busy blocks, time off, resources) and starts in the past are still refused.
	 */
	ignoreRules?: boolean;
}

/** Checks `start` for `staffId` against the same rules computeSlots applies (except the day range). */
export function checkSlot(q: AvailabilityQuery, staffId: string, start: number, options: CheckSlotOptions = {}): SlotCheck {
	const ctx = createContext(q);
	return checkInContext(ctx, ctx.staffIndex(staffId), start, options);
}

/** checkSlot on an already prepared query. */
export function checkInContext(ctx: QueryContext, staffIndex: number, start: number, options: CheckSlotOptions): SlotCheck {
	if (start < ctx.query.now) return { ok: false, reason: "in-the-past" };
	if (options.ignoreRules !== true) {
		if (start < ctx.earliest) return { ok: false, reason: "min-notice" };
		if (start > ctx.latest) return { ok: false, reason: "beyond-horizon" };
		if (!withinHours(ctx, staffIndex, start, options.allowOffGrid === true)) return { ok: false, reason: "outside-hours" };
	}
	const blockStart = start - ctx.bufferBeforeMs;
	const blockEnd = start + ctx.durationMs + ctx.bufferAfterMs;
	if (findOverlap(ctx.staff(staffIndex).blockers, blockStart, blockEnd) !== undefined) return { ok: false, reason: "taken" };
	const resourceId = resourceFor(ctx, blockStart, blockEnd);
	if (resourceId === undefined) return { ok: false, reason: "no-resource" };
	return { ok: true, resourceId };
}

function withinHours(ctx: QueryContext, staffIndex: number, start: number, allowOffGrid: boolean): boolean {
	const staff = ctx.staff(staffIndex);
	// Working intervals of local date D only hold starts on local date D (see slots.ts).
	const day = staff.clock.localDay(start);
	return workingIntervalsOn(staff.hours, staff.clock, day).some(
		(hours) =>
			hours.start <= start &&
			start + ctx.durationMs <= hours.end &&
			(allowOffGrid || (start - hours.start) % ctx.stepMs === 0),
	);
}
