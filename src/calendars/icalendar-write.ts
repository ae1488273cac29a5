// Writes a booking (or series) as an iCalendar object for CalDAV: master VEVENT with RRULE and EXDATE,
// one RECURRENCE-ID override per moved occurrence, our marker, and the VTIMEZONE its TZID needs.
import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";
import { rruleOf } from "./event-time";
import { SLOTLINE_BOOKING_ID_PROPERTY } from "./icalendar";
import { icalText } from "./icalendar-text";
import type { OutboundEvent } from "./provider";
import { vtimezone } from "./vtimezone";

const DAY = 86_400_000;

/** The UID of a booking's event; also its resource name (`<uid>.ics`), so a retry finds the same one. */
export function bookingUid(bookingId: string): string {
	return `slotline-${bookingId}`;
}

export function bookingICalendar(event: OutboundEvent, nowMs: number): string {
	const uid = bookingUid(event.bookingId);
	const calendar = new ICAL.Component("vcalendar");
	calendar.addPropertyWithValue("version", "2.0");
	calendar.addPropertyWithValue("prodid", "-//Slotline//Bookings//EN");
	calendar.addPropertyWithValue("calscale", "GREGORIAN");
	const spanEnd = event.recurrence === null ? event.end : event.end + event.recurrence.count * 31 * DAY;
	const moved = event.recurrence?.exceptions.flatMap((e) => (e.kind === "moved" ? [e] : [])) ?? [];
	const earliest = Math.min(event.start, ...moved.map((e) => e.start));
	const latest = Math.max(spanEnd, ...moved.map((e) => e.end));
	calendar.addSubcomponent(vtimezone(event.timeZone, earliest - DAY, latest + DAY));

	const master = vevent(event, uid, event.start, event.end, nowMs);
	if (event.recurrence !== null) {
		master.addPropertyWithValue("rrule", ICAL.Recur.fromString(rruleOf(event.recurrence, event.start, event.timeZone)));
		for (const exception of event.recurrence.exceptions) {
			// In DTSTART's zone and type: EXDATEs in another form than DTSTART are a common bug.
			if (exception.kind === "cancelled") master.addProperty(zoned("exdate", exception.originalStart, event.timeZone));
		}
	}
	calendar.addSubcomponent(master);
	for (const exception of moved) {
		const override = vevent(event, uid, exception.start, exception.end, nowMs);
		override.addProperty(zoned("recurrence-id", exception.originalStart, event.timeZone));
		calendar.addSubcomponent(override);
	}
	return calendar.toString();
}

function vevent(event: OutboundEvent, uid: string, start: number, end: number, nowMs: number): ICAL.Component {
	const component = new ICAL.Component("vevent");
	component.addPropertyWithValue("uid", uid);
	component.addPropertyWithValue("dtstamp", ICAL.Time.fromJSDate(new Date(nowMs), true));
	component.addProperty(zoned("dtstart", start, event.timeZone));
	component.addProperty(zoned("dtend", end, event.timeZone));
	component.addPropertyWithValue("summary", icalText(event.title));
	if (event.description !== null) component.addPropertyWithValue("description", icalText(event.description));
	if (event.location !== null) component.addPropertyWithValue("location", icalText(event.location));
	if (event.color !== null) component.addPropertyWithValue("categories", icalText(event.color.name));
	component.addPropertyWithValue("status", "CONFIRMED");
	component.addPropertyWithValue("transp", "OPAQUE");
	component.addPropertyWithValue(SLOTLINE_BOOKING_ID_PROPERTY.toLowerCase(), event.bookingId);
	return component;
}

/** A DATE-TIME property on the wall clock of `zone`, with its TZID. */
function zoned(name: string, instant: number, zone: string): ICAL.Property {
	const local = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toPlainDateTime();
	const property = new ICAL.Property(name);
	property.setParameter("tzid", zone);
	property.setValue(ICAL.Time.fromData({ year: local.year, month: local.month, day: local.day, hour: local.hour, minute: local.minute, second: local.second, isDate: false }));
	return property;
}
