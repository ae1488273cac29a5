// Shapes the iCalendar importer's output for the provider interface (CalDAV and ICS feeds): busy
// blocks become ExternalInstances, and Slotline's own events (which the importer skips) are found.
import ICAL from "ical.js";
import { localDateOf } from "./event-time";
import type { ImportedBlock } from "./icalendar";
import { SLOTLINE_BOOKING_ID_PROPERTY } from "./icalendar";
import type { ExternalInstance } from "./provider";

/** The importer reports busy time only, so nothing here is transparent, declined or cancelled. */
export function instanceOfBlock(block: ImportedBlock, timeZone: string): ExternalInstance {
	return {
		instanceId: block.occurrenceId,
		start: block.start,
		end: block.end,
		allDay: block.allDay ? { startDate: localDateOf(block.start, timeZone), endDate: localDateOf(block.end, timeZone) } : null,
		status: block.tentative ? "tentative" : "confirmed",
		transparent: false,
		declined: false,
	};
}

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
