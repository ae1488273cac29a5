// Shared steps of every booking write: read the schedule around the requested times from the
// object's storage, check each occurrence with the availability core, and explain a refusal (422
// reason or 409 alternatives, computed only when a refusal is actually answered).
import { checkSlot, findAlternatives } from "../availability";
import type { AvailabilityQuery, CheckSlotOptions, SlotCheck, Unavailability } from "../availability";
import { ConflictError, UnprocessableError } from "../errors";
import type { SlotSuggestion } from "../errors";
import { addDays, coveringWindow, localDate, localDayStart, localIso, utcIso } from "../time";
import type { WriteSource } from "./commands";
import type { ScheduleStore, ServiceRecord, SetupState, StaffRecord } from "./schedule-store";

const MINUTE = 60_000;
/**
 * How many days either side of a requested time alternatives are searched in. findAlternatives never
 * looks beyond the loaded days, so every alternative offered is bookable.
 */
export const ALTERNATIVE_SEARCH_DAYS = 14;
/**
 * The days loaded for the check itself, and searched first for alternatives: the requested day and
 * its neighbours. Most refusals find three nearer alternatives there than anything farther could
 * be, so the two weeks either side are read only when they might hold a nearer one.
 */
const NEAR_DAYS = 1;

export interface PlanContext {
	store: ScheduleStore;
	setup: SetupState;
	service: ServiceRecord;
	/** Candidate staff, in display order: everyone who could be offered as an alternative. */
	staff: StaffRecord[];
	timezone: string;
	now: number;
	excludeBookingIds?: string[];
}

/** Customer days, "YYYY-MM-DD", inclusive. */
export interface DayRange {
	from: string;
	to: string;
}

/**
 * The customer's days loaded around `starts`, which are also the days searched for alternatives:
 * two weeks before the earliest (but not before today, which holds no bookable slot, unless a start
 * lies there) to two weeks after the latest.
 */
export function daysAround(starts: number[], timezone: string, now: number, radius = ALTERNATIVE_SEARCH_DAYS): DayRange {
	const first = localDate(Math.min(...starts), timezone);
	const last = localDate(Math.max(...starts), timezone);
	const today = localDate(now, timezone);
	const searchFrom = addDays(first, -radius);
	const from = first < today ? first : searchFrom > today ? searchFrom : today;
	return { from, to: addDays(last, radius) };
}

/**
 * The schedule of `context.staff` and the service's resources over daysAround(starts), from the
 * object's storage: the near days, enough to check each start (and assign "anyone", which looks at
 * that day), unless a radius is given.
 */
export function scheduleAround(context: PlanContext, starts: number[], radius = NEAR_DAYS): AvailabilityQuery {
	const { service } = context;
	const days = daysAround(starts, context.timezone, context.now, radius);
	const blockMs = (service.bufferBeforeMinutes + service.bufferAfterMinutes + service.durationMinutes) * MINUTE;
	const window = coveringWindow(days.from, days.to, blockMs);
	return context.store.scheduleQuery({
		service,
		staff: context.staff,
		resourceIds: service.requiredResourceType === null ? [] : context.store.resourcesOfType(service.requiredResourceType),
		windowFrom: window.from,
		windowTo: window.to,
		fromDate: window.fromDate,
		toDate: window.toDate,
		...days,
		timezone: context.timezone,
		now: context.now,
		tentativeBlocks: context.setup.tentativeBlocks,
		...(context.excludeBookingIds === undefined ? {} : { excludeBookingIds: context.excludeBookingIds }),
	});
}

/** Merchants may book off the slot grid and outside the customer-facing rules; never into a conflict. */
export function checkOptions(source: WriteSource): CheckSlotOptions {
	return source === "admin" ? { allowOffGrid: true, ignoreRules: true } : {};
}

export function checkFor(query: AvailabilityQuery, staffId: string, start: number, source: WriteSource): SlotCheck {
	return checkSlot(query, staffId, start, checkOptions(source));
}

const ruleReasons: Record<Exclude<Unavailability, "taken" | "no-resource">, string> = {
	"in-the-past": "That time has already passed.",
	"min-notice": "That time is too soon: this service needs more notice.",
	"beyond-horizon": "That time is too far ahead to book yet.",
	"outside-hours": "That time is outside the staff member's working hours or off the booking grid.",
};

export function isRuleRefusal(reason: Unavailability): reason is Exclude<Unavailability, "taken" | "no-resource"> {
	return reason !== "taken" && reason !== "no-resource";
}

/**
 * Why nobody can take `start`: a rule's reason when it refuses every candidate (a customer asking
 * for a time that is too soon hears so), otherwise "taken".
 */
export function anyoneRefusalReason(query: AvailabilityQuery, start: number, source: WriteSource): Unavailability {
	let ruleReason: Unavailability | null = null;
	for (const member of query.staff) {
		const check = checkFor(query, member.id, start, source);
		if (check.ok || !isRuleRefusal(check.reason)) return "taken";
		ruleReason ??= check.reason;
	}
	return ruleReason ?? "taken";
}

/**
 * The nearest free slots to `start`: `staffId`'s first when given, then the other staff of the
 * context. Searched in `near` (the query the check used) first; the wider days are read only when a
 * slot there could be nearer than the farthest found, so the answer is the same as searching them all.
 */
export function suggestions(context: PlanContext, near: AvailabilityQuery, start: number, staffId: string | null): SlotSuggestion[] {
	const found = findAlternatives(near, start, staffId, ALTERNATIVES);
	const final = found.length === ALTERNATIVES && (staffId === null || found.every((slot) => slot.staffId === staffId)) && found.every((slot) => Math.abs(slot.start - start) < nearReach(near, start));
	const slots = final ? found : findAlternatives(scheduleAround(context, [start], ALTERNATIVE_SEARCH_DAYS), start, staffId, ALTERNATIVES);
	const timezone = context.timezone;
	return slots.map((slot) => ({
		start: utcIso(slot.start),
		end: utcIso(slot.end),
		staffId: slot.staffId,
		localStart: localIso(slot.start, timezone),
	}));
}

export const ALTERNATIVES = 3;

/**
 * How far from `start` the near query saw everything: to the end of its last day, and to the start
 * of its first unless that is today (nothing earlier is bookable, so the wider days add nothing there).
 */
function nearReach(near: AvailabilityQuery, start: number): number {
	const rangeEnd = localDayStart(addDays(near.to, 1), near.timezone);
	const below = near.from <= localDate(near.now, near.timezone) ? Number.POSITIVE_INFINITY : start - localDayStart(near.from, near.timezone);
	return Math.min(below, rangeEnd - start);
}

/** The error for a refused single time: 422 when a rule forbids it, 409 with alternatives when it is taken. */
export function refusal(context: PlanContext, query: AvailabilityQuery, reason: Unavailability, start: number, staffId: string | null): Error {
	if (isRuleRefusal(reason)) return new UnprocessableError(reason, ruleReasons[reason]);
	const detail = reason === "no-resource" ? "No room is free at that time." : "That time has just been taken.";
	return new ConflictError(detail, suggestions(context, query, start, staffId));
}
