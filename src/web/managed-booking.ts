// A booking as its manage-token holder may see it: the booking with its merchant, service and staff
// member. Any mismatch is a plain "not found", never a hint that the id exists.
//
// The booking itself lives in its merchant's Durable Object; D1's bookings table is a read model the
// object writes from its outbox a few milliseconds after each change. A manage token names only the
// booking, so D1's row says which merchant's object to ask (a booking never changes merchant), and
// what is shown, moved or cancelled is the object's row, never the read model's possibly older one.
// Within those milliseconds after a booking is created its link answers 404, as for an unknown id
// (the booking API hands the link out at once; the confirmation email that carries it is queued only
// after the read model has the row).
import { and, eq } from "drizzle-orm";
import { manageToken, verifyManageToken } from "../booking/manage-token";
import { merchantSchedule } from "../booking/merchant-schedule";
import type { BookingRecord } from "../booking/schedule-store";
import type { Database } from "../db/client";
import { bookings, merchants, services, staff } from "../db/schema";
import { NotFoundError } from "../errors";

export interface ManagedBooking {
	/** The merchant object's current row, with the customer's details as given with this booking. */
	booking: BookingRecord;
	merchant: typeof merchants.$inferSelect;
	service: typeof services.$inferSelect;
	staffMember: typeof staff.$inferSelect;
	manageUrl: string;
}

/**
 * The merchant of the booking a manage token opens, from the read model (see above): cancelling and
 * moving ask that merchant's object, which refuses an id it does not hold. A missing or wrong token
 * and an unknown id are the same 404.
 */
export async function managedBookingMerchant(db: Database, env: Env, id: string, token: string | undefined): Promise<string> {
	if (token === undefined || token === "" || !(await verifyManageToken(env.SESSION_SECRET, id, token))) throw new NotFoundError("Booking");
	const row = await db.query.bookings.findFirst({ where: eq(bookings.id, id), columns: { merchantId: true } });
	if (row === undefined) throw new NotFoundError("Booking");
	return row.merchantId;
}

/** The booking a manage token opens, with what a page or the API shows beside it. */
export async function managedBooking(db: Database, env: Env, id: string, token: string | undefined): Promise<ManagedBooking> {
	const merchantId = await managedBookingMerchant(db, env, id, token);
	const [booking, merchant] = await Promise.all([merchantSchedule(env, merchantId).booking(id), db.query.merchants.findFirst({ where: eq(merchants.id, merchantId) })]);
	if (booking === null || merchant === undefined) throw new NotFoundError("Booking");
	// The object's row names the service and staff member now (a move may have changed them).
	const [service, staffMember] = await Promise.all([
		db.query.services.findFirst({ where: and(eq(services.id, booking.serviceId), eq(services.merchantId, merchantId)) }),
		db.query.staff.findFirst({ where: and(eq(staff.id, booking.staffId), eq(staff.merchantId, merchantId)) }),
	]);
	if (service === undefined || staffMember === undefined) throw new NotFoundError("Booking");
	const manageUrl = `${env.APP_URL}/manage/${booking.id}?token=${await manageToken(env.SESSION_SECRET, booking.id)}`;
	return { booking, merchant, service, staffMember, manageUrl };
}
