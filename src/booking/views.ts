// Maps a booking (a D1 read-model row, or the object's own record) to the view the write path returns.
import type { bookings } from "../db/schema";
import type { BookingView } from "./commands";
import type { BookingRecord } from "./schedule-store";

export function bookingView(row: typeof bookings.$inferSelect): BookingView {
	return {
		id: row.id,
		merchantId: row.merchantId,
		status: row.status,
		start: row.startsAt,
		end: row.endsAt,
		timezone: row.timezone,
		staffId: row.staffId,
		serviceId: row.serviceId,
		resourceId: row.resourceId,
		customerId: row.customerId,
		seriesId: row.seriesId,
		seriesIndex: row.seriesIndex,
		originalStart: row.originalStartsAt,
		walkIn: row.walkIn,
		customerNotes: row.customerNotes,
		merchantNotes: row.merchantNotes,
		version: row.version,
	};
}

/**
 * A booking of the merchant's object as the write path reports it. The customer record's id is D1's,
 * assigned when the change reaches the read model, so it is not known here.
 */
export function bookingRecordView(row: BookingRecord, merchantId: string): BookingView {
	return {
		id: row.id,
		merchantId,
		status: row.status,
		start: row.startsAt,
		end: row.endsAt,
		timezone: row.timezone,
		staffId: row.staffId,
		serviceId: row.serviceId,
		resourceId: row.resourceId,
		customerId: null,
		seriesId: row.seriesId,
		seriesIndex: row.seriesIndex,
		originalStart: row.originalStartsAt,
		walkIn: row.walkIn,
		customerNotes: row.customerNotes,
		merchantNotes: row.merchantNotes,
		version: row.version,
	};
}
