// The place of one booking as the people in it see it, from D1's rows: the staff member's own place or
// the service's, with the business address and the customer's number filled in. For what is read from
// D1 (the manage page, its .ics, the staff member's calendar event); emails read the object's copy.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { merchants } from "../db/schema";
import { placeOfBooking } from "../place";
import type { PlaceColumns } from "../place";
import { bookedPlaceView, placeLocation } from "../place-view";
import type { PlaceView } from "../place-view";

export function bookedPlaceOf(service: PlaceColumns, staffMember: PlaceColumns | undefined, businessAddress: string | null, customerPhone: string | null): PlaceView {
	const place = placeOfBooking(service, staffMember);
	return bookedPlaceView(place, businessAddress, customerPhone);
}

/** The calendar event's LOCATION for a booking of `service` with `staffMember` (one D1 read: the business address). */
export async function bookedLocation(db: Database, booking: { merchantId: string; customerPhone: string | null }, service: PlaceColumns, staffMember: PlaceColumns | undefined): Promise<string | null> {
	const merchant = await db.query.merchants.findFirst({ where: eq(merchants.id, booking.merchantId), columns: { address: true } });
	return placeLocation(bookedPlaceOf(service, staffMember, merchant?.address ?? null, booking.customerPhone));
}
