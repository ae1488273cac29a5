// GET /api/v1/bookings/{id}/calendar.ics?token=: the booking as an .ics file for the manage-token holder
// ("add to calendar"); for a single booking the same event (UID, SEQUENCE) as the confirmation email's.
import { Hono } from "hono";
import { bookedPlaceOf } from "../../booking/booked-place";
import { invitationIcs } from "../../booking/invitation";
import { meetingOfBooking } from "../../meetings/meeting-view";
import { placeLocation } from "../../place-view";
import type { AppEnv } from "../context";
import { managedBooking } from "../managed-booking";

export const bookingCalendar = new Hono<AppEnv>().get("/api/v1/bookings/:id/calendar.ics", async (c) => {
	const { booking, merchant, service, staffMember, manageUrl } = await managedBooking(c.var.db, c.env, c.req.param("id"), c.req.query("token"));
	// The holder's own file: the meeting link, once made, is its LOCATION and URL, as in the emails' .ics.
	const joinUrl = (await meetingOfBooking(c.var.db, booking, service, staffMember))?.joinUrl ?? null;
	const { text } = invitationIcs({
		// A single booking is the email's event (same UID); one occurrence of a series becomes its own event,
		// since the email's series event lists every occurrence and this file describes only one.
		uid: `${booking.id}@slotline`,
		sequence: booking.version - 1,
		starts: booking.status === "confirmed" ? [booking.startsAt] : [],
		durationMinutes: service.durationMinutes,
		summary: `${service.name} with ${staffMember.name} (${merchant.name})`,
		description: `${joinUrl === null ? "" : `Join the video meeting: ${joinUrl}\n`}Manage: ${manageUrl}`,
		location: joinUrl ?? placeLocation(bookedPlaceOf(service, staffMember, merchant.address, booking.customerPhone)),
		organizer: { name: merchant.name, email: c.env.MAIL_FROM },
		// The name typed on this booking: a guest booking never rewrites the stored customer's.
		attendee: { name: booking.customerName ?? "Guest", email: booking.customerEmail ?? c.env.MAIL_FROM },
		url: joinUrl ?? manageUrl,
		now: Date.now(),
	});
	return c.body(text, 200, {
		"content-type": "text/calendar; charset=utf-8",
		"content-disposition": `attachment; filename="booking-${booking.id}.ics"`,
		"cache-control": "private, no-store",
		// The URL carries the manage token; keep it out of Referer headers.
		"referrer-policy": "no-referrer",
	});
});
