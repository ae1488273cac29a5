// The iTIP invitation (.ics) attached to booking emails, built with ical.js. A single booking is one
// event (UID from the booking id); a series is one event whose occurrences are listed as RDATEs in
// UTC, so every occurrence keeps its exact instant across DST and a change to one occurrence is a
// new version (higher SEQUENCE) of the same UID.
import ICAL from "ical.js";
import { icalText } from "../calendars/icalendar-text";

export interface InvitationEvent {
	uid: string;
	sequence: number;
	/** Confirmed occurrences, UTC epoch ms; empty means the whole event is cancelled. */
	starts: number[];
	durationMinutes: number;
	summary: string;
	description: string;
	location: string | null;
	organizer: { name: string; email: string };
	attendee: { name: string; email: string };
	url: string;
	now: number;
}

function utc(instant: number): ICAL.Time {
	return ICAL.Time.fromJSDate(new Date(instant), true);
}

/** A METHOD:REQUEST invitation, or METHOD:CANCEL when no occurrence is left. */
export function invitationIcs(event: InvitationEvent): { method: "REQUEST" | "CANCEL"; text: string } {
	const method = event.starts.length === 0 ? "CANCEL" : "REQUEST";
	const calendar = new ICAL.Component(["vcalendar", [], []]);
	calendar.updatePropertyWithValue("prodid", "-//Slotline//Bookings//EN");
	calendar.updatePropertyWithValue("version", "2.0");
	calendar.updatePropertyWithValue("calscale", "GREGORIAN");
	calendar.updatePropertyWithValue("method", method);

	const vevent = new ICAL.Component("vevent");
	vevent.updatePropertyWithValue("uid", event.uid);
	vevent.updatePropertyWithValue("sequence", event.sequence);
	vevent.updatePropertyWithValue("dtstamp", utc(event.now));
	const sorted = [...event.starts].sort((a, b) => a - b);
	const first = sorted[0];
	if (first === undefined) {
		vevent.updatePropertyWithValue("status", "CANCELLED");
	} else {
		vevent.updatePropertyWithValue("dtstart", utc(first));
		vevent.updatePropertyWithValue("duration", ICAL.Duration.fromSeconds(event.durationMinutes * 60));
		for (const start of sorted.slice(1)) vevent.addPropertyWithValue("rdate", utc(start));
		vevent.updatePropertyWithValue("status", "CONFIRMED");
	}
	vevent.updatePropertyWithValue("summary", icalText(event.summary));
	vevent.updatePropertyWithValue("description", icalText(event.description));
	if (event.location !== null) vevent.updatePropertyWithValue("location", icalText(event.location));
	vevent.updatePropertyWithValue("url", event.url);
	const organizer = vevent.addPropertyWithValue("organizer", `mailto:${event.organizer.email}`);
	organizer.setParameter("cn", icalText(event.organizer.name));
	const attendee = vevent.addPropertyWithValue("attendee", `mailto:${event.attendee.email}`);
	attendee.setParameter("cn", icalText(event.attendee.name));
	attendee.setParameter("role", "REQ-PARTICIPANT");
	attendee.setParameter("partstat", method === "CANCEL" ? "DECLINED" : "ACCEPTED");
	calendar.addSubcomponent(vevent);
	return { method, text: calendar.toString() };
}
