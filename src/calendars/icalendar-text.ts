// Text that Slotline writes into iCalendar (SUMMARY, DESCRIPTION, LOCATION, CATEGORIES, CN). ical.js
// escapes LF (as \n in TEXT, ^n in parameters) but writes a CR raw, and readers that split lines on a
// bare CR (Python's splitlines, for one) would read what follows as a property of its own: a customer
// name or note could add an ATTENDEE. So every line break becomes LF, and the other control characters,
// which RFC 5545 does not allow in TEXT or parameter values, are dropped.

/** `value` with CRLF and CR as LF and no other control character except TAB. */
export function icalText(value: string): string {
	return value.replace(/\r\n?/g, "\n").replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, "");
}
