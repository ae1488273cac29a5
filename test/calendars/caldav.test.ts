// The CalDAV adapter against a real Radicale, directly and behind the sandbox's iCloud layer.
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { CalDavCalendar, mayFollowWithCredentials } from "../../src/calendars/caldav";
import { icalendarBlocks } from "../support/icalendar-blocks";
import type { SyncWindow } from "../../src/calendars/provider";
import { CalendarUnavailableError, ProviderError, SyncCursorExpiredError, TokenRevokedError } from "../../src/calendars/provider";
import { control, sandboxUrl } from "../support/sandbox-control";
import { booking, DAY, seriesWithExceptions, T0, testFetch } from "./harness";

const caldavUrl = inject("caldavUrl");
const WINDOW: SyncWindow = { from: T0 - 7 * DAY, to: T0 + 60 * DAY, timeZone: "Europe/Berlin" };

interface Account {
	caldav: CalDavCalendar;
	username: string;
	password: string;
	calendarUrl: string;
}

async function radicaleAccount(label: string): Promise<Account> {
	const username = `${label}-${crypto.randomUUID().slice(0, 8)}`;
	const password = "pw-123456";
	await control("/caldav/users", { username, password });
	const { url } = (await control("/caldav/calendars", { username, password, slug: "work", displayName: "Work" })) as { url: string };
	await control("/caldav/calendars", { username, password, slug: "todo", displayName: "Todo", components: ["VTODO"] });
	const caldav = new CalDavCalendar({ provider: "caldav", serverUrl: caldavUrl, username, password, fetch: testFetch, ownAddresses: [`${username}@example.test`] });
	return { caldav, username, password, calendarUrl: url };
}

function basic(account: Account): string {
	return `Basic ${btoa(`${account.username}:${account.password}`)}`;
}

async function putRaw(account: Account, name: string, ics: string): Promise<void> {
	const response = await fetch(new URL(name, account.calendarUrl.endsWith("/") ? account.calendarUrl : `${account.calendarUrl}/`), {
		method: "PUT",
		headers: { authorization: basic(account), "content-type": "text/calendar" },
		body: ics,
	});
	expect(response.status).toBeLessThan(300);
}

function vevent(uid: string, lines: string[]): string {
	return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", `UID:${uid}`, "DTSTAMP:20260101T000000Z", ...lines, "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
}


async function listing(account: Account): Promise<string[]> {
	const result = await account.caldav.syncEvents(account.calendarUrl, null, WINDOW);
	return result.changed.map((e) => e.id);
}

describe("CalDavCalendar (Radicale)", () => {
	it("discovers calendars and leaves VTODO-only collections out", async () => {
		const account = await radicaleAccount("list");
		const calendars = await account.caldav.listCalendars();
		expect(calendars.map((c) => c.name)).toEqual(["Work"]);
		expect(calendars[0]).toMatchObject({ writable: true, primary: true });
		expect(calendars[0]?.id.replace(/\/$/, "")).toBe(account.calendarUrl.replace(/\/$/, ""));
	});

	it("creates once (a duplicate create meets 412 and updates), updates with If-Match, recovers from a stale etag, deletes", async () => {
		const account = await radicaleAccount("crud");
		const event = booking();
		const created = await account.caldav.putEvent(account.calendarUrl, event, null);
		expect(created.etag).not.toBeNull();
		const duplicate = await account.caldav.putEvent(account.calendarUrl, event, null);
		expect(duplicate.externalId).toBe(created.externalId);
		expect(await listing(account)).toEqual([created.externalId]);

		// Someone edits the event in their client: our etag is stale, so the PUT gets 412 and retries.
		const edited = await fetch(created.externalId, { headers: { authorization: basic(account) } });
		const text = (await edited.text()).replace("SUMMARY:Physio", "SUMMARY:Edited physio");
		await putRaw(account, new URL(created.externalId).pathname.split("/").pop() ?? "", text);
		const updated = await account.caldav.putEvent(account.calendarUrl, { ...event, title: "Physio moved", start: T0 + DAY, end: T0 + DAY + 3_600_000 }, created);
		expect(updated.etag).not.toBe(created.etag);
		const stored = await (await fetch(created.externalId, { headers: { authorization: basic(account) } })).text();
		expect(stored).toContain("SUMMARY:Physio moved");
		expect(stored).toContain("X-SLOTLINE-BOOKING-ID:");
		expect(stored).toContain("DTSTART;TZID=Europe/Berlin:20260602T100000");
		expect(stored).toContain("BEGIN:VTIMEZONE");

		await account.caldav.deleteEvent(account.calendarUrl, event.bookingId, updated);
		expect(await listing(account)).toEqual([]);
		await account.caldav.deleteEvent(account.calendarUrl, event.bookingId, updated);
	});

	it("syncs with sync-collection: changes, removals, own events and normalised instances", async () => {
		const account = await radicaleAccount("sync");
		await putRaw(account, "busy.ics", vevent("busy", ["DTSTART:20260602T070000Z", "DTEND:20260602T080000Z"]));
		await putRaw(account, "maybe.ics", vevent("maybe", ["DTSTART:20260603T070000Z", "DTEND:20260603T080000Z", "STATUS:TENTATIVE"]));
		await putRaw(account, "free.ics", vevent("free", ["DTSTART:20260604T070000Z", "DTEND:20260604T080000Z", "TRANSP:TRANSPARENT"]));
		await putRaw(account, "declined.ics", vevent("declined", ["DTSTART:20260605T070000Z", "DTEND:20260605T080000Z", `ATTENDEE;PARTSTAT=DECLINED:mailto:${account.username}@example.test`]));
		await putRaw(account, "holiday.ics", vevent("holiday", ["DTSTART;VALUE=DATE:20260606", "DTEND;VALUE=DATE:20260607"]));
		const own = booking();
		await account.caldav.putEvent(account.calendarUrl, own, null);

		const first = await account.caldav.syncEvents(account.calendarUrl, null, WINDOW);
		expect(first.full).toBe(true);
		const byName = new Map(first.changed.map((e) => [new URL(e.id).pathname.split("/").pop(), e]));
		expect(byName.size).toBe(6);
		expect(byName.get("busy.ics")?.instances).toEqual([
			{ instanceId: "busy", start: Date.UTC(2026, 5, 2, 7), end: Date.UTC(2026, 5, 2, 8), allDay: null, status: "confirmed", transparent: false, declined: false },
		]);
		expect(byName.get("maybe.ics")?.instances[0]?.status).toBe("tentative");
		// Free time (transparent, declined) arrives marked as such; inbound sync's policy makes it block nothing.
		expect(byName.get("free.ics")?.instances).toMatchObject([{ instanceId: "free", transparent: true, declined: false }]);
		expect(byName.get("declined.ics")?.instances).toMatchObject([{ instanceId: "declined", transparent: false, declined: true }]);
		expect(byName.get("holiday.ics")?.instances[0]).toMatchObject({ allDay: { startDate: "2026-06-06", endDate: "2026-06-07" }, start: Date.UTC(2026, 5, 5, 22) });
		// Our own booking comes back marked, from the same parse; the merchant's object skips it.
		const ownEvent = first.changed.find((e) => e.slotlineBookingId === own.bookingId);
		expect(ownEvent?.instances.map((i) => i.start)).toEqual([own.start]);

		const idle = await account.caldav.syncEvents(account.calendarUrl, first.cursor, WINDOW);
		expect(idle).toMatchObject({ full: false, changed: [], removed: [] });

		const busyUrl = byName.get("busy.ics")?.id ?? "";
		await fetch(busyUrl, { method: "DELETE", headers: { authorization: basic(account) } });
		await putRaw(account, "later.ics", vevent("later", ["DTSTART:20260610T070000Z", "DTEND:20260610T080000Z"]));
		const second = await account.caldav.syncEvents(account.calendarUrl, idle.cursor, WINDOW);
		expect(second.removed).toEqual([busyUrl]);
		expect(second.changed.map((e) => new URL(e.id).pathname.split("/").pop())).toEqual(["later.ics"]);
	});

	it("throws SyncCursorExpiredError for a token the server does not know", async () => {
		const account = await radicaleAccount("expired");
		const bogus = JSON.stringify({ kind: "sync", token: `http://radicale.org/ns/sync/${"0".repeat(64)}` });
		await expect(account.caldav.syncEvents(account.calendarUrl, bogus, WINDOW)).rejects.toBeInstanceOf(SyncCursorExpiredError);
		await expect(account.caldav.syncEvents(account.calendarUrl, "not json", WINDOW)).rejects.toBeInstanceOf(SyncCursorExpiredError);
	});

	it("falls back to ctag + calendar-query when sync-collection is refused", async () => {
		const account = await radicaleAccount("ctag");
		// A server without RFC 6578 answers the report with 403 (supported-report) or 501.
		const noSyncFetch = (input: string, init?: RequestInit): Promise<Response> =>
			init?.method === "REPORT" && String(init.body).includes("sync-collection") ? Promise.resolve(new Response("<error/>", { status: 501 })) : testFetch(input, init);
		const caldav = new CalDavCalendar({ provider: "caldav", serverUrl: caldavUrl, username: account.username, password: account.password, fetch: noSyncFetch, ownAddresses: [] });
		await putRaw(account, "busy.ics", vevent("busy", ["DTSTART:20260602T070000Z", "DTEND:20260602T080000Z"]));
		await putRaw(account, "outside.ics", vevent("outside", ["DTSTART:20270602T070000Z", "DTEND:20270602T080000Z"]));
		const first = await caldav.syncEvents(account.calendarUrl, null, WINDOW);
		expect(first.changed.map((e) => e.instances.length)).toEqual([1]);
		const unchanged = await caldav.syncEvents(account.calendarUrl, first.cursor, WINDOW);
		expect(unchanged).toMatchObject({ full: false, changed: [] });
		await putRaw(account, "more.ics", vevent("more", ["DTSTART:20260603T070000Z", "DTEND:20260603T080000Z"]));
		const changed = await caldav.syncEvents(account.calendarUrl, unchanged.cursor, WINDOW);
		expect(changed.full).toBe(true);
		expect(changed.changed).toHaveLength(2);
	});

	it("writes a weekly series with one moved and one cancelled occurrence", async () => {
		const account = await radicaleAccount("series");
		const series = seriesWithExceptions();
		const created = await account.caldav.putEvent(account.calendarUrl, series, null);
		const stored = await (await fetch(created.externalId, { headers: { authorization: basic(account) } })).text();
		expect(stored).toContain("RRULE:FREQ=WEEKLY;COUNT=4");
		expect(stored).toContain("EXDATE;TZID=Europe/Berlin:20260615T100000");
		expect(stored).toContain("RECURRENCE-ID;TZID=Europe/Berlin:20260608T100000");
		// Expanded by the importer inbound sync uses, under the blocking policy it applies.
		const { blocks } = icalendarBlocks(stored, { staffTimezone: "Europe/Berlin", ownAddresses: [], window: WINDOW });
		expect(blocks.map((b) => b.start)).toEqual([T0, T0 + 8 * DAY, T0 + 21 * DAY]);
	});

	it("reports rejected credentials as TokenRevokedError without the password in the message", async () => {
		const account = await radicaleAccount("auth");
		const wrong = new CalDavCalendar({ provider: "caldav", serverUrl: caldavUrl, username: account.username, password: "wrong-secret-pw", fetch: testFetch, ownAddresses: [] });
		const error = await wrong.listCalendars().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TokenRevokedError);
		expect((error as Error).message).not.toContain("wrong-secret-pw");
	});
});

describe("CalDavCalendar (Radicale): a UID held by another resource", () => {
	it("updates the resource that holds the booking's UID instead of failing or writing a second one", async () => {
		const account = await radicaleAccount("uid");
		const event = booking();
		// Another client (or an older Slotline) stored our event under a name of its own.
		await putRaw(account, "imported-by-someone.ics", vevent(`slotline-${event.bookingId}`, ["DTSTART:20260601T080000Z", "DTEND:20260601T090000Z", `X-SLOTLINE-BOOKING-ID:${event.bookingId}`]));
		const written = await account.caldav.putEvent(account.calendarUrl, { ...event, title: "Updated in place" }, null);
		expect(written.externalId.endsWith("/imported-by-someone.ics")).toBe(true);
		expect(await listing(account)).toEqual([written.externalId]);
	});
});

/** A scripted CalDAV server for what Radicale cannot be made to do; records every request it saw. */
function scripted(handler: (request: Request) => Response | Promise<Response>): { fetch: (input: string, init?: RequestInit) => Promise<Response>; seen: Request[] } {
	const seen: Request[] = [];
	return {
		seen,
		fetch: async (input, init) => {
			const request = new Request(input, init);
			seen.push(request.clone());
			return handler(request);
		},
	};
}

const MULTISTATUS = '<?xml version="1.0"?><D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">';

describe("CalDavCalendar (scripted server)", () => {
	const collection = "https://dav.example.test/cal/work/";
	const account = (fetch: (input: string, init?: RequestInit) => Promise<Response>): CalDavCalendar =>
		new CalDavCalendar({ provider: "caldav", serverUrl: "https://dav.example.test/", username: "ana", password: "pw-secret", fetch, ownAddresses: [] });

	it("reads a 403 with a precondition as a refused request, and only a bare 403 as an unavailable calendar", async () => {
		const tooBig = account(scripted(() => new Response(`<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:max-resource-size/></D:error>`, { status: 403 })).fetch);
		const error = await tooBig.putEvent(collection, booking(), null).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).not.toBeInstanceOf(CalendarUnavailableError);
		expect(error).toMatchObject({ status: 403, code: "max-resource-size", retryable: false });

		const bare = account(scripted(() => new Response("Forbidden", { status: 403 })).fetch);
		await expect(bare.putEvent(collection, booking(), null)).rejects.toBeInstanceOf(CalendarUnavailableError);

		// no-uid-conflict naming its holder (RFC 4791 §5.3.2.1): the event is updated there.
		const holder = "https://dav.example.test/cal/work/older-copy.ics";
		const server = scripted((request) => {
			if (request.url === holder) return request.method === "GET" ? new Response("x", { headers: { etag: '"e1"' } }) : new Response(null, { status: 204, headers: { etag: '"e2"' } });
			return new Response(`<D:error xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:no-uid-conflict><D:href>/cal/work/older-copy.ics</D:href></C:no-uid-conflict></D:error>`, { status: 403 });
		});
		const written = await account(server.fetch).putEvent(collection, booking(), null);
		expect(written).toEqual({ externalId: holder, etag: '"e2"', meeting: null });
		expect(server.seen.filter((r) => r.method === "PUT").at(-1)?.headers.get("if-match")).toBe('"e1"');
	});

	it("follows 507-truncated sync-collection answers until the token is complete", async () => {
		const item = (name: string): string => `${collection}${name}`;
		const ics = (uid: string): string => vevent(uid, ["DTSTART:20260602T080000Z", "DTEND:20260602T090000Z"]);
		const server = scripted(async (request) => {
			const body = await request.text();
			if (body.includes("sync-collection")) {
				const token = /<D:sync-token>([^<]*)<\/D:sync-token>/.exec(body)?.[1] ?? "";
				if (token === "") {
					// First part: two members, then the 507 on the collection itself and a partial token.
					return new Response(`${MULTISTATUS}<D:response><D:href>${item("a.ics")}</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response><D:response><D:href>${item("b.ics")}</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response><D:response><D:href>${collection}</D:href><D:status>HTTP/1.1 507 Insufficient Storage</D:status></D:response><D:sync-token>partial-1</D:sync-token></D:multistatus>`, { status: 207 });
				}
				expect(token).toBe("partial-1");
				return new Response(`${MULTISTATUS}<D:response><D:href>${item("c.ics")}</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response><D:response><D:href>${item("gone.ics")}</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response><D:sync-token>complete-2</D:sync-token></D:multistatus>`, { status: 207 });
			}
			// calendar-multiget: every asked href with its data.
			const hrefs = [...body.matchAll(/<D:href>([^<]+)<\/D:href>/g)].map((m) => m[1] ?? "");
			const responses = hrefs.map((href) => `<D:response><D:href>${href}</D:href><D:propstat><D:prop><D:getetag>"1"</D:getetag><C:calendar-data>${ics(href.split("/").pop() ?? "")}</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`);
			return new Response(`${MULTISTATUS}${responses.join("")}</D:multistatus>`, { status: 207 });
		});
		const result = await account(server.fetch).syncEvents(collection, null, WINDOW);
		expect(result.changed.map((e) => e.id).sort()).toEqual([item("a.ics"), item("b.ics"), item("c.ics")]);
		expect(result.removed).toEqual([item("gone.ics")]);
		expect(JSON.parse(result.cursor)).toEqual({ kind: "sync", token: "complete-2" });
		expect(server.seen.filter((r) => r.method === "REPORT")).toHaveLength(3);
	});

	it("follows redirects with the password only to the same host (any port) or a sibling host, never to http", async () => {
		const from = new URL("https://caldav.icloud.com/.well-known/caldav");
		expect(mayFollowWithCredentials(from, new URL("https://p42-caldav.icloud.com/123/principal/"))).toBe(true);
		expect(mayFollowWithCredentials(from, new URL("https://caldav.icloud.com:8443/x"))).toBe(true);
		expect(mayFollowWithCredentials(from, new URL("http://caldav.icloud.com/x"))).toBe(false);
		expect(mayFollowWithCredentials(from, new URL("https://caldav.evil.example/x"))).toBe(false);
		expect(mayFollowWithCredentials(from, new URL("https://icloud.com.evil.example/x"))).toBe(false);
		expect(mayFollowWithCredentials(new URL("https://example.com/"), new URL("https://other.com/"))).toBe(false);
		expect(mayFollowWithCredentials(new URL("https://example.com/"), new URL("https://dav.example.com/"))).toBe(true);
		expect(mayFollowWithCredentials(new URL("http://127.0.0.1:8788/icloud"), new URL("http://127.0.0.1:8790/p42/"))).toBe(true);
		expect(mayFollowWithCredentials(new URL("http://127.0.0.1:8788/icloud"), new URL("http://127.0.0.2/p42/"))).toBe(false);

		for (const location of ["http://dav.example.test/cal/", "https://collector.evil.example/cal/"]) {
			const server = scripted((request) => (request.url.startsWith("https://dav.example.test/") ? new Response(null, { status: 301, headers: { location } }) : new Response("stolen", { status: 207 })));
			const error = await account(server.fetch).listCalendars().catch((e: unknown) => e);
			expect(error).toMatchObject({ code: "redirectRefused", retryable: false });
			// The credentials never left for the other place: it was not contacted at all.
			expect(server.seen.every((r) => r.url.startsWith("https://dav.example.test/"))).toBe(true);
			expect(String((error as Error).message)).not.toContain("pw-secret");
		}
	});
});

describe("CalDavCalendar (iCloud layer)", () => {
	it("discovers through the well-known redirect and the partition host, and writes there", async () => {
		const appleId = `apple-${crypto.randomUUID().slice(0, 8)}@icloud.test`;
		const account = (await control("/icloud/accounts", { appleId, appPassword: "abcd-efgh-ijkl-mnop" })) as { calendarHomeUrl: string };
		const icloud = new CalDavCalendar({ provider: "icloud", serverUrl: `${sandboxUrl}/icloud`, username: appleId, password: "abcd-efgh-ijkl-mnop", fetch: testFetch, ownAddresses: [appleId] });
		const calendars = await icloud.listCalendars();
		// "Reminders" is VTODO-only and left out.
		expect(calendars.map((c) => c.name)).toEqual(["Home"]);
		expect(calendars[0]?.id.startsWith(account.calendarHomeUrl)).toBe(true);
		const home = calendars[0]?.id ?? "";
		const event = booking();
		const created = await icloud.putEvent(home, event, null);
		await icloud.putEvent(home, event, null);
		const synced = await icloud.syncEvents(home, null, WINDOW);
		expect(synced.changed.map((e) => e.id)).toEqual([created.externalId]);
		expect(synced.changed[0]?.slotlineBookingId).toBe(event.bookingId);
		await icloud.deleteEvent(home, event.bookingId, created);
		const after = await icloud.syncEvents(home, synced.cursor, WINDOW);
		expect(after.removed).toEqual([created.externalId]);
	});

	it("frees an event declined under the principal's calendar-user-address-set, without being told the address", async () => {
		const appleId = `apple-${crypto.randomUUID().slice(0, 8)}@icloud.test`;
		await control("/icloud/accounts", { appleId, appPassword: "abcd-efgh-ijkl-mnop" });
		const config = { provider: "icloud" as const, serverUrl: `${sandboxUrl}/icloud`, username: appleId, password: "abcd-efgh-ijkl-mnop", fetch: testFetch };
		const home = (await new CalDavCalendar({ ...config, ownAddresses: [] }).listCalendars())[0]?.id ?? "";
		for (const [name, attendee] of [["declined", appleId.toUpperCase()], ["colleague", "colleague@example.test"]] as const) {
			const response = await fetch(new URL(`${name}.ics`, home.endsWith("/") ? home : `${home}/`), {
				method: "PUT",
				headers: { authorization: `Basic ${btoa(`${appleId}:abcd-efgh-ijkl-mnop`)}`, "content-type": "text/calendar" },
				body: vevent(name, ["DTSTART:20260605T070000Z", "DTEND:20260605T080000Z", `ATTENDEE;PARTSTAT=DECLINED:mailto:${attendee}`]),
			});
			expect(response.status).toBeLessThan(300);
		}
		// A fresh adapter, as each sync job opens one: it learns the address from the principal.
		const synced = await new CalDavCalendar({ ...config, ownAddresses: [] }).syncEvents(home, null, WINDOW);
		const declined = new Map(synced.changed.map((e) => [new URL(e.id).pathname.split("/").pop(), e.instances.map((i) => i.declined)]));
		expect(Object.fromEntries(declined)).toEqual({ "declined.ics": [true], "colleague.ics": [false] });
	});
});
