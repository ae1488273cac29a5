// The prepared form of an AvailabilityQuery shared by every entry point: validated rules in
// milliseconds, one zone clock per zone, and each staff member's blocking time merged once.
import { Temporal } from "temporal-polyfill";
import { NotFoundError, ValidationError } from "../errors";
import type { FieldProblem } from "../errors";
import { createZoneClock } from "../zones";
import type { ZoneClock } from "../zones";
import { MS_PER_MINUTE } from "./calendar";
import { findOverlap, mergeIntervals } from "./intervals";
import type { AvailabilityQuery, Interval, StaffSchedule } from "./types";
import { prepareHours } from "./working-hours";
import type { HoursPattern } from "./working-hours";

export interface StaffContext {
	index: number;
	schedule: StaffSchedule;
	clock: ZoneClock;
	hours: HoursPattern;
	/** Bookings, counted busy blocks and time off, sorted and merged. */
	blockers: Interval[];
}

export interface QueryContext {
	query: AvailabilityQuery;
	customerClock: ZoneClock;
	durationMs: number;
	bufferBeforeMs: number;
	bufferAfterMs: number;
	stepMs: number;
	/** No start before this: now plus minimum notice. */
	earliest: number;
	/** No start after this (inclusive): now plus the horizon, in the customer's calendar days. */
	latest: number;
	/** Each resource's bookings merged, in the query's order (empty unless a resource is required). */
	resources: Array<{ id: string; bookings: Interval[] }>;
	staff(index: number): StaffContext;
	staffIndex(staffId: string): number;
}

function checkRules(query: AvailabilityQuery): void {
	const s = query.service;
	const problems: FieldProblem[] = [];
	const rules: Array<[keyof typeof s, number, boolean]> = [
		["durationMinutes", s.durationMinutes, s.durationMinutes > 0],
		["slotIntervalMinutes", s.slotIntervalMinutes, s.slotIntervalMinutes > 0],
		["bufferBeforeMinutes", s.bufferBeforeMinutes, s.bufferBeforeMinutes >= 0],
		["bufferAfterMinutes", s.bufferAfterMinutes, s.bufferAfterMinutes >= 0],
		["minNoticeMinutes", s.minNoticeMinutes, s.minNoticeMinutes >= 0],
		["horizonDays", s.horizonDays, s.horizonDays >= 0],
	];
	for (const [name, value, inRange] of rules) {
		if (!Number.isInteger(value) || !inRange) problems.push({ field: `service.${name}`, message: "out of range" });
	}
	if (!Number.isFinite(query.now)) problems.push({ field: "now", message: "must be epoch milliseconds" });
	if (problems.length > 0) throw new ValidationError(problems);
}

/** Validates a query and prepares what every computation needs; staff are prepared on first use. */
export function createContext(query: AvailabilityQuery): QueryContext {
	checkRules(query);
	const clocks = new Map<string, ZoneClock>();
	function clockFor(timeZone: string, field: string): ZoneClock {
		let clock = clocks.get(timeZone);
		if (clock === undefined) {
			clock = createZoneClock(timeZone, field);
			clocks.set(timeZone, clock);
		}
		return clock;
	}
	const customerClock = clockFor(query.timezone, "timezone");
	const service = query.service;
	const latest = Temporal.Instant.fromEpochMilliseconds(query.now)
		.toZonedDateTimeISO(query.timezone)
		.add({ days: service.horizonDays }).epochMilliseconds;

	const prepared: Array<StaffContext | undefined> = [];
	function staff(index: number): StaffContext {
		const existing = prepared[index];
		if (existing !== undefined) return existing;
		const schedule = query.staff[index];
		if (schedule === undefined) throw new NotFoundError("Staff member");
		const field = `staff.${index}`;
		const busy = query.tentativeBlocks ? schedule.busy : schedule.busy.filter((b) => !b.tentative);
		const context: StaffContext = {
			index,
			schedule,
			clock: clockFor(schedule.timezone, `${field}.timezone`),
			hours: prepareHours(schedule, field),
			blockers: mergeIntervals(schedule.bookings, busy, schedule.timeOff),
		};
		prepared[index] = context;
		return context;
	}

	function staffIndex(staffId: string): number {
		const index = query.staff.findIndex((s) => s.id === staffId);
		if (index === -1) throw new NotFoundError("Staff member");
		return index;
	}

	return {
		query,
		customerClock,
		durationMs: service.durationMinutes * MS_PER_MINUTE,
		bufferBeforeMs: service.bufferBeforeMinutes * MS_PER_MINUTE,
		bufferAfterMs: service.bufferAfterMinutes * MS_PER_MINUTE,
		stepMs: service.slotIntervalMinutes * MS_PER_MINUTE,
		earliest: query.now + service.minNoticeMinutes * MS_PER_MINUTE,
		latest,
		resources: service.requiresResource
			? query.resources.map((r) => ({ id: r.id, bookings: mergeIntervals(r.bookings) }))
			: [],
		staff,
		staffIndex,
	};
}

/**
 * The resource a slot with blocked span [blockStart, blockEnd) would take: null when the service
 * needs none, the first free one in the query's order, or undefined when all are taken.
 */
export function resourceFor(ctx: QueryContext, blockStart: number, blockEnd: number): string | null | undefined {
	if (!ctx.query.service.requiresResource) return null;
	for (const resource of ctx.resources) {
		if (findOverlap(resource.bookings, blockStart, blockEnd) === undefined) return resource.id;
	}
	return undefined;
}
