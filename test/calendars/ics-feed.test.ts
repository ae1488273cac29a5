// The ICS feed adapter: conditional GET (ETag and Last-Modified), snapshot results, the size cap, no
// write path, the masked feed URL, and unreadable items named without their text.
import { describe, expect, it } from "vitest";
import { FEED_CALENDAR_ID, IcsFeed, maskFeedUrl } from "../../src/calendars/ics-feed";
import type { SyncWindow } from "../../src/calendars/provider";
import { CalendarUnavailableError, ProviderError } from "../../src/calendars/provider";

const WINDOW: SyncWindow = { from: Date.UTC(2026, 4, 25), to: Date.UTC(2026, 7, 1), timeZone: "Europe/Berlin" };
const FEED_URL = "https://feeds.example.test/team.ics";
const FEED = FEED_CALENDAR_ID;

function calendar(...events: string[][]): string {
	const body = events.flatMap((lines) => ["BEGIN:VEVENT", "DTSTAMP:20260101T000000Z", ...lines, "END:VEVENT"]);
	return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", ...body, "END:VCALENDAR", ""].join("\r\n");
}

/** A feed server stand-in that honours If-None-Match, and records what it was asked. */
function feedServer(initial: string): { fetch: (input: string, init?: RequestInit) => Promise<Response>; set(text: string): void; requests: Headers[] } {
	let text = initial;
	let version = 1;
	const requests: Headers[] = [];
	return {
		requests,
		set(next: string): void {
			text = next;
			version += 1;
		},
		fetch: async (input, init) => {
			expect(input).toBe(FEED_URL);
			const headers = new Headers(init?.headers);
			requests.push(headers);
			const etag = `"v${version}"`;
			if (headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers: { etag } });
			return new Response(text, { status: 200, headers: { etag, "content-type": "text/calendar" } });
		},
	};
}

describe("IcsFeed", () => {
	it("reads a feed, answers 304 as no change, and reports vanished UIDs", async () => {
		const server = feedServer(calendar(["UID:a", "DTSTART:20260602T070000Z", "DTEND:20260602T080000Z"], ["UID:b", "DTSTART:20260603T070000Z", "DTEND:20260603T080000Z", "STATUS:TENTATIVE"]));
		const feed = new IcsFeed({ url: FEED_URL.replace("https:", "webcal:"), ownAddresses: [], fetch: server.fetch });
		const first = await feed.syncEvents(FEED_URL, null, WINDOW);
		expect(first.full).toBe(true);
		expect(first.changed.map((e) => [e.id, e.instances[0]?.status])).toEqual([["a", "confirmed"], ["b", "tentative"]]);

		const same = await feed.syncEvents(FEED_URL, first.cursor, WINDOW);
		expect(server.requests[1]?.get("if-none-match")).toBe('"v1"');
		expect(same).toMatchObject({ full: false, changed: [], removed: [] });

		server.set(calendar(["UID:b", "DTSTART:20260603T070000Z", "DTEND:20260603T080000Z"]));
		const next = await feed.syncEvents(FEED_URL, same.cursor, WINDOW);
		expect(next.removed).toEqual(["a"]);
		expect(next.changed.map((e) => e.id)).toEqual(["b"]);
	});

	it("marks Slotline's own events and expands a series with a moved and a cancelled occurrence", async () => {
		const server = feedServer(calendar(
			["UID:own", "DTSTART:20260602T070000Z", "DTEND:20260602T080000Z", "X-SLOTLINE-BOOKING-ID:bkg_1"],
			["UID:series", "DTSTART:20260601T080000Z", "DTEND:20260601T090000Z", "RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE:20260615T080000Z"],
			["UID:series", "RECURRENCE-ID:20260608T080000Z", "DTSTART:20260609T080000Z", "DTEND:20260609T090000Z"],
		));
		const feed = new IcsFeed({ url: FEED_URL, ownAddresses: [], fetch: server.fetch });
		const result = await feed.syncEvents(FEED_URL, null, WINDOW);
		expect(result.changed.find((e) => e.id === "own")).toMatchObject({ id: "own", slotlineBookingId: "bkg_1", instances: [{ instanceId: "own", start: Date.UTC(2026, 5, 2, 7) }] });
		const series = result.changed.find((e) => e.id === "series");
		expect(series?.instances.map((i) => i.start)).toEqual([Date.UTC(2026, 5, 1, 8), Date.UTC(2026, 5, 9, 8), Date.UTC(2026, 5, 22, 8)]);
		expect(series?.instances[1]?.instanceId).toBe("series/2026-06-08T08:00:00Z");
	});

	it("refuses a feed over the size cap before parsing it", async () => {
		const big = calendar(["UID:x", "DTSTART:20260602T070000Z", "DTEND:20260602T080000Z", `DESCRIPTION:${"y".repeat(5000)}`]);
		const feed = new IcsFeed({ url: FEED_URL, ownAddresses: [], fetch: feedServer(big).fetch, maxBytes: 1024 });
		await expect(feed.syncEvents(FEED_URL, null, WINDOW)).rejects.toMatchObject({ code: "responseTooLarge", retryable: false });
		const declared = new IcsFeed({ url: FEED_URL, ownAddresses: [], maxBytes: 1024, fetch: async () => new Response("x", { headers: { "content-length": "99999999" } }) });
		await expect(declared.syncEvents(FEED_URL, null, WINDOW)).rejects.toMatchObject({ code: "responseTooLarge" });
	});

	it("revalidates with If-Modified-Since when the feed gives only Last-Modified", async () => {
		const text = calendar(["UID:a", "DTSTART:20260602T070000Z", "DTEND:20260602T080000Z"]);
		const lastModified = "Tue, 02 Jun 2026 07:00:00 GMT";
		const asked: Headers[] = [];
		const feed = new IcsFeed({
			url: FEED_URL,
			ownAddresses: [],
			fetch: async (_input, init) => {
				const headers = new Headers(init?.headers);
				asked.push(headers);
				// No ETag at all: only the date validator can say "unchanged".
				if (headers.get("if-modified-since") === lastModified) return new Response(null, { status: 304 });
				return new Response(text, { headers: { "last-modified": lastModified } });
			},
		});
		const first = await feed.syncEvents(FEED, null, WINDOW);
		expect(first.changed.map((e) => e.id)).toEqual(["a"]);
		expect(asked[0]?.has("if-modified-since")).toBe(false);
		const again = await feed.syncEvents(FEED, first.cursor, WINDOW);
		expect(asked[1]?.get("if-modified-since")).toBe(lastModified);
		expect(asked[1]?.has("if-none-match")).toBe(false);
		expect(again).toMatchObject({ full: false, changed: [], removed: [] });
	});

	it("names unreadable items by UID and category only, never by their text", async () => {
		const secret = "Divorce lawyer at 10";
		const text = calendar(
			["UID:bad@test", `SUMMARY:${secret}`, "DTSTART;TZID=Atlantis Standard Time:20260603T090000", "DTEND;TZID=Atlantis Standard Time:20260603T100000"],
			["UID:good@test", "DTSTART:20260602T070000Z", "DTEND:20260602T080000Z"],
		);
		const feed = new IcsFeed({ url: FEED_URL, ownAddresses: [], fetch: async () => new Response(text) });
		const result = await feed.syncEvents(FEED, null, WINDOW);
		expect(result.changed.map((e) => e.id)).toEqual(["good@test"]);
		expect(result.unreadable).toEqual([{ id: "bad@test", problem: "unknown-time-zone" }]);
		expect(JSON.stringify(result)).not.toContain(secret);
	});

	it("is read-only, lists one calendar named by its masked URL after reading it, and maps failures", async () => {
		const secretUrl = "https://calendar.example.test/calendar/ical/ana%40example.test/private-9f8e7d6c5b4a/basic.ics";
		const good = new IcsFeed({ url: secretUrl, ownAddresses: [], fetch: async () => new Response(calendar()) });
		expect(good.push).toBeNull();
		expect(good.writer).toBeNull();
		expect(await good.listCalendars()).toEqual([{ id: FEED_CALENDAR_ID, name: "https://calendar.example.test/…/basic.ics", writable: false, readable: true, primary: false, timeZone: null, onlineMeetings: null }]);
		expect(maskFeedUrl("webcal://feeds.example.test/u/8c1f2a9e77/feed?token=abc")).toBe("https://feeds.example.test/…/feed");
		expect(maskFeedUrl("https://feeds.example.test/8c1f2a9e77")).toBe("https://feeds.example.test/…");
		expect(maskFeedUrl(FEED_URL)).toBe("https://feeds.example.test/team.ics");

		const feed = new IcsFeed({ url: FEED_URL, ownAddresses: [], fetch: async () => new Response("gone", { status: 404 }) });
		await expect(feed.listCalendars()).rejects.toBeInstanceOf(CalendarUnavailableError);
		await expect(feed.syncEvents(FEED, null, WINDOW)).rejects.toBeInstanceOf(CalendarUnavailableError);
		const busy = new IcsFeed({ url: FEED_URL, ownAddresses: [], fetch: async () => new Response("", { status: 503, headers: { "retry-after": "120" } }) });
		const error = await busy.syncEvents(FEED, null, WINDOW).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).toMatchObject({ status: 503, retryable: true, retryAfterSeconds: 120 });
		const notCalendar = new IcsFeed({ url: FEED_URL, ownAddresses: [], fetch: async () => new Response("<html>login</html>") });
		await expect(notCalendar.syncEvents(FEED, null, WINDOW)).rejects.toMatchObject({ code: "notICalendar" });
		await expect(notCalendar.listCalendars()).rejects.toMatchObject({ code: "notICalendar" });
	});
});
