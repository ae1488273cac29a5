/// <reference types="vite/client" />
// Malformed and hostile iCalendar: mutations of the fixture corpus (test/fixtures/ics) and hand-written
// attacks go through the importer (src/calendars/icalendar.ts), which must return events or refuse the whole
// document with ICalendarParseError, never crash; and through a real ICS-feed connection and the sync
// runner, where a hostile event next to good ones leaves the good ones synced.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ICalendarParseError, eventsFromICalendar } from "../../src/calendars/icalendar";
import { calendarsOf } from "../../src/db/queries/connections";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { chooseCalendars } from "../../src/sync/connection-calendars";
import { connectUnstored } from "../../src/sync/connection-lifecycle";
import { blocksOf, db, inboundContext, runQueuedSyncs } from "../inbound/harness";
import { seedDemo } from "../support/seed";

const files = import.meta.glob<string>("../fixtures/ics/*.ics", { query: "?raw", import: "default", eager: true });
const corpus = Object.values(files);
const RUNS = Number(process.env.FUZZ_RUNS_ICS ?? 150);

const WINDOW = { from: Date.UTC(2026, 0, 1), to: Date.UTC(2027, 0, 1) };
const OPTIONS = { staffTimezone: "Europe/Amsterdam", ownAddresses: ["ana@demo.test"], window: WINDOW };

/** Hostile content: runaway rules, impossible times, unknown zones, huge values, broken structure. */
const ATTACKS = [
	"RRULE:FREQ=SECONDLY;COUNT=100000000",
	"RRULE:FREQ=MINUTELY;INTERVAL=1",
	"RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
	"RRULE:FREQ=DAILY;INTERVAL=0",
	"RRULE:FREQ=WEEKLY;UNTIL=19000101T000000Z",
	"RRULE:FREQ=MONTHLY;BYSETPOS=-400;BYDAY=MO,TU,WE,TH,FR,SA,SU",
	"RRULE:FREQ=NONSENSE",
	"RDATE:99999999T999999Z",
	"EXDATE;TZID=Nowhere/Land:20260601T100000",
	"DTSTART;TZID=Nowhere/Land:20260601T100000",
	"DTSTART:20260601T100000Z\r\nDTEND:20260501T100000Z",
	"DURATION:-P5D",
	"DURATION:P99999999W",
	"DTSTART;VALUE=DATE:20261340",
	"RECURRENCE-ID:garbage",
	"BEGIN:VEVENT",
	"END:VCALENDAR",
	"BEGIN:VALARM\r\nBEGIN:VALARM\r\nBEGIN:VALARM",
	`SUMMARY:${"A".repeat(20_000)}`,
	"X-WR-TIMEZONE:Mars/Olympus",
	"\u0000\u0001\u0002",
	"ATTENDEE;PARTSTAT=DECLINED:mailto:ana@demo.test",
];

function lines(text: string): string[] {
	return text.split(/\r?\n/);
}

/** A corpus document with random line edits: deletions, duplicates, truncation, attacks and junk spliced in. */
const hostileDocument = fc
	.record({
		doc: fc.constantFrom(...corpus),
		edits: fc.array(
			fc.oneof(
				fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
				fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat() }),
				fc.record({ kind: fc.constant("attack" as const), at: fc.nat(), attack: fc.constantFrom(...ATTACKS) }),
				fc.record({ kind: fc.constant("junk" as const), at: fc.nat(), attack: fc.string({ maxLength: 80 }) }),
				fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
			),
			{ maxLength: 6 },
		),
	})
	.map(({ doc, edits }) => {
		let out = lines(doc);
		for (const edit of edits) {
			const at = out.length === 0 ? 0 : edit.at % out.length;
			if (edit.kind === "delete") out.splice(at, 1);
			else if (edit.kind === "duplicate") out.splice(at, 0, out[at] ?? "");
			else if (edit.kind === "truncate") out = out.slice(0, at);
			else out.splice(at, 0, edit.attack);
		}
		return out.join("\r\n");
	});

function importOrRefuse(text: string): "imported" | "refused" {
	try {
		const { events } = eventsFromICalendar(text, OPTIONS);
		for (const instance of events.flatMap((event) => event.instances)) {
			expect(Number.isFinite(instance.start) && Number.isFinite(instance.end)).toBe(true);
			expect(instance.end).toBeGreaterThanOrEqual(instance.start);
		}
		return "imported";
	} catch (error) {
		// A document with no readable VCALENDAR is refused as a whole; anything else is a crash.
		expect(error).toBeInstanceOf(ICalendarParseError);
		return "refused";
	}
}

describe("hostile iCalendar into the importer", () => {
	it("finds the fixture corpus", () => {
		expect(corpus.length).toBeGreaterThanOrEqual(20);
	});

	it("each attack next to a good event: the good event is still imported", () => {
		for (const attack of ATTACKS) {
			const text = [
				"BEGIN:VCALENDAR",
				"VERSION:2.0",
				"PRODID:-//fuzz//EN",
				"BEGIN:VEVENT",
				"UID:good",
				"DTSTAMP:20260101T000000Z",
				"DTSTART:20260602T080000Z",
				"DTEND:20260602T090000Z",
				"END:VEVENT",
				"BEGIN:VEVENT",
				"UID:hostile",
				"DTSTAMP:20260101T000000Z",
				"DTSTART:20260603T080000Z",
				"DTEND:20260603T090000Z",
				attack,
				"END:VEVENT",
				"END:VCALENDAR",
			].join("\r\n");
			let result;
			try {
				result = eventsFromICalendar(text, OPTIONS);
			} catch (error) {
				// Structural attacks may make the whole document unreadable; that is a refusal, not a crash.
				expect({ attack, error }).toEqual({ attack, error: expect.any(ICalendarParseError) });
				continue;
			}
			const good = result.events.find((event) => event.id === "good");
			expect({ attack, good: good?.instances.map((instance) => instance.start) }).toEqual({ attack, good: [Date.UTC(2026, 5, 2, 8)] });
		}
	});

	it("mutated corpus documents never crash the importer (property)", () => {
		const outcomes = { imported: 0, refused: 0 };
		fc.assert(
			fc.property(hostileDocument, (text) => {
				outcomes[importOrRefuse(text)]++;
			}),
			{ numRuns: RUNS },
		);
		expect(outcomes.imported).toBeGreaterThan(0);
	});

	it("random text never crashes the importer (property)", () => {
		fc.assert(
			fc.property(fc.string({ maxLength: 400 }), (noise) => {
				importOrRefuse(`BEGIN:VCALENDAR\r\n${noise}\r\nEND:VCALENDAR`);
				importOrRefuse(noise);
			}),
			{ numRuns: RUNS },
		);
	});
});

const FEED = "https://feeds.fuzz.test/team.ics";

function feedWith(hostile: string): string {
	const event = (uid: string, day: number, extra: string[] = []): string[] => [
		"BEGIN:VEVENT",
		`UID:${uid}`,
		"DTSTAMP:20260101T000000Z",
		`DTSTART:${day}T080000Z`,
		`DTEND:${day}T090000Z`,
		...extra,
		"END:VEVENT",
	];
	const day = (offset: number): number => {
		const date = new Date(Date.now() + offset * 86_400_000);
		return Number(date.toISOString().slice(0, 10).replaceAll("-", ""));
	};
	return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//fuzz//EN", ...event("good-1", day(3)), ...event("hostile", day(4), [hostile]), ...event("good-2", day(5)), "END:VCALENDAR", ""].join("\r\n");
}

describe("hostile iCalendar through an ICS-feed connection", () => {
	let served = "";
	beforeEach(async () => {
		await seedDemo({ owner: { password: null } });
		const real = globalThis.fetch;
		// The Worker's provider fetch reaches "the internet" through the global fetch: serve the feed here.
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			if (url === FEED) return new Response(served, { status: 200, headers: { "content-type": "text/calendar", etag: `"${served.length}"` } });
			return real(input, init);
		});
	});
	afterEach(() => {
		vi.restoreAllMocks();
	});

	it("a hostile event next to good ones: the sync completes and the good events block time", async () => {
		for (const attack of ["RRULE:FREQ=SECONDLY;COUNT=100000000", "DTSTART;TZID=Nowhere/Land:20260601T100000", "DURATION:-P5D", "RRULE:FREQ=NONSENSE", `SUMMARY:${"A".repeat(20_000)}`]) {
			served = feedWith(attack);
			const context = inboundContext();
			const connection = await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana" }, { provider: "ics", accountLabel: "feeds.fuzz.test", credentials: { kind: "feed", url: FEED }, serverUrl: null });
			const [calendar] = await calendarsOf(db, connection.id);
			expect(calendar).toBeDefined();
			if (calendar === undefined) return;
			if (!calendar.checkConflicts) await chooseCalendars(context, connection, { writeCalendarId: null, conflictCalendarIds: [calendar.id] });
			const reports = await runQueuedSyncs(context);
			expect({ attack, outcomes: reports.map((r) => r.outcome) }).toEqual({ attack, outcomes: expect.arrayContaining(["synced"]) });
			const ids = new Set((await blocksOf(calendar.id)).map((b) => b.external_event_id));
			expect({ attack, good: ids.has("good-1") && ids.has("good-2") }).toEqual({ attack, good: true });
			const status = await db.query.calendarConnections.findFirst({ where: (c, { eq }) => eq(c.id, connection.id) });
			expect(status?.status).toBe("active");
		}
	});

	it("the connection's log names the item that could not be read, and the good events still sync", async () => {
		served = feedWith("RRULE:FREQ=NONSENSE");
		const context = inboundContext();
		const connection = await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana" }, { provider: "ics", accountLabel: "feeds.fuzz.test", credentials: { kind: "feed", url: FEED }, serverUrl: null });
		const [calendar] = await calendarsOf(db, connection.id);
		if (calendar === undefined) throw new Error("no calendar");
		if (!calendar.checkConflicts) await chooseCalendars(context, connection, { writeCalendarId: null, conflictCalendarIds: [calendar.id] });
		await runQueuedSyncs(context);
		const ids = new Set((await blocksOf(calendar.id)).map((b) => b.external_event_id));
		expect(ids.has("good-1") && ids.has("good-2")).toBe(true);
		const log = await db.query.connectionLog.findMany({ where: (l, { eq }) => eq(l.connectionId, connection.id) });
		const entry = log.find((l) => l.operation === "import");
		expect(entry?.outcome).toBe("error");
		// The item's UID and a category only: never the offending line itself.
		expect(entry?.message).toMatch(/1 item\(s\) could not be read and were skipped: hostile \(unparseable\)$/);
	});
});
