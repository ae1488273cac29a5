// The merchant's bookings as the admin sees them (the calendar, the bookings list, the dashboard, and
// what an admin write answers with). They are read from the merchant's object, which holds the
// schedule, so they are current the moment a write returns (D1's read model follows later); names
// come from D1's catalogue, and each confirmed booking carries the external busy time it overlaps,
// only its times and provider, never an event's details. The same conflicts seen from the busy
// block's side are in busy-view.ts.
import type { Database } from "../db/client";
import { bookingCatalogue, inactiveStaff } from "../db/queries/admin-bookings";
import type { BookingCatalogue } from "../db/queries/admin-bookings";
import { calendarProviders } from "../db/queries/connections";
import type { CalendarProvider } from "../db/schema";
import { merchantSchedule } from "./merchant-schedule";
import type { AdminBookingSelection } from "./merchant-schedule";
import type { BookingRecord, BusyRecord } from "./schedule-store";

export interface BookingConflict {
	start: number;
	end: number;
	allDay: boolean;
	tentative: boolean;
	provider: CalendarProvider;
}

export interface AdminBooking {
	booking: BookingRecord;
	/** Null for a walk-in. `id` only once the merchant's customer record for the address exists. */
	customer: { id?: string; name: string; email: string; phone: string | null } | null;
	service: { id: string; name: string; color: string; durationMinutes: number };
	staff: { id: string; name: string; color: string };
	resource: { id: string; name: string } | null;
	series: { frequency: "weekly" | "biweekly" | "monthly"; count: number } | null;
	/** External busy time of the same staff member overlapping the appointment (and blocking under the merchant's policy). */
	conflicts: BookingConflict[];
}

export interface AdminBookingsQuery {
	merchantId: string;
	/** The merchant's policy: whether tentative events block time (and so conflict), as in availability. */
	tentativeBlocks: boolean;
}

export interface BookingRange extends AdminBookingsQuery {
	/** UTC epoch ms: bookings overlapping [from, to) are listed. */
	from: number;
	to: number;
	staffId: string | null;
}

/** Bookings overlapping the range (cancelled ones included), by start. */
export async function bookingsBetween(env: Env, db: Database, range: BookingRange): Promise<AdminBooking[]> {
	return adminBookings(env, db, range, { from: range.from, to: range.to, staffId: range.staffId });
}

/** The named bookings of this merchant (ids of other merchants are absent: its object does not hold them), by start. */
export async function bookingsByIds(env: Env, db: Database, query: AdminBookingsQuery, ids: string[]): Promise<AdminBooking[]> {
	if (ids.length === 0) return [];
	return adminBookings(env, db, query, { ids });
}

async function adminBookings(env: Env, db: Database, query: AdminBookingsQuery, selection: AdminBookingSelection): Promise<AdminBooking[]> {
	const extract = await merchantSchedule(env, query.merchantId).adminBookings(selection);
	if (extract.bookings.length === 0) return [];
	const blocking = extract.busy.filter((b) => query.tentativeBlocks || !b.tentative);
	const [catalogue, providers] = await Promise.all([
		bookingCatalogue(db, query.merchantId, {
			serviceIds: unique(extract.bookings.map((b) => b.serviceId)),
			staffIds: unique(extract.bookings.map((b) => b.staffId)),
			resourceIds: unique(extract.bookings.flatMap((b) => (b.resourceId === null ? [] : [b.resourceId]))),
			customerEmails: unique(extract.bookings.flatMap((b) => (b.customerEmail === null ? [] : [b.customerEmail]))),
		}),
		calendarProviders(db, query.merchantId, unique(blocking.map((b) => b.calendarId))),
	]);
	const series = new Map(extract.series.map((s) => [s.id, s]));
	return extract.bookings.flatMap((booking) => {
		const service = catalogue.services.get(booking.serviceId);
		const member = catalogue.staff.get(booking.staffId);
		// The catalogue never deletes a service or staff member (they are deactivated), so this only
		// drops what the merchant's D1 rows do not vouch for.
		if (service === undefined || member === undefined) return [];
		const seriesRecord = booking.seriesId === null ? undefined : series.get(booking.seriesId);
		return [
			{
				booking,
				customer: customerOf(booking, catalogue),
				service,
				staff: member,
				resource: booking.resourceId === null ? null : (catalogue.resources.get(booking.resourceId) ?? null),
				series: seriesRecord === undefined ? null : { frequency: seriesRecord.frequency, count: seriesRecord.count },
				conflicts: booking.status === "confirmed" ? conflictsOf(booking, blocking, providers) : [],
			},
		];
	});
}

/**
 * The name is always the one typed on this booking: a guest booking never rewrites the stored
 * record, so it may carry someone else's spelling (or a relative booked under the same email). The
 * rest is the merchant's record of that address, which the owner sees (booking-json.ts gives staff
 * only what was given with the booking); until the read model has it, the booking's own details.
 */
function customerOf(booking: BookingRecord, catalogue: BookingCatalogue): AdminBooking["customer"] {
	if (booking.customerEmail === null) return null;
	const record = catalogue.customers.get(booking.customerEmail);
	const name = booking.customerName ?? record?.name ?? "";
	if (record === undefined) return { name, email: booking.customerEmail, phone: booking.customerPhone };
	return { id: record.id, name, email: record.email, phone: record.phone };
}

/** A block of the booking's staff member, or of the business calendar (which blocks everyone), over the appointment itself. */
function conflictsOf(booking: BookingRecord, busy: BusyRecord[], providers: Map<string, CalendarProvider>): BookingConflict[] {
	return busy.flatMap((b) => {
		const provider = providers.get(b.calendarId);
		// A calendar D1 no longer knows for this merchant is being cleared from the object: not shown.
		if (provider === undefined) return [];
		if (b.staffId !== null && b.staffId !== booking.staffId) return [];
		if (b.start >= booking.endsAt || b.end <= booking.startsAt) return [];
		return [{ start: b.start, end: b.end, allDay: b.allDay, tentative: b.tentative, provider }];
	});
}

export interface InactiveStaffBookings {
	staffId: string;
	name: string;
	count: number;
	/** The first one's start, so the owner can be sent to that day. */
	first: number;
}

/**
 * Confirmed bookings not yet over whose staff member was deactivated (with `staffId`, only theirs),
 * by the staff member's name: they stay, and someone has to move them to a colleague or cancel them.
 * Who is deactivated is D1's word (the object's setup copy may not have caught up yet).
 */
export async function upcomingWithInactiveStaff(env: Env, db: Database, merchantId: string, now: number, staffId?: string): Promise<InactiveStaffBookings[]> {
	const inactive = await inactiveStaff(db, merchantId, staffId);
	if (inactive.length === 0) return [];
	const upcoming = new Map((await merchantSchedule(env, merchantId).upcomingByStaff(inactive.map((member) => member.id), now)).map((u) => [u.staffId, u]));
	return inactive.flatMap((member) => {
		const own = upcoming.get(member.id);
		return own === undefined ? [] : [{ staffId: member.id, name: member.name, count: own.count, first: own.first }];
	});
}

function unique(values: string[]): string[] {
	return [...new Set(values)];
}
