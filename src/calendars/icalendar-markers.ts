// Finds the events Slotline wrote in an iCalendar document (X-SLOTLINE-BOOKING-ID), which the
// importer skips: inbound sync still needs to know they exist and which booking they belong to.
import ICAL from "ical.js";
import { SLOTLINE_BOOKING_ID_PROPERTY } from "./icalendar";

/** UID -> booking id of every marked VEVENT; empty for unreadable text. */
export function slotlineMarkers(text: string): Map<string, string> {
	const markers = new Map<string, string>();
	try {
		const root = new ICAL.Component(ICAL.parse(text));
		const calendars = root.name === "vcalendar" ? [root] : root.getAllSubcomponents("vcalendar");
		for (const vevent of calendars.flatMap((calendar) => calendar.getAllSubcomponents("vevent"))) {
			const uid = vevent.getFirstPropertyValue("uid");
			const bookingId = vevent.getFirstPropertyValue(SLOTLINE_BOOKING_ID_PROPERTY.toLowerCase());
			if (typeof uid === "string" && typeof bookingId === "string") markers.set(uid, bookingId);
		}
	} catch {
		// Not iCalendar: the importer reports that; there is simply no marker.
	}
	return markers;
}
