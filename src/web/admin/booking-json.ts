// The admin's JSON view of a booking, shaped by who is looking. Everyone in the business sees the
// calendar (times, service, staff member, the customer's name); the customer's contact details and
// the notes only the owner and the booking's own staff member see (see src/booking/permissions.ts), and
// that staff member only the details given with the booking, never the stored customer record.
import type { MerchantMembership } from "../../auth/membership";
import type { AdminBooking } from "../../booking/calendar-view";
import type { MeetingView } from "../../meetings/meeting-view";
import { localIso, utcIso } from "../../time";
import { maySeeCustomerDetails } from "../../booking/permissions";
import type { AdminBookingJson } from "./schemas";

/** `meeting`: the booking's video meeting (meeting-view.ts), or undefined when it has none. */
export function adminBookingJson(entry: AdminBooking, viewer: MerchantMembership, meeting: MeetingView | undefined): AdminBookingJson {
	const b = entry.booking;
	const full = maySeeCustomerDetails(viewer, b.staffId);
	const customer = entry.customer;
	return {
		id: b.id,
		status: b.status,
		start: utcIso(b.startsAt),
		end: utcIso(b.endsAt),
		localStart: localIso(b.startsAt, b.timezone),
		timezone: b.timezone,
		walkIn: b.walkIn,
		// Built field by field for staff, so a column added to the customer never slips through. The
		// record's phone is the owner's to see: a staff member may book with a colleague's customer's
		// address, and must not get back what that customer told someone else.
		customer:
			customer === null
				? null
				: viewer.role === "owner"
					? customer
					: full
						? { id: customer.id, name: customer.name, email: customer.email, phone: b.customerPhone }
						: { name: customer.name },
		detailsHidden: !full,
		service: entry.service,
		staff: entry.staff,
		resource: entry.resource,
		// Merchant notes go too: they are where the staff write what a customer told them.
		customerNotes: full ? b.customerNotes : null,
		merchantNotes: full ? b.merchantNotes : null,
		series: b.seriesId === null ? null : { id: b.seriesId, index: b.seriesIndex, frequency: entry.series?.frequency ?? null, count: entry.series?.count ?? null },
		// Only times and the provider of the external event: never its title or other details.
		conflict: entry.conflicts.length > 0,
		conflicts: entry.conflicts.map((busy) => ({ start: utcIso(busy.start), end: utcIso(busy.end), allDay: busy.allDay, tentative: busy.tentative, provider: busy.provider })),
		// The join link is for the people in the booking (an owner, its staff member); a colleague sees only where it stands.
		meeting: meeting === undefined ? null : { provider: meeting.provider, state: meeting.state, joinUrl: full ? meeting.joinUrl : null, error: meeting.error },
		version: b.version,
	};
}
