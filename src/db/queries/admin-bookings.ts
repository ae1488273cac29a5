// Admin calendar reads: bookings with their customer, service, staff and series, and the external
// busy blocks that overlap them, seen from both sides (the booking's conflicts, the block's bookings).
// Busy blocks carry times and the provider only, never details.
import { and, asc, eq, gt, gte, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Database } from "../client";
import { bookingSeries, bookings, busyBlocks, calendarConnections, connectionCalendars, customers, resources, services, staff } from "../schema";
import type { CalendarProvider } from "../schema";

/** The bookings_block_span check bounds every booking to 7 days, so overlap scans can use the start index. */
const MAX_BOOKING_MS = 7 * 24 * 60 * 60 * 1000;

export interface BusyRecord {
	id: string;
	staffId: string | null;
	start: number;
	end: number;
	allDay: boolean;
	tentative: boolean;
	provider: CalendarProvider;
}

export interface AdminBooking {
	booking: typeof bookings.$inferSelect;
	customer: { id: string; name: string; email: string; phone: string | null } | null;
	service: { id: string; name: string; color: string; durationMinutes: number };
	staff: { id: string; name: string; color: string };
	resource: { id: string; name: string } | null;
	series: { frequency: "weekly" | "biweekly" | "monthly"; count: number } | null;
	/** External busy time of the same staff member overlapping the appointment (and blocking under the merchant's policy). */
	conflicts: BusyRecord[];
}

function selectBookings(db: Database, where: SQL | undefined) {
	return db
		.select({
			booking: bookings,
			customer: { id: customers.id, name: customers.name, email: customers.email, phone: customers.phone },
			service: { id: services.id, name: services.name, color: services.color, durationMinutes: services.durationMinutes },
			staff: { id: staff.id, name: staff.name, color: staff.color },
			resource: { id: resources.id, name: resources.name },
			series: { frequency: bookingSeries.frequency, count: bookingSeries.count },
		})
		.from(bookings)
		.innerJoin(services, eq(services.id, bookings.serviceId))
		.innerJoin(staff, eq(staff.id, bookings.staffId))
		.leftJoin(customers, eq(customers.id, bookings.customerId))
		.leftJoin(resources, eq(resources.id, bookings.resourceId))
		.leftJoin(bookingSeries, eq(bookingSeries.id, bookings.seriesId))
		.where(where)
		.orderBy(asc(bookings.startsAt), asc(bookings.id));
}

type SelectedBooking = Omit<AdminBooking, "conflicts">;

/**
 * The name shown is the one typed on that booking: a guest booking never rewrites the stored
 * customer, so the record may carry someone else's spelling (or a relative booked under the same
 * email). Bookings made before the column existed fall back to the record.
 */
function withBookingName(row: SelectedBooking): SelectedBooking {
	if (row.customer === null) return row;
	return { ...row, customer: { ...row.customer, name: row.booking.customerName ?? row.customer.name } };
}

/**
 * Busy blocks overlapping [from, to) of `staffIds` (null: every staff member). The business-wide
 * calendar's blocks (no staff member) take everyone's time, so they are always included.
 */
export async function busyBetween(db: Database, merchantId: string, from: number, to: number, staffIds: string[] | null): Promise<BusyRecord[]> {
	return db
		.select({
			id: busyBlocks.id,
			staffId: busyBlocks.staffId,
			start: busyBlocks.startsAt,
			end: busyBlocks.endsAt,
			allDay: busyBlocks.allDay,
			tentative: busyBlocks.tentative,
			provider: calendarConnections.provider,
		})
		.from(busyBlocks)
		.innerJoin(connectionCalendars, eq(connectionCalendars.id, busyBlocks.calendarId))
		.innerJoin(calendarConnections, eq(calendarConnections.id, connectionCalendars.connectionId))
		.where(
			and(
				eq(busyBlocks.merchantId, merchantId),
				eq(calendarConnections.merchantId, merchantId),
				staffIds === null ? undefined : or(isNull(busyBlocks.staffId), staffIds.length === 0 ? undefined : inArray(busyBlocks.staffId, staffIds)),
				lt(busyBlocks.startsAt, to),
				gt(busyBlocks.endsAt, from),
			),
		)
		.orderBy(asc(busyBlocks.startsAt), asc(busyBlocks.id));
}

async function withConflicts(db: Database, merchantId: string, selected: SelectedBooking[], tentativeBlocks: boolean): Promise<AdminBooking[]> {
	const rows = selected.map(withBookingName);
	const confirmed = rows.filter((r) => r.booking.status === "confirmed");
	if (confirmed.length === 0) return rows.map((r) => ({ ...r, conflicts: [] }));
	const from = Math.min(...confirmed.map((r) => r.booking.startsAt));
	const to = Math.max(...confirmed.map((r) => r.booking.endsAt));
	const staffIds = [...new Set(confirmed.map((r) => r.booking.staffId))];
	// Tentative events count only when the merchant lets them block time, as in availability.
	const busy = (await busyBetween(db, merchantId, from, to, staffIds)).filter((b) => tentativeBlocks || !b.tentative);
	return rows.map((r) => ({
		...r,
		conflicts:
			r.booking.status === "confirmed" ? busy.filter((b) => (b.staffId === null || b.staffId === r.booking.staffId) && b.start < r.booking.endsAt && b.end > r.booking.startsAt) : [],
	}));
}

/** A busy block with the confirmed bookings it overlaps: the same conflict, seen from the block. */
export interface BusyWithConflicts extends BusyRecord {
	/** Ids of the confirmed bookings of the block's staff member (anyone's, for the business calendar) it overlaps. */
	conflictsWith: string[];
}

/**
 * Busy blocks as busyBetween, each with the bookings it conflicts with. An external event never
 * cancels a booking; both sides are flagged instead. Tentative blocks count only when the merchant
 * lets them block time, exactly as for the bookings' own conflicts.
 */
export async function busyWithConflicts(db: Database, merchantId: string, from: number, to: number, staffIds: string[] | null, tentativeBlocks: boolean): Promise<BusyWithConflicts[]> {
	const busy = await busyBetween(db, merchantId, from, to, staffIds);
	if (busy.length === 0) return [];
	// Bookings overlapping the blocks themselves, which may reach past the range asked for.
	const low = Math.min(...busy.map((b) => b.start));
	const high = Math.max(...busy.map((b) => b.end));
	const confirmed = await db
		.select({ id: bookings.id, staffId: bookings.staffId, start: bookings.startsAt, end: bookings.endsAt })
		.from(bookings)
		.where(
			and(
				eq(bookings.merchantId, merchantId),
				eq(bookings.status, "confirmed"),
				gte(bookings.startsAt, low - MAX_BOOKING_MS),
				lt(bookings.startsAt, high),
				gt(bookings.endsAt, low),
				staffIds === null ? undefined : inArray(bookings.staffId, staffIds.length === 0 ? [""] : staffIds),
			),
		)
		.all();
	return busy.map((b) => ({
		...b,
		conflictsWith:
			b.tentative && !tentativeBlocks ? [] : confirmed.filter((r) => (b.staffId === null || r.staffId === b.staffId) && r.start < b.end && r.end > b.start).map((r) => r.id),
	}));
}

export interface BookingRange {
	merchantId: string;
	/** UTC epoch ms: bookings overlapping [from, to) are listed. */
	from: number;
	to: number;
	staffId: string | null;
	tentativeBlocks: boolean;
}

export async function bookingsBetween(db: Database, range: BookingRange): Promise<AdminBooking[]> {
	const rows = await selectBookings(
		db,
		and(
			eq(bookings.merchantId, range.merchantId),
			gte(bookings.startsAt, range.from - MAX_BOOKING_MS),
			lt(bookings.startsAt, range.to),
			gt(bookings.endsAt, range.from),
			range.staffId === null ? undefined : eq(bookings.staffId, range.staffId),
		),
	);
	return withConflicts(db, range.merchantId, rows, range.tentativeBlocks);
}

/** The named bookings of this merchant (ids of other merchants are silently absent). */
export async function bookingsByIds(db: Database, merchantId: string, ids: string[], tentativeBlocks: boolean): Promise<AdminBooking[]> {
	if (ids.length === 0) return [];
	const rows = await selectBookings(db, and(eq(bookings.merchantId, merchantId), inArray(bookings.id, ids)));
	return withConflicts(db, merchantId, rows, tentativeBlocks);
}

export interface InactiveStaffBookings {
	staffId: string;
	name: string;
	count: number;
	/** The first one's start, so the owner can be sent to that day. */
	first: number;
}

/**
 * Confirmed bookings not yet over whose staff member was deactivated (with `staffId`, only theirs):
 * they stay, and someone has to move them to a colleague or cancel them.
 */
export async function upcomingWithInactiveStaff(db: Database, merchantId: string, now: number, staffId?: string): Promise<InactiveStaffBookings[]> {
	return db
		.select({ staffId: staff.id, name: staff.name, count: sql<number>`count(*)`, first: sql<number>`min(${bookings.startsAt})` })
		.from(bookings)
		.innerJoin(staff, eq(staff.id, bookings.staffId))
		.where(
			and(
				eq(bookings.merchantId, merchantId),
				eq(bookings.status, "confirmed"),
				gt(bookings.endsAt, now),
				eq(staff.active, false),
				staffId === undefined ? undefined : eq(staff.id, staffId),
			),
		)
		.groupBy(staff.id, staff.name)
		.orderBy(asc(staff.name))
		.all();
}
