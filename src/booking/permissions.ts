// Who may write which booking in the admin. Owners: any booking of the merchant. Staff: they see the
// whole calendar, but add bookings (walk-ins included) only to their own column and edit, move or
// cancel only their own bookings, never moving one to a colleague; everything else is the owner's.
// Staff read a colleague's booking without the customer's contact details and the notes.
import type { MerchantMembership } from "../auth/membership";
import { ForbiddenError } from "../errors";
import type { BookingActor } from "./commands";
import type { BookingRecord } from "./schedule-store";

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

/**
 * Refuses a staff-role caller's change to a booking that is not theirs (for a series, to any of the
 * occurrences the change covers that is a colleague's) or that hands it to a colleague. Checked by
 * the merchant's object in the same synchronous step as the change, on the rows it changes.
 */
export function assertMayChange(actor: BookingActor | undefined, target: BookingRecord, covered: readonly BookingRecord[], moveToStaffId: string | null): void {
	if (actor === undefined || actor.role === "owner") return;
	const own = actor.staffId;
	if (own === null || target.staffId !== own) throw new ForbiddenError("Staff can change only their own bookings; ask an owner to change a colleague's");
	if (moveToStaffId !== null && moveToStaffId !== own) throw new ForbiddenError("Staff cannot move a booking to a colleague; ask an owner");
	if (covered.some((row) => row.staffId !== own)) throw new ForbiddenError("Later bookings of this series are with a colleague; change just this one, or ask an owner");
}
