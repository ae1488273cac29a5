// Who may write which booking in the admin. Owners: any booking of the merchant. Staff: they see the
// whole calendar, but add bookings (walk-ins included) only to their own column and edit, move or
// cancel only their own bookings, never moving one to a colleague; everything else is the owner's.
// Staff read a colleague's booking without the customer's contact details and the notes.
import { and, eq, gte, ne } from "drizzle-orm";
import type { MerchantMembership } from "../../auth/membership";
import type { Database } from "../../db/client";
import { bookings } from "../../db/schema";
import { ForbiddenError, NotFoundError } from "../../errors";

/** The staff member a staff-role caller books for; throws when they may not book for `requested`. */
export function staffForNewBooking(membership: MerchantMembership, requested: string | undefined): string | undefined {
	if (membership.role === "owner") return requested;
	if (membership.staffId === null) throw new ForbiddenError("Your account is not linked to a staff member here, so it cannot add bookings");
	if (requested !== undefined && requested !== membership.staffId) throw new ForbiddenError("Staff can add bookings only to their own calendar; ask an owner to book a colleague");
	// "Whoever is free" would let staff fill a colleague's day: a staff member books themselves.
	return membership.staffId;
}

/** Whether the viewer sees a booking's customer contact details and notes: owners always, staff only on their own. */
export function maySeeCustomerDetails(membership: MerchantMembership, bookingStaffId: string): boolean {
	return membership.role === "owner" || (membership.staffId !== null && membership.staffId === bookingStaffId);
}

export interface BookingChangeRequest {
	bookingId: string;
	scope: "one" | "series";
	/** A reschedule's new staff member, if it names one. */
	moveToStaffId?: string | undefined;
}

/**
 * Refuses a staff-role caller's change to a booking that is not theirs (for `series`, to any later
 * confirmed occurrence that is a colleague's) or that hands it to a colleague. Another merchant's
 * booking is "not found", exactly as the write itself would answer.
 */
export async function assertMayChangeBooking(db: Database, membership: MerchantMembership, request: BookingChangeRequest): Promise<void> {
	if (membership.role === "owner") return;
	const row = await db
		.select({ staffId: bookings.staffId, seriesId: bookings.seriesId, seriesIndex: bookings.seriesIndex })
		.from(bookings)
		.where(and(eq(bookings.id, request.bookingId), eq(bookings.merchantId, membership.merchantId)))
		.get();
	if (row === undefined) throw new NotFoundError("Booking");
	const own = membership.staffId;
	if (own === null || row.staffId !== own) throw new ForbiddenError("Staff can change only their own bookings; ask an owner to change a colleague's");
	if (request.moveToStaffId !== undefined && request.moveToStaffId !== own) {
		throw new ForbiddenError("Staff cannot move a booking to a colleague; ask an owner");
	}
	if (request.scope === "series" && row.seriesId !== null) {
		const colleagues = await db
			.select({ id: bookings.id })
			.from(bookings)
			.where(
				and(
					eq(bookings.seriesId, row.seriesId),
					eq(bookings.status, "confirmed"),
					gte(bookings.seriesIndex, row.seriesIndex ?? 0),
					ne(bookings.staffId, own),
				),
			)
			.get();
		if (colleagues !== undefined) throw new ForbiddenError("Later bookings of this series are with a colleague; change just this one, or ask an owner");
	}
}
