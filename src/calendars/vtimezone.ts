// VTIMEZONE components for the iCalendar Slotline writes (RFC 5545 §3.6.5): every TZID needs one.
// Temporal's tz database is the source; the actual transitions over the span an event covers are listed.
import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";

/** Transitions before `from` and after `to` are left out; readers only need the span that matters. */
export function vtimezone(zone: string, from: number, to: number): ICAL.Component {
	const component = new ICAL.Component("vtimezone");
	component.addPropertyWithValue("tzid", zone);
	let cursor = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone);
	// The offset in force at `from`, as an observance that starts there.
	component.addSubcomponent(observance("standard", cursor.toInstant(), cursor.offset, cursor.offset));
	for (;;) {
		const next = cursor.getTimeZoneTransition("next");
		if (next === null || next.epochMilliseconds > to) break;
		const previousOffset = cursor.offset;
		// Ahead of the previous offset is summer time in every zone that has it.
		const kind = next.offsetNanoseconds > cursor.offsetNanoseconds ? "daylight" : "standard";
		component.addSubcomponent(observance(kind, next.toInstant(), previousOffset, next.offset));
		cursor = next;
	}
	return component;
}

function observance(kind: "standard" | "daylight", onset: Temporal.Instant, offsetFrom: string, offsetTo: string): ICAL.Component {
	const component = new ICAL.Component(kind);
	// DTSTART is the onset on the wall clock of the offset in force before it.
	const local = onset.toZonedDateTimeISO(minutes(offsetFrom)).toPlainDateTime();
	const dtstart = ICAL.Time.fromData({ year: local.year, month: local.month, day: local.day, hour: local.hour, minute: local.minute, second: local.second, isDate: false });
	component.addPropertyWithValue("dtstart", dtstart);
	component.addPropertyWithValue("tzoffsetfrom", ICAL.UtcOffset.fromString(minutes(offsetFrom)));
	component.addPropertyWithValue("tzoffsetto", ICAL.UtcOffset.fromString(minutes(offsetTo)));
	return component;
}

/** "+05:30" from Temporal's "+05:30" or "+05:30:00" (second offsets are historical only). */
function minutes(offset: string): string {
	return offset.slice(0, 6);
}
