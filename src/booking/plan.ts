// Shared steps of every booking write: load the schedule around the requested times, check each
// occurrence with the availability core, and explain a refusal (422 reason or 409 alternatives).
import { checkSlot, findAlternatives } from "../availability";
import type { AvailabilityQuery, CheckSlotOptions, SlotCheck, Unavailability } from "../availability";
import type { Database } from "../db/client";
import type { MerchantRow, ServiceRow, StaffRow } from "../db/queries/catalog";
import { serviceResourceIds, serviceResources } from "../db/queries/catalog";
import { assembleSchedule, scheduleReads, scheduleWindow } from "../db/queries/schedule";
import { ConflictError, UnprocessableError } from "../errors";
import type { SlotSuggestion } from "../errors";
import { addDays, localDate, localIso, utcIso } from "../time";
import type { WriteSource } from "./commands";

const MINUTE = 60_000;
/**
 * How many days either side of the requested times are loaded, and so searched for alternatives.
 * findAlternatives never looks beyond the loaded days, so every alternative offered is bookable.
 */
const ALTERNATIVE_SEARCH_DAYS = 14;

export interface PlanContext {
	db: Database;
	merchant: MerchantRow;
	service: ServiceRow;
	/** Candidate staff, in display order: everyone who could be offered as an alternative. */
	staff: StaffRow[];
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
export function daysAround(starts: number[], timezone: string, now: number): DayRange {
	const first = localDate(Math.min(...starts), timezone);
	const last = localDate(Math.max(...starts), timezone);
	const today = localDate(now, timezone);
	const searchFrom = addDays(first, -ALTERNATIVE_SEARCH_DAYS);
	const from = first < today ? first : searchFrom > today ? searchFrom : today;
	return { from, to: addDays(last, ALTERNATIVE_SEARCH_DAYS) };
}

/** Loads, in one D1 batch, the schedule of `context.staff` and the service's resources over daysAround(starts). */
export async function scheduleAround(context: PlanContext, starts: number[]): Promise<AvailabilityQuery> {
	const { db, merchant, service } = context;
	const days = daysAround(starts, context.timezone, context.now);
	const blockMs = (service.bufferBeforeMinutes + service.bufferAfterMinutes + service.durationMinutes) * MINUTE;
	const [resources, ...rows] = await db.batch([
		serviceResources(db, merchant.id, service.id),
		...scheduleReads(db, {
			merchantId: merchant.id,
			staffIds: context.staff.map((member) => member.id),
			resourceIds: serviceResourceIds(db, merchant.id, service.id),
			window: scheduleWindow(days.from, days.to, blockMs),
		}),
	]);
	return assembleSchedule(
		{ merchant, service, staff: context.staff, resources, ...days, timezone: context.timezone, now: context.now, excludeBookingIds: context.excludeBookingIds ?? [] },
		rows,
	);
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

/** The nearest free slots: `staffId`'s first when given, then the other staff in the query. */
export function suggestions(query: AvailabilityQuery, start: number, staffId: string | null, timezone: string): SlotSuggestion[] {
	return findAlternatives(query, start, staffId, 3).map((slot) => ({
		start: utcIso(slot.start),
		end: utcIso(slot.end),
		staffId: slot.staffId,
		localStart: localIso(slot.start, timezone),
	}));
}

/** The error for a refused single time: 422 when a rule forbids it, 409 with alternatives when it is taken. */
export function refusal(query: AvailabilityQuery, reason: Unavailability, start: number, staffId: string | null, timezone: string): Error {
	if (isRuleRefusal(reason)) return new UnprocessableError(reason, ruleReasons[reason]);
	const detail = reason === "no-resource" ? "No room is free at that time." : "That time has just been taken.";
	return new ConflictError(detail, suggestions(query, start, staffId, timezone));
}
