// Loads everything the availability core needs for one service over a window of instants. The
// reads are exposed as statements too, so a caller can put them in the same D1 batch as its own.
import { and, eq, gt, gte, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { SQL, SQLWrapper } from "drizzle-orm";
import type { AvailabilityQuery, ResourceSchedule, StaffSchedule } from "../../availability/types";
import { coveringWindow } from "../../time";
import type { Database } from "../client";
import { bookings, busyBlocks, dateOverrides, timeOff, workingHours } from "../schema";
import type { MerchantRow, ResourceRow, ServiceRow, StaffRow } from "./catalog";

export interface ScheduleWindow {
	/** UTC epoch ms (or an SQL expression of it); intervals overlapping [from, to) are loaded. */
	from: number | SQL;
	to: number | SQL;
	/** "YYYY-MM-DD" bounds for date overrides (a superset of the window's local dates). */
	fromDate: string;
	toDate: string;
}

export interface ScheduleRequest {
	merchant: MerchantRow;
	service: ServiceRow;
	staff: StaffRow[];
	resources: ResourceRow[];
	window: ScheduleWindow;
	/** Customer-facing day range and zone for the query. */
	from: string;
	to: string;
	timezone: string;
	now: number;
	/** A booking being rescheduled does not block its own new time. */
	excludeBookingIds?: string[];
}

export interface ScheduleScope {
	merchantId: string;
	/** Whose schedules: ids, or a subquery selecting them (so the reads can share a batch with it). */
	staffIds: string[] | SQLWrapper;
	resourceIds: string[] | SQLWrapper;
	window: ScheduleWindow;
}

/**
 * The window to load for slots starting on the customer days [from, to] of a service whose slots
 * block `blockMs` (duration and buffers): a number, or an SQL expression when the service is read
 * in the same batch.
 */
export function scheduleWindow(from: string, to: string, blockMs: number | SQL): ScheduleWindow {
	const days = coveringWindow(from, to, 0);
	if (typeof blockMs === "number") return { ...days, from: days.from - blockMs, to: days.to + blockMs };
	return { ...days, from: sql`${days.from} - ${blockMs}`, to: sql`${days.to} + ${blockMs}` };
}

/** The six reads of a schedule, in the order assembleSchedule takes their results. */
export function scheduleReads(db: Database, scope: ScheduleScope) {
	const { window } = scope;
	// An empty list would be invalid SQL; no id is "".
	const staffIds = Array.isArray(scope.staffIds) && scope.staffIds.length === 0 ? [""] : scope.staffIds;
	const resourceIds = Array.isArray(scope.resourceIds) && scope.resourceIds.length === 0 ? [""] : scope.resourceIds;
	return [
		db.select().from(workingHours).where(inArray(workingHours.staffId, staffIds)),
		db
			.select()
			.from(dateOverrides)
			.where(and(inArray(dateOverrides.staffId, staffIds), gte(dateOverrides.date, window.fromDate), lte(dateOverrides.date, window.toDate))),
		db
			.select()
			.from(timeOff)
			.where(and(inArray(timeOff.staffId, staffIds), lt(timeOff.startsAt, window.to), gt(timeOff.endsAt, window.from))),
		db
			.select({ id: bookings.id, staffId: bookings.staffId, start: bookings.blockStart, end: bookings.blockEnd })
			.from(bookings)
			.where(and(inArray(bookings.staffId, staffIds), eq(bookings.status, "confirmed"), lt(bookings.blockStart, window.to), gt(bookings.blockEnd, window.from))),
		db
			.select({ staffId: busyBlocks.staffId, start: busyBlocks.startsAt, end: busyBlocks.endsAt, tentative: busyBlocks.tentative })
			.from(busyBlocks)
			.where(
				and(
					eq(busyBlocks.merchantId, scope.merchantId),
					// The business calendar's blocks (no staff member) take everyone's time.
					or(inArray(busyBlocks.staffId, staffIds), isNull(busyBlocks.staffId)),
					lt(busyBlocks.startsAt, window.to),
					gt(busyBlocks.endsAt, window.from),
				),
			),
		db
			.select({ id: bookings.id, resourceId: bookings.resourceId, start: bookings.blockStart, end: bookings.blockEnd })
			.from(bookings)
			.where(and(inArray(bookings.resourceId, resourceIds), eq(bookings.status, "confirmed"), lt(bookings.blockStart, window.to), gt(bookings.blockEnd, window.from))),
	] as const;
}

/** Each statement's result, position by position (generic, so tuples map to tuples). */
type Results<T extends readonly unknown[]> = { readonly [K in keyof T]: Awaited<T[K]> };
/** What the reads of scheduleReads return, in order. */
export type ScheduleRows = Results<ReturnType<typeof scheduleReads>>;

/** Builds the availability query from the rows of scheduleReads; rows of other staff or resources are ignored. */
export function assembleSchedule(request: Omit<ScheduleRequest, "window">, rows: ScheduleRows): AvailabilityQuery {
	const [hours, overrides, absences, staffBookings, busy, resourceBookings] = rows;
	const excluded = new Set(request.excludeBookingIds ?? []);
	const staffSchedules: StaffSchedule[] = request.staff.map((member) => ({
		id: member.id,
		timezone: member.timezone,
		weeklyHours: hours.filter((h) => h.staffId === member.id).map((h) => ({ weekday: h.weekday, start: h.startTime, end: h.endTime })),
		overrides: overrides.filter((o) => o.staffId === member.id).map((o) => ({ date: o.date, intervals: o.intervals })),
		timeOff: absences.filter((a) => a.staffId === member.id).map((a) => ({ start: a.startsAt, end: a.endsAt })),
		bookings: staffBookings.filter((b) => b.staffId === member.id && !excluded.has(b.id)).map((b) => ({ start: b.start, end: b.end })),
		busy: busy.filter((b) => b.staffId === member.id || b.staffId === null).map((b) => ({ start: b.start, end: b.end, tentative: b.tentative })),
	}));
	const resourceSchedules: ResourceSchedule[] = request.resources.map((resource) => ({
		id: resource.id,
		bookings: resourceBookings.filter((b) => b.resourceId === resource.id && !excluded.has(b.id)).map((b) => ({ start: b.start, end: b.end })),
	}));

	return {
		now: request.now,
		from: request.from,
		to: request.to,
		timezone: request.timezone,
		service: {
			durationMinutes: request.service.durationMinutes,
			bufferBeforeMinutes: request.service.bufferBeforeMinutes,
			bufferAfterMinutes: request.service.bufferAfterMinutes,
			minNoticeMinutes: request.service.minNoticeMinutes,
			horizonDays: request.service.horizonDays,
			slotIntervalMinutes: request.service.slotIntervalMinutes,
			requiresResource: request.service.requiredResourceType !== null,
		},
		staff: staffSchedules,
		resources: resourceSchedules,
		tentativeBlocks: request.merchant.settings.tentativeBlocks,
	};
}

/** Loads the schedule of `request.staff` and `request.resources` in one D1 batch. */
export async function loadSchedule(db: Database, request: ScheduleRequest): Promise<AvailabilityQuery> {
	if (request.staff.length === 0) return assembleSchedule(request, [[], [], [], [], [], []]);
	const rows = await db.batch(
		scheduleReads(db, {
			merchantId: request.merchant.id,
			staffIds: request.staff.map((member) => member.id),
			resourceIds: request.resources.map((resource) => resource.id),
			window: request.window,
		}),
	);
	return assembleSchedule(request, rows);
}
