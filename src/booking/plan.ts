// Shared steps of every booking write: load the schedule around the requested times, check each
// occurrence with the availability core, and explain a refusal (422 reason or 409 alternatives).
import { checkSlot, findAlternatives } from "../availability";
import type { AvailabilityQuery, CheckSlotOptions, SlotCheck, Unavailability } from "../availability";
import type { Database } from "../db/client";
import type { MerchantRow, ResourceRow, ServiceRow, StaffRow } from "../db/queries/catalog";
import { resourcesOfType } from "../db/queries/catalog";
import { loadSchedule } from "../db/queries/schedule";
import { ConflictError, UnprocessableError } from "../errors";
import type { SlotSuggestion } from "../errors";
import { addDays, coveringWindow, localDate, localIso, utcIso } from "../time";
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

/**
 * Loads the schedule of the customer's days from two weeks before the earliest of `starts` (but
 * not before today) to two weeks after the latest. The query's day range is exactly what was
 * loaded, which is also the range alternatives are searched in.
 */
export async function scheduleAround(context: PlanContext, starts: number[]): Promise<AvailabilityQuery> {
	const first = localDate(Math.min(...starts), context.timezone);
	const last = localDate(Math.max(...starts), context.timezone);
	const today = localDate(context.now, context.timezone);
	const searchFrom = addDays(first, -ALTERNATIVE_SEARCH_DAYS);
	// Days before today hold no bookable slot, so they are not loaded (unless a start lies there).
	const from = first < today ? first : searchFrom > today ? searchFrom : today;
	const to = addDays(last, ALTERNATIVE_SEARCH_DAYS);
	const resources: ResourceRow[] =
		context.service.requiredResourceType === null
			? []
			: await resourcesOfType(context.db, context.merchant.id, context.service.requiredResourceType);
	const bufferMs = (context.service.bufferBeforeMinutes + context.service.bufferAfterMinutes + context.service.durationMinutes) * MINUTE;
	return loadSchedule(context.db, {
		merchant: context.merchant,
		service: context.service,
		staff: context.staff,
		resources,
		window: coveringWindow(from, to, bufferMs),
		from,
		to,
		timezone: context.timezone,
		now: context.now,
		excludeBookingIds: context.excludeBookingIds ?? [],
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
