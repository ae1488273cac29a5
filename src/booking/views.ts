// Maps a bookings row to the view the write path returns.
import type { bookings } from "../db/schema";
import type { BookingView } from "./commands";

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
