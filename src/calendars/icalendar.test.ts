// Hostile and malformed input for the iCalendar importer, the instances it reports (free ones and
// Slotline's own included), and the blocks they give under the one blocking policy.
import fc from "fast-check";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { icalendarBlocks } from "../../test/support/icalendar-blocks";
import { localDateOf } from "./event-time";
import { eventsFromICalendar, ICalendarOptionsError, ICalendarParseError, MAX_INSTANCES_PER_SERIES } from "./icalendar";
import type { ICalendarImportOptions } from "./icalendar";

const options: ICalendarImportOptions = {
	staffTimezone: "Europe/Amsterdam",
	ownAddresses: ["noor@salon.example"],
	window: { from: Date.parse("2026-06-01T00:00:00Z"), to: Date.parse("2026-06-08T00:00:00Z") },
};

/** A VCALENDAR around the given VEVENT bodies (content lines without BEGIN/END:VEVENT). */
function calendar(...events: string[][]): string {
	const body = events.flatMap((lines) => ["BEGIN:VEVENT", "DTSTAMP:20260101T120000Z", ...lines, "END:VEVENT"]);
	return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", ...body, "END:VCALENDAR", ""].join("\r\n");
}

const goodEvent = ["UID:good@test", "DTSTART:20260602T090000Z", "DTEND:20260602T100000Z"];

function iso(ms: number): string {
	return new Date(ms).toISOString();
}

describe("eventsFromICalendar: malformed documents", () => {
	it("throws ICalendarParseError for text that is not iCalendar", () => {
		expect(() => eventsFromICalendar("this is not a calendar\r\nat all", options)).toThrow(ICalendarParseError);
		expect(() => eventsFromICalendar("", options)).toThrow(ICalendarParseError);
		expect(() => eventsFromICalendar("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:X\r\nEND:VCARD\r\n", options)).toThrow(
			ICalendarParseError,
		);
	});

	it("returns nothing, without errors, for an empty VCALENDAR", () => {
		expect(eventsFromICalendar(calendar(), options)).toEqual({ events: [], errors: [] });
	});

	it("rejects options it cannot work with", () => {
		expect(() => eventsFromICalendar(calendar(goodEvent), { ...options, staffTimezone: "Mars/Olympus" })).toThrow(
			ICalendarOptionsError,
		);
		expect(() => eventsFromICalendar(calendar(goodEvent), { ...options, window: { from: 10, to: 5 } })).toThrow(
			ICalendarOptionsError,
		);
	});
});

describe("eventsFromICalendar: one bad event does not cost the others", () => {
	it("skips and reports a VEVENT without DTSTART", () => {
		const result = icalendarBlocks(calendar(["UID:nostart@test", "SUMMARY:No start"], goodEvent), options);
		expect(result.blocks.map((b) => b.uid)).toEqual(["good@test"]);
		expect(result.errors).toEqual([{ uid: "nostart@test", problem: "no-start", message: expect.stringContaining("DTSTART") }]);
	});

	it("skips and reports an unknown TZID that has no VTIMEZONE", () => {
		const unknown = ["UID:unknown-zone@test", "DTSTART;TZID=Atlantis Standard Time:20260603T090000", "DTEND;TZID=Atlantis Standard Time:20260603T100000"];
		const result = icalendarBlocks(calendar(unknown, goodEvent), options);
		expect(result.blocks.map((b) => b.uid)).toEqual(["good@test"]);
		expect(result.errors).toEqual([{ uid: "unknown-zone@test", problem: "unknown-time-zone", message: expect.stringContaining("Atlantis Standard Time") }]);
	});

	it("resolves an IANA TZID without VTIMEZONE through Temporal, spring-forward gap included", () => {
		// 02:30 does not exist on 29 March 2026 in Amsterdam: RFC 5545 reads it with the offset before
		// the gap (+01:00), i.e. 01:30Z; 04:30 summer time is 02:30Z.
		const gap = ["UID:gap@test", "DTSTART;TZID=Europe/Amsterdam:20260329T023000", "DTEND;TZID=Europe/Amsterdam:20260329T043000"];
		const window = { from: Date.parse("2026-03-29T00:00:00Z"), to: Date.parse("2026-03-30T00:00:00Z") };
		const result = icalendarBlocks(calendar(gap), { ...options, window });
		expect(result.errors).toEqual([]);
		expect(result.blocks.map((b) => [iso(b.start), iso(b.end)])).toEqual([["2026-03-29T01:30:00.000Z", "2026-03-29T02:30:00.000Z"]]);
	});

	it("skips and reports an event whose date cannot be read", () => {
		const broken = ["UID:bad-date@test", "DTSTART:2026AB02T090000Z", "DTEND:20260602T100000Z"];
		const result = icalendarBlocks(calendar(broken, goodEvent), options);
		expect(result.blocks.map((b) => b.uid)).toEqual(["good@test"]);
		expect(result.errors.map((e) => [e.uid, e.problem])).toEqual([["bad-date@test", "unparseable"]]);
	});

	it("drops only the component that ical.js cannot parse (an invalid RRULE)", () => {
		const invalidRule = ["UID:bad-rule@test", "DTSTART:20260601T090000Z", "DTEND:20260601T100000Z", "RRULE:FREQ=WEEKLY;BYDAY=XX"];
		const result = icalendarBlocks(calendar(invalidRule, goodEvent), options);
		expect(result.blocks.map((b) => b.uid)).toEqual(["good@test"]);
		expect(result.errors).toEqual([{ uid: "bad-rule@test", problem: "unparseable", message: expect.stringContaining("VEVENT") }]);
	});

	it("skips a VEVENT without UID and reports it", () => {
		const result = icalendarBlocks(calendar(["DTSTART:20260603T090000Z", "DTEND:20260603T100000Z"], goodEvent), options);
		expect(result.blocks.map((b) => b.uid)).toEqual(["good@test"]);
		expect(result.errors).toEqual([{ uid: null, problem: "no-uid", message: expect.stringContaining("UID") }]);
	});
});

describe("eventsFromICalendar: runaway recurrence", () => {
	it("stops a SECONDLY rule that started years before the window and reports it", () => {
		const huge = ["UID:huge@test", "DTSTART:20000101T000000Z", "DURATION:PT1S", "RRULE:FREQ=SECONDLY"];
		const result = icalendarBlocks(calendar(huge, goodEvent), options);
		expect(result.blocks.map((b) => b.uid)).toEqual(["good@test"]);
		expect(result.errors).toEqual([{ uid: "huge@test", problem: "too-many-occurrences", message: expect.stringContaining("too many iterations") }]);
	});

	it("stops a rule that can never match instead of looping forever", () => {
		const impossible = ["UID:never@test", "DTSTART:20260101T090000Z", "DTEND:20260101T100000Z", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"];
		const result = icalendarBlocks(calendar(impossible, goodEvent), options);
		expect(result.blocks.map((b) => b.uid)).toEqual(["good@test"]);
		expect(result.errors.map((e) => e.uid)).toEqual(["never@test"]);
	});

	it("caps the occurrences of one series inside the window", () => {
		const minutely = ["UID:minutely@test", "DTSTART:20260601T000000Z", "DURATION:PT1M", "RRULE:FREQ=MINUTELY"];
		const result = icalendarBlocks(calendar(minutely), options);
		expect(result.blocks).toHaveLength(MAX_INSTANCES_PER_SERIES);
		expect(result.blocks[0]).toMatchObject({ instanceId: "minutely@test/2026-06-01T00:00:00Z" });
		expect(result.errors).toEqual([{ uid: "minutely@test", problem: "too-many-occurrences", message: expect.stringContaining(String(MAX_INSTANCES_PER_SERIES)) }]);
	});
});

describe("eventsFromICalendar: hostile time zone definitions", () => {
	/** A VCALENDAR with one VTIMEZONE (its STANDARD and DAYLIGHT bodies given) before the events. */
	function withZone(tzid: string, standard: string[], daylight: string[], ...events: string[][]): string {
		const zone = ["BEGIN:VTIMEZONE", `TZID:${tzid}`, "BEGIN:STANDARD", ...standard, "END:STANDARD", "BEGIN:DAYLIGHT", ...daylight, "END:DAYLIGHT", "END:VTIMEZONE"];
		return calendar(...events).replace("PRODID:-//test//EN\r\n", `PRODID:-//test//EN\r\n${zone.join("\r\n")}\r\n`);
	}
	const runaway = ["DTSTART:19961027T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=SECONDLY;COUNT=100000000"];
	const summer = ["DTSTART:19810329T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"];

	it("answers an IANA TZID from the tz database, whatever its VTIMEZONE says", () => {
		const event = ["UID:ams@test", "DTSTART;TZID=Europe/Amsterdam:20260602T100000", "DTEND;TZID=Europe/Amsterdam:20260602T110000"];
		const result = icalendarBlocks(withZone("Europe/Amsterdam", runaway, summer, event), options);
		expect(result.errors).toEqual([]);
		expect(result.blocks.map((b) => [iso(b.start), iso(b.end)])).toEqual([["2026-06-02T08:00:00.000Z", "2026-06-02T09:00:00.000Z"]]);
	});

	it("drops a custom VTIMEZONE whose rules would expand without bound, and the events that need it", () => {
		const event = ["UID:custom@test", "DTSTART;TZID=Salon Time:20260602T100000", "DTEND;TZID=Salon Time:20260602T110000"];
		const result = icalendarBlocks(withZone("Salon Time", runaway, summer, event, goodEvent), options);
		expect(result.blocks.map((b) => b.uid)).toEqual(["good@test"]);
		expect(result.errors).toEqual([
			{ uid: null, problem: "unknown-time-zone", message: expect.stringMatching(/^VTIMEZONE "Salon Time" skipped: .*yearly rule/) },
			{ uid: "custom@test", problem: "unknown-time-zone", message: expect.stringContaining("Unknown TZID") },
		]);
	});

	it("keeps a custom VTIMEZONE with yearly rules, as Outlook writes them (DTSTART in 1601)", () => {
		const standard = ["DTSTART:16010101T030000", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10"];
		const daylight = ["DTSTART:16010101T020000", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3"];
		const tzid = "W. Europe Standard Time";
		const event = ["UID:outlook@test", `DTSTART;TZID=${tzid}:20260602T100000`, `DTEND;TZID=${tzid}:20260602T110000`];
		const result = icalendarBlocks(withZone(tzid, standard, daylight, event), options);
		expect(result.errors).toEqual([]);
		expect(result.blocks.map((b) => iso(b.start))).toEqual(["2026-06-02T08:00:00.000Z"]);
	});

	it("never lets a zone registered process-wide under the same name decide the offset", () => {
		// A zone that is +00:00 all year, registered in ical.js's global service as some other code
		// (or a test) might; ical.js itself would fall back to it for a TZID the file does not define.
		const zero = ["DTSTART:19700101T000000", "TZOFFSETFROM:+0000", "TZOFFSETTO:+0000"];
		const impostor = new ICAL.Component(ICAL.parse(withZone("Europe/Amsterdam", zero, zero)));
		const event = ["UID:ams@test", "DTSTART;TZID=Europe/Amsterdam:20260602T100000", "DTEND;TZID=Europe/Amsterdam:20260602T110000"];
		ICAL.TimezoneService.register(impostor.getFirstSubcomponent("vtimezone")!);
		try {
			const result = icalendarBlocks(calendar(event), options);
			expect(result.errors).toEqual([]);
			expect(result.blocks.map((b) => [iso(b.start), iso(b.end)])).toEqual([["2026-06-02T08:00:00.000Z", "2026-06-02T09:00:00.000Z"]]);
		} finally {
			ICAL.TimezoneService.remove("Europe/Amsterdam");
		}
	});

	it("skips an event whose DURATION runs for millions of weeks", () => {
		const endless = ["UID:endless@test", "DTSTART:20260603T090000Z", "DURATION:P99999999W"];
		const result = icalendarBlocks(calendar(endless, goodEvent), options);
		expect(result.blocks.map((b) => b.uid)).toEqual(["good@test"]);
		expect(result.errors).toEqual([{ uid: "endless@test", problem: "bad-duration", message: expect.stringContaining("DURATION longer than") }]);
	});
});

describe("eventsFromICalendar: instance identity", () => {
	const starts = (text: string): string[][] =>
		icalendarBlocks(text, options).blocks.map((b) => [b.instanceId, iso(b.start), iso(b.end)]);

	it("matches EXDATE and RECURRENCE-ID written in UTC against a TZID series by instant", () => {
		const master = [
			"UID:s@test",
			"DTSTART;TZID=Europe/Amsterdam:20260601T100000",
			"DTEND;TZID=Europe/Amsterdam:20260601T110000",
			"RRULE:FREQ=DAILY;COUNT=4",
			"EXDATE:20260602T080000Z",
		];
		const moved = ["UID:s@test", "RECURRENCE-ID:20260603T080000Z", "DTSTART:20260603T150000Z", "DTEND:20260603T153000Z"];
		expect(starts(calendar(master, moved))).toEqual([
			["s@test/2026-06-01T08:00:00Z", "2026-06-01T08:00:00.000Z", "2026-06-01T09:00:00.000Z"],
			["s@test/2026-06-03T08:00:00Z", "2026-06-03T15:00:00.000Z", "2026-06-03T15:30:00.000Z"],
			["s@test/2026-06-04T08:00:00Z", "2026-06-04T08:00:00.000Z", "2026-06-04T09:00:00.000Z"],
		]);
	});

	it("keeps an override whose master is not in the document (an invitation to one instance)", () => {
		const lone = ["UID:lone@test", "RECURRENCE-ID;TZID=Europe/Amsterdam:20260605T090000", "DTSTART;TZID=Europe/Amsterdam:20260605T090000", "DURATION:PT45M"];
		expect(starts(calendar(lone))).toEqual([["lone@test/2026-06-05T07:00:00Z", "2026-06-05T07:00:00.000Z", "2026-06-05T07:45:00.000Z"]]);
	});

	it("reads a DATE UNTIL on a date-time series as the whole of that day", () => {
		const series = ["UID:u@test", "DTSTART:20260601T090000Z", "DTEND:20260601T093000Z", "RRULE:FREQ=DAILY;UNTIL=20260603"];
		expect(starts(calendar(series)).map(([id]) => id)).toEqual([
			"u@test/2026-06-01T09:00:00Z",
			"u@test/2026-06-02T09:00:00Z",
			"u@test/2026-06-03T09:00:00Z",
		]);
	});
});

describe("eventsFromICalendar: Slotline's own events", () => {
	it("marks events carrying X-SLOTLINE-BOOKING-ID, overrides included, with their booking id", () => {
		const own = ["UID:booking-1@slotline", "X-SLOTLINE-BOOKING-ID:bk_123", "DTSTART:20260602T120000Z", "DTEND:20260602T130000Z", "RRULE:FREQ=DAILY;COUNT=3"];
		const ownOverride = ["UID:booking-1@slotline", "RECURRENCE-ID:20260603T120000Z", "DTSTART:20260603T150000Z", "DTEND:20260603T160000Z"];
		const result = eventsFromICalendar(calendar(own, ownOverride, goodEvent), options);
		expect(result.errors).toEqual([]);
		expect(result.events.map((e) => [e.id, e.slotlineBookingId, e.instances.map((i) => i.instanceId)])).toEqual([
			["booking-1@slotline", "bk_123", ["booking-1@slotline/2026-06-02T12:00:00Z", "booking-1@slotline/2026-06-03T12:00:00Z", "booking-1@slotline/2026-06-04T12:00:00Z"]],
			["good@test", null, ["good@test"]],
		]);
		expect(result.events[1]?.instances).toEqual([
			{ instanceId: "good@test", start: Date.parse("2026-06-02T09:00:00Z"), end: Date.parse("2026-06-02T10:00:00Z"), allDay: null, status: "confirmed", transparent: false, declined: false },
		]);
	});

	it("recognises the property whatever its letter case, and reports a marked event outside the window", () => {
		const lower = ["UID:a", "x-slotline-booking-id:bk_1", "DTSTART:20260602T120000Z", "DTEND:20260602T130000Z"];
		const past = ["UID:b", "X-SLOTLINE-BOOKING-ID:bk_2", "DTSTART:20250602T120000Z", "DTEND:20250602T130000Z"];
		const unmarkedPast = ["UID:c", "DTSTART:20250602T120000Z", "DTEND:20250602T130000Z"];
		const { events } = eventsFromICalendar(calendar(lower, past, unmarkedPast), options);
		expect(events.map((e) => [e.id, e.slotlineBookingId, e.instances.length])).toEqual([
			["a", "bk_1", 1],
			["b", "bk_2", 0],
		]);
	});
});

describe("eventsFromICalendar: free time is reported with its meaning, and blocks nothing", () => {
	it("keeps transparent, cancelled and tentative instances with their status, a cancelled override included", () => {
		const series = ["UID:s@test", "DTSTART:20260602T090000Z", "DTEND:20260602T100000Z", "RRULE:FREQ=DAILY;COUNT=2"];
		const cancelled = ["UID:s@test", "RECURRENCE-ID:20260603T090000Z", "DTSTART:20260603T090000Z", "DTEND:20260603T100000Z", "STATUS:CANCELLED"];
		const free = ["UID:free@test", "DTSTART:20260604T090000Z", "DTEND:20260604T100000Z", "TRANSP:TRANSPARENT"];
		const maybe = ["UID:maybe@test", "DTSTART:20260605T090000Z", "DTEND:20260605T100000Z", "STATUS:TENTATIVE"];
		const text = calendar(series, cancelled, free, maybe);
		const { events } = eventsFromICalendar(text, options);
		expect(events.flatMap((e) => e.instances.map((i) => [i.instanceId, i.status, i.transparent, i.declined]))).toEqual([
			["s@test/2026-06-02T09:00:00Z", "confirmed", false, false],
			["s@test/2026-06-03T09:00:00Z", "cancelled", false, false],
			["free@test", "confirmed", true, false],
			["maybe@test", "tentative", false, false],
		]);
		expect(icalendarBlocks(text, options).blocks.map((b) => [b.instanceId, b.tentative])).toEqual([
			["s@test/2026-06-02T09:00:00Z", false],
			["maybe@test", true],
		]);
	});

	it("gives all-day instances the dates they were written with, the same days their instants start and end in the staff zone (property)", () => {
		const zones = ["Europe/Amsterdam", "America/New_York", "Pacific/Kiritimati", "Australia/Lord_Howe", "UTC"];
		const window = { from: Date.parse("2026-01-01T00:00:00Z"), to: Date.parse("2027-01-01T00:00:00Z") };
		const ymd = (date: Date): string => date.toISOString().slice(0, 10).replaceAll("-", "");
		fc.assert(
			fc.property(
				fc.constantFrom(...zones),
				fc.integer({ min: 0, max: 364 }),
				fc.oneof(
					fc.integer({ min: 1, max: 20 }).map((days) => ({ end: "dtend", days }) as const),
					fc.integer({ min: 0, max: 3 }).map((weeks) => ({ end: "duration", days: weeks * 7 + 1 }) as const),
					fc.constant({ end: "none", days: 1 } as const),
				),
				(zone, offset, length) => {
					const start = new Date(window.from + offset * 86_400_000);
					const end = new Date(start.getTime() + length.days * 86_400_000);
					const ending = length.end === "dtend" ? [`DTEND;VALUE=DATE:${ymd(end)}`] : length.end === "duration" ? [`DURATION:P${length.days}D`] : [];
					const text = calendar(["UID:day@test", `DTSTART;VALUE=DATE:${ymd(start)}`, ...ending, "RRULE:FREQ=WEEKLY;COUNT=3"]);
					const { events, errors } = eventsFromICalendar(text, { ...options, staffTimezone: zone, window });
					expect(errors).toEqual([]);
					for (const instance of events.flatMap((e) => e.instances)) {
						expect(instance.allDay).toEqual({ startDate: localDateOf(instance.start, zone), endDate: localDateOf(instance.end, zone) });
					}
				},
			),
			{ numRuns: 60 },
		);
	});
});

describe("eventsFromICalendar: the staff member's own attendee", () => {
	const invitation = (uid: string, attendee: string): string[] => [`UID:${uid}`, "DTSTART:20260602T090000Z", "DTEND:20260602T100000Z", "ORGANIZER:mailto:boss@example.test", attendee];

	it("frees an event declined under any of the staff member's addresses, and only those", () => {
		const text = calendar(
			invitation("email", "ATTENDEE;PARTSTAT=DECLINED:mailto:Noor@Salon.example"),
			invitation("alias", "ATTENDEE;PARTSTAT=DECLINED:MAILTO:noor.private@example.test"),
			invitation("email-param", "ATTENDEE;PARTSTAT=DECLINED;EMAIL=noor.private@example.test:urn:uuid:7e1c"),
			invitation("colleague", "ATTENDEE;PARTSTAT=DECLINED:mailto:colleague@salon.example"),
			invitation("accepted", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:noor.private@example.test"),
		);
		const ownOptions = { ...options, ownAddresses: ["noor@salon.example", " mailto:Noor.Private@example.test"] };
		const result = icalendarBlocks(text, ownOptions);
		expect(result.blocks.map((b) => b.uid).sort()).toEqual(["accepted", "colleague"]);
		const { events } = eventsFromICalendar(text, ownOptions);
		expect(events.map((e) => [e.id, e.instances[0]?.declined])).toEqual([
			["email", true],
			["alias", true],
			["email-param", true],
			["colleague", false],
			["accepted", false],
		]);
	});

	it("frees nothing when no address is known", () => {
		const result = icalendarBlocks(calendar(invitation("email", "ATTENDEE;PARTSTAT=DECLINED:mailto:noor@salon.example")), { ...options, ownAddresses: [] });
		expect(result.blocks.map((b) => b.uid)).toEqual(["email"]);
	});
});

// Not in the corpus: the corpus is also stored in Radicale, and Radicale 3.1 refuses an RDATE of PERIOD values (400).
describe("eventsFromICalendar: RDATE;VALUE=PERIOD", () => {
	it("gives each period its own length: an explicit end in a TZID zone, a duration in UTC; a plain RDATE takes the series' length", () => {
		const series = [
			"UID:periods@test",
			"DTSTART;TZID=Europe/Amsterdam:20260601T090000",
			"DTEND;TZID=Europe/Amsterdam:20260601T100000",
			"RRULE:FREQ=WEEKLY;COUNT=2",
			"RDATE;VALUE=PERIOD;TZID=Europe/Amsterdam:20260603T140000/20260603T163000",
			"RDATE;TZID=Europe/Amsterdam:20260604T080000",
			"RDATE;VALUE=PERIOD:20260605T120000Z/PT45M,20260606T120000Z/20260606T123000Z",
		];
		const window = { from: Date.parse("2026-06-01T00:00:00Z"), to: Date.parse("2026-06-15T00:00:00Z") };
		const result = icalendarBlocks(calendar(series), { ...options, window });
		expect(result.errors).toEqual([]);
		expect(result.blocks.map((b) => [iso(b.start), iso(b.end)])).toEqual([
			["2026-06-01T07:00:00.000Z", "2026-06-01T08:00:00.000Z"],
			["2026-06-03T12:00:00.000Z", "2026-06-03T14:30:00.000Z"],
			["2026-06-04T06:00:00.000Z", "2026-06-04T07:00:00.000Z"],
			["2026-06-05T12:00:00.000Z", "2026-06-05T12:45:00.000Z"],
			["2026-06-06T12:00:00.000Z", "2026-06-06T12:30:00.000Z"],
			["2026-06-08T07:00:00.000Z", "2026-06-08T08:00:00.000Z"],
		]);
	});
});
