// Shared steps of every booking write: load the schedule around the requested times, check each
// occurrence with the availability core, and explain a refusal (422 reason or 409 alternatives).
import { checkSlot, findAlternatives } from "../availability";
import type { AvailabilityQuery, SlotCheck, Unavailability } from "../availability/types";
import type { Database } from "../db/client";
import type { MerchantRow, ResourceRow, ServiceRow, StaffRow } from "../db/queries/catalog";
import { resourcesOfType } from "../db/queries/catalog";
import { loadSchedule } from "../db/queries/schedule";
import { ConflictError, UnprocessableError } from "../errors";
import type { SlotSuggestion } from "../errors";
import { addDays, coveringWindow, localDate, localIso, utcIso } from "../time";
import type { WriteSource } from "./commands";

const MINUTE = 60_000;
/** How far around a refused time we look for alternatives. */
const ALTERNATIVE_SEARCH_DAYS = 14;

export interface PlanContext {
	db: Database;
	merchant: MerchantRow;
	service: ServiceRow;
	/** Candidate staff: one for a named staff member, all who offer the service for "anyone". */
	staff: StaffRow[];
	timezone: string;
	now: number;
	excludeBookingIds?: string[];
}

/** Loads the schedule covering every instant in `starts`, plus room to find alternatives. */
export async function scheduleAround(context: PlanContext, starts: number[]): Promise<AvailabilityQuery> {
	const first = Math.min(...starts);
	const last = Math.max(...starts);
	const from = addDays(localDate(first, context.timezone), -1);
	const to = addDays(localDate(last, context.timezone), ALTERNATIVE_SEARCH_DAYS);
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
export function checkFor(query: AvailabilityQuery, staffId: string, start: number, source: WriteSource): SlotCheck {
	return source === "admin" ? checkSlot(query, staffId, start, { allowOffGrid: true, ignoreRules: true }) : checkSlot(query, staffId, start);
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
