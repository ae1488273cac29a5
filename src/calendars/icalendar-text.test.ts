// Customer text with bare CRs in the iCalendar Slotline writes (CalDAV PUTs and .ics attachments): it
// stays one value and never becomes a line of its own.
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { invitationIcs } from "../booking/invitation";
import { bookingICalendar } from "./icalendar-write";
import { icalText } from "./icalendar-text";

const injected = "Ana\rATTENDEE;PARTSTAT=ACCEPTED:mailto:mallory@evil.example";
const note = "First line\r\nsecond line\rDTEND:20990101T000000Z";

/** Content lines as a reader that also ends a line at a bare CR (Python's splitlines) sees them. */
function linesOf(text: string): string[] {
	return text
		.split(/\r\n|\r|\n/)
		.filter((line) => line !== "")
		.reduce<string[]>((lines, line) => (line.startsWith(" ") && lines.length > 0 ? [...lines.slice(0, -1), `${lines.at(-1)}${line.slice(1)}`] : [...lines, line]), []);
}

function names(text: string): string[] {
	return linesOf(text).map((line) => (/^[A-Za-z-]+/.exec(line)?.[0] ?? "").toUpperCase());
}

describe("iCalendar text Slotline writes", () => {
	it("keeps a bare CR in a title, notes and location inside the value of a CalDAV event", () => {
		const text = bookingICalendar(
			{
				bookingId: "bkg_cr",
				title: injected,
				start: Date.UTC(2026, 5, 1, 8),
				end: Date.UTC(2026, 5, 1, 9),
				timeZone: "Europe/Berlin",
				description: note,
				location: "Room\r2",
				color: { hex: "#4f46e5", name: "Physio\rX-INJECTED:1" },
				recurrence: null,
				conference: null,
			},
			Date.UTC(2026, 0, 1),
		);
		expect(text).not.toMatch(/\r(?!\n)/);
		expect(names(text)).not.toContain("ATTENDEE");
		expect(names(text)).not.toContain("X-INJECTED");
		expect(names(text).filter((name) => name === "DTEND")).toHaveLength(1);
		const vevent = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent("vevent");
		expect(vevent?.getFirstPropertyValue("summary")).toBe("Ana\nATTENDEE;PARTSTAT=ACCEPTED:mailto:mallory@evil.example");
		expect(vevent?.getFirstPropertyValue("description")).toBe("First line\nsecond line\nDTEND:20990101T000000Z");
		expect(vevent?.getFirstPropertyValue("location")).toBe("Room\n2");
	});

	it("keeps a bare CR in the customer's name and notes inside the values of the emailed invitation", () => {
		const { text } = invitationIcs({
			uid: "bkg_cr@slotline",
			sequence: 0,
			starts: [Date.UTC(2026, 5, 1, 8)],
			durationMinutes: 60,
			summary: `Cut with ${injected}`,
			description: `Your notes: ${note}`,
			location: null,
			organizer: { name: "Salon\rMETHOD:CANCEL", email: "bookings@slotline.example" },
			attendee: { name: injected, email: "ana@example.test" },
			url: "https://slotline.example/manage/bkg_cr",
			now: Date.UTC(2026, 0, 1),
		});
		expect(text).not.toMatch(/\r(?!\n)/);
		expect(names(text).filter((name) => name === "ATTENDEE")).toHaveLength(1);
		expect(names(text).filter((name) => name === "METHOD")).toHaveLength(1);
		expect(names(text).filter((name) => name === "DTEND")).toHaveLength(0);
		const vevent = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent("vevent");
		expect(vevent?.getFirstProperty("attendee")?.getParameter("cn")).toBe("Ana\nATTENDEE;PARTSTAT=ACCEPTED:mailto:mallory@evil.example");
		expect(vevent?.getFirstPropertyValue("description")).toBe("Your notes: First line\nsecond line\nDTEND:20990101T000000Z");
	});

	it("drops the control characters RFC 5545 does not allow, keeping tabs and line breaks", () => {
		expect(icalText("a\u0000b\u0007c\u001bd\u007fe\tf\r\ng")).toBe("abcde\tf\ng");
	});
});
