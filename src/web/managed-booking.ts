// A booking as its manage-token holder may see it: the booking with its merchant, service, staff
// member and customer. Any mismatch is a plain "not found", never a hint that the id exists.
import { and, eq } from "drizzle-orm";
import { manageToken, verifyManageToken } from "../booking/manage-token";
import type { Database } from "../db/client";
import { bookings, customers, merchants, services, staff } from "../db/schema";
import { NotFoundError } from "../errors";

type BookingRow = typeof bookings.$inferSelect;

export interface ManagedBooking {
	booking: BookingRow;
	merchant: typeof merchants.$inferSelect;
	service: typeof services.$inferSelect;
	staffMember: typeof staff.$inferSelect;
	customer: typeof customers.$inferSelect | null;
	manageUrl: string;
}

/** The booking a manage token opens; a missing or wrong token and an unknown id are the same 404. */
export async function managedBookingRow(db: Database, env: Env, id: string, token: string | undefined): Promise<BookingRow> {
	if (token === undefined || token === "" || !(await verifyManageToken(env.SESSION_SECRET, id, token))) throw new NotFoundError("Booking");
	const booking = await db.query.bookings.findFirst({ where: eq(bookings.id, id) });
	if (booking === undefined) throw new NotFoundError("Booking");
	return booking;
}

/** The booking a manage token opens, with what a page or the API shows beside it. */
export async function managedBooking(db: Database, env: Env, id: string, token: string | undefined): Promise<ManagedBooking> {
	const booking = await managedBookingRow(db, env, id, token);
	const [merchant, service, staffMember, customer] = await Promise.all([
		db.query.merchants.findFirst({ where: eq(merchants.id, booking.merchantId) }),
		db.query.services.findFirst({ where: and(eq(services.id, booking.serviceId), eq(services.merchantId, booking.merchantId)) }),
		db.query.staff.findFirst({ where: and(eq(staff.id, booking.staffId), eq(staff.merchantId, booking.merchantId)) }),
		booking.customerId === null
			? Promise.resolve(undefined)
			: db.query.customers.findFirst({ where: and(eq(customers.id, booking.customerId), eq(customers.merchantId, booking.merchantId)) }),
	]);
	if (merchant === undefined || service === undefined || staffMember === undefined) throw new NotFoundError("Booking");
	const manageUrl = `${env.APP_URL}/manage/${booking.id}?token=${await manageToken(env.SESSION_SECRET, booking.id)}`;
	return { booking, merchant, service, staffMember, customer: customer ?? null, manageUrl };
}
