// The probes polling asks before a sync, against the sandbox: CalDAV (Radicale directly and behind the iCloud
// layer) answers one PROPFIND Depth 0 for its sync-token or ctag; a published ICS feed answers a conditional GET
// (304) or, without validators, a body whose hash says whether it changed. Each unchanged probe is one request.
import { describe, expect, inject, it } from "vitest";
import { CalDavCalendar } from "../../src/calendars/caldav";
import type { FetchFunction } from "../../src/calendars/http";
import { FEED_CALENDAR_ID, IcsFeed } from "../../src/calendars/ics-feed";
import type { SyncWindow } from "../../src/calendars/provider";
import { CalendarUnavailableError, ProviderError, TokenRevokedError } from "../../src/calendars/provider";
import { control, sandboxUrl } from "../support/sandbox-control";
import { DAY, T0, testFetch } from "./harness";

const caldavUrl = inject("caldavUrl");
const WINDOW: SyncWindow = { from: T0 - 7 * DAY, to: T0 + 60 * DAY, timeZone: "Europe/Berlin" };
const APP_PASSWORD = "abcd-efgh-ijkl-mnop";

interface Exchange {
	method: string;
	status: number;
	requestHeaders: Headers;
	/** Body bytes, and header bytes as name + value + 4 a line: what the adapter sees, not the transport's own headers. */
	sent: { body: number; headers: number };
	received: { body: number; headers: number };
}

/** testFetch, recording every request the adapter makes and its size both ways. */
function counted(inner: FetchFunction = testFetch): { fetch: FetchFunction; exchanges: Exchange[] } {
	const exchanges: Exchange[] = [];
	const headerBytes = (headers: Headers): number => [...headers].reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
	return {
		exchanges,
		fetch: async (input, init) => {
			const requestHeaders = new Headers(init?.headers);
			const response = await inner(input, init);
			const body = response.body === null ? 0 : (await response.clone().arrayBuffer()).byteLength;
			const sentBody = typeof init?.body === "string" ? new TextEncoder().encode(init.body).byteLength : 0;
			exchanges.push({ method: init?.method ?? "GET", status: response.status, requestHeaders, sent: { body: sentBody, headers: headerBytes(requestHeaders) }, received: { body, headers: headerBytes(response.headers) } });
			return response;
		},
	};
}

function vevent(uid: string, start: string, end: string): string {
	return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", `UID:${uid}`, "DTSTAMP:20260101T000000Z", `DTSTART:${start}`, `DTEND:${end}`, "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
}

/** An outside client's PUT (the person's own calendar app), not the adapter's. */
async function putOutside(collection: string, name: string, user: string, password: string, ics: string): Promise<void> {
	const response = await fetch(new URL(name, collection.endsWith("/") ? collection : `${collection}/`), {
		method: "PUT",
		headers: { authorization: `Basic ${btoa(`${user}:${password}`)}`, "content-type": "text/calendar" },
		body: ics,
	});
	expect(response.status).toBeLessThan(300);
}

async function radicaleCalendar(label: string): Promise<{ username: string; password: string; calendarUrl: string }> {
	const username = `${label}-${crypto.randomUUID().slice(0, 8)}`;
	const password = "pw-123456";
	await control("/caldav/users", { username, password });
	const { url } = (await control("/caldav/calendars", { username, password, slug: "work", displayName: "Work" })) as { url: string };
	return { username, password, calendarUrl: url };
}

function report(name: string, exchanges: Exchange[]): void {
	for (const e of exchanges) console.log(`${name}: ${e.method} ${e.status}, sent body ${e.sent.body} B + headers ${e.sent.headers} B, received body ${e.received.body} B + headers ${e.received.headers} B`);
}

describe("CalDavCalendar.probe (Radicale)", () => {
	it("costs one PROPFIND Depth 0 when unchanged, keeps the version a sync leaves, and sees an outside PUT", async () => {
		const account = await radicaleCalendar("probe");
		await putOutside(account.calendarUrl, "first.ics", account.username, account.password, vevent("first", "20260602T070000Z", "20260602T080000Z"));
		const wire = counted();
		const caldav = new CalDavCalendar({ provider: "caldav", serverUrl: caldavUrl, username: account.username, password: account.password, fetch: wire.fetch, ownAddresses: [] });

		const first = await caldav.probe(account.calendarUrl, null);
		expect(first.changed).toBe(true);
		expect(first.version).toMatch(/^sync:http:\/\/radicale\.org\/ns\/sync\//);
		const synced = await caldav.syncEvents(account.calendarUrl, null, WINDOW);
		// The sync leaves the collection at the version the probe read before it.
		expect(first.version).toBe(`sync:${(JSON.parse(synced.cursor) as { token: string }).token}`);

		wire.exchanges.length = 0;
		const second = await caldav.probe(account.calendarUrl, first.version);
		expect(second).toEqual({ version: first.version, changed: false });
		expect(wire.exchanges.map((e) => [e.method, e.requestHeaders.get("depth"), e.status])).toEqual([["PROPFIND", "0", 207]]);
		report("probe.caldav.unchanged", wire.exchanges);
		expect(wire.exchanges[0]?.received.body).toBeLessThan(1024);

		await putOutside(account.calendarUrl, "second.ics", account.username, account.password, vevent("second", "20260603T070000Z", "20260603T080000Z"));
		const third = await caldav.probe(account.calendarUrl, second.version);
		expect(third.changed).toBe(true);
		expect(third.version).not.toBe(first.version);
		const next = await caldav.syncEvents(account.calendarUrl, synced.cursor, WINDOW);
		expect(next.changed.map((e) => e.id.split("/").pop())).toEqual(["second.ics"]);
		expect(await caldav.probe(account.calendarUrl, third.version)).toEqual({ version: third.version, changed: false });
	});

	it("falls back to the ctag, naming which one it read, so a server that starts offering a sync-token looks changed", async () => {
		const account = await radicaleCalendar("ctag");
		// A server without RFC 6578 knows no sync-token property: Radicale is asked for the ctag alone.
		const noSyncToken: FetchFunction = (input, init) => testFetch(input, { ...init, body: typeof init?.body === "string" ? init.body.replace("<D:sync-token/>", "") : init?.body });
		const config = { provider: "caldav" as const, serverUrl: caldavUrl, username: account.username, password: account.password, ownAddresses: [] };
		const old = new CalDavCalendar({ ...config, fetch: noSyncToken });
		const byCtag = await old.probe(account.calendarUrl, null);
		expect(byCtag.version).toMatch(/^ctag:"/);
		expect(await old.probe(account.calendarUrl, byCtag.version)).toEqual({ version: byCtag.version, changed: false });
		const upgraded = await new CalDavCalendar({ ...config, fetch: testFetch }).probe(account.calendarUrl, byCtag.version);
		expect(upgraded.version).toMatch(/^sync:/);
		expect(upgraded.changed).toBe(true);
	});

	it("maps a deleted collection to CalendarUnavailableError and a refused password to TokenRevokedError", async () => {
		const account = await radicaleCalendar("gone");
		const caldav = new CalDavCalendar({ provider: "caldav", serverUrl: caldavUrl, username: account.username, password: account.password, fetch: testFetch, ownAddresses: [] });
		const { version } = await caldav.probe(account.calendarUrl, null);
		const wrong = new CalDavCalendar({ provider: "caldav", serverUrl: caldavUrl, username: account.username, password: "wrong-pw", fetch: testFetch, ownAddresses: [] });
		await expect(wrong.probe(account.calendarUrl, version)).rejects.toBeInstanceOf(TokenRevokedError);
		const deleted = await fetch(account.calendarUrl, { method: "DELETE", headers: { authorization: `Basic ${btoa(`${account.username}:${account.password}`)}` } });
		expect(deleted.status).toBeLessThan(300);
		await expect(caldav.probe(account.calendarUrl, version)).rejects.toBeInstanceOf(CalendarUnavailableError);
	});
});

/** A fresh iCloud account of the sandbox, its Home calendar's URL and an adapter on it. */
async function icloudHome(wire: FetchFunction): Promise<{ appleId: string; home: string; icloud: CalDavCalendar }> {
	const appleId = `probe-${crypto.randomUUID().slice(0, 8)}@icloud.test`;
	await control("/icloud/accounts", { appleId, appPassword: APP_PASSWORD });
	const icloud = new CalDavCalendar({ provider: "icloud", serverUrl: `${sandboxUrl}/icloud`, username: appleId, password: APP_PASSWORD, fetch: wire, ownAddresses: [appleId] });
	const home = (await icloud.listCalendars())[0]?.id ?? "";
	return { appleId, home, icloud };
}

describe("CalDavCalendar.probe (iCloud layer)", () => {
	it("probes on the partition host, and a 503 with Retry-After there is a retryable ProviderError", async () => {
		const wire = counted();
		const { appleId, home, icloud } = await icloudHome(wire.fetch);
		const first = await icloud.probe(home, null);
		wire.exchanges.length = 0;
		expect(await icloud.probe(home, first.version)).toEqual({ version: first.version, changed: false });
		expect(wire.exchanges).toHaveLength(1);
		report("probe.icloud.unchanged", wire.exchanges);

		await control("/faults", { provider: "icloud", endpoint: "propfind", status: 503, retryAfter: 30, count: 1, scope: { account: appleId, calendarId: "home" } });
		const error = await icloud.probe(home, first.version).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).toMatchObject({ provider: "icloud", status: 503, retryable: true, retryAfterSeconds: 30 });
		await putOutside(home, "outside.ics", appleId, APP_PASSWORD, vevent("outside", "20260602T070000Z", "20260602T080000Z"));
		expect((await icloud.probe(home, first.version)).changed).toBe(true);
	});
});

/** An iCloud account whose Home (one event) is published as an ICS feed, and a counted adapter on the feed. */
async function publishedFeed(): Promise<{ appleId: string; home: string; feedId: string; feed: IcsFeed; wire: ReturnType<typeof counted> }> {
	const { appleId, home } = await icloudHome(testFetch);
	await putOutside(home, "first.ics", appleId, APP_PASSWORD, vevent("first", "20260602T070000Z", "20260602T080000Z"));
	const { id, url } = (await control("/feeds", { appleId })) as { id: string; url: string };
	const wire = counted();
	return { appleId, home, feedId: id, feed: new IcsFeed({ url, ownAddresses: [], fetch: wire.fetch }), wire };
}

interface FeedVersionJson {
	etag: string | null;
	lastModified: string | null;
	sha256: string;
}

describe("IcsFeed.probe (published feed)", () => {
	it("revalidates with If-None-Match: an unchanged feed is one 304 without a body, a changed one says so", async () => {
		const { appleId, home, feed, wire } = await publishedFeed();
		const first = await feed.probe(FEED_CALENDAR_ID, null);
		expect(first.changed).toBe(true);
		const version = JSON.parse(first.version ?? "null") as FeedVersionJson;
		expect(version.etag).toMatch(/^"/);
		expect(version.lastModified).not.toBeNull();
		expect(version.sha256).toMatch(/^[0-9a-f]{64}$/);

		wire.exchanges.length = 0;
		expect(await feed.probe(FEED_CALENDAR_ID, first.version)).toEqual({ version: first.version, changed: false });
		expect(wire.exchanges.map((e) => [e.method, e.status, e.requestHeaders.get("if-none-match"), e.received.body])).toEqual([["GET", 304, version.etag, 0]]);
		report("probe.ics.unchanged", wire.exchanges);

		// The sync agrees: a cursor from a full read revalidates to no change.
		const synced = await feed.syncEvents(FEED_CALENDAR_ID, null, WINDOW);
		expect(await feed.syncEvents(FEED_CALENDAR_ID, synced.cursor, WINDOW)).toMatchObject({ full: false, changed: [], removed: [] });

		await putOutside(home, "second.ics", appleId, APP_PASSWORD, vevent("second", "20260603T070000Z", "20260603T080000Z"));
		const changed = await feed.probe(FEED_CALENDAR_ID, first.version);
		expect(changed.changed).toBe(true);
		expect((JSON.parse(changed.version ?? "null") as FeedVersionJson).sha256).not.toBe(version.sha256);
	});

	it("takes a new ETag for the same bytes (the calendar's colour changed) as unchanged, and its new version ends the next probe in a 304", async () => {
		const { appleId, home, feed, wire } = await publishedFeed();
		const first = await feed.probe(FEED_CALENDAR_ID, null);
		// Radicale's collection ETag covers its properties, which the feed's body does not show.
		const recolour = await fetch(home, {
			method: "PROPPATCH",
			headers: { authorization: `Basic ${btoa(`${appleId}:${APP_PASSWORD}`)}`, "content-type": "application/xml; charset=utf-8" },
			body: '<?xml version="1.0" encoding="utf-8"?><D:propertyupdate xmlns:D="DAV:" xmlns:I="http://apple.com/ns/ical/"><D:set><D:prop><I:calendar-color>#FF2968FF</I:calendar-color></D:prop></D:set></D:propertyupdate>',
		});
		expect(recolour.status).toBe(207);
		wire.exchanges.length = 0;
		const recoloured = await feed.probe(FEED_CALENDAR_ID, first.version);
		expect(recoloured.changed).toBe(false);
		expect(recoloured.version).not.toBe(first.version);
		expect(wire.exchanges.map((e) => e.status)).toEqual([200]);
		expect(await feed.probe(FEED_CALENDAR_ID, recoloured.version)).toEqual({ version: recoloured.version, changed: false });
		expect(wire.exchanges.map((e) => e.status)).toEqual([200, 304]);
	});

	it("without validators, compares the body's hash: an identical body is unchanged (and not parsed by the sync), a new one is changed", async () => {
		const { appleId, home, feedId, feed, wire } = await publishedFeed();
		await control("/faults", { provider: "ics", noValidators: true, scope: { calendarId: feedId } });
		const first = await feed.probe(FEED_CALENDAR_ID, null);
		expect(JSON.parse(first.version ?? "null")).toMatchObject({ etag: null, lastModified: null });

		wire.exchanges.length = 0;
		expect(await feed.probe(FEED_CALENDAR_ID, first.version)).toEqual({ version: first.version, changed: false });
		expect(wire.exchanges.map((e) => [e.method, e.status, e.requestHeaders.has("if-none-match"), e.requestHeaders.has("if-modified-since")])).toEqual([["GET", 200, false, false]]);
		report("probe.ics.unchanged_without_validators", wire.exchanges);

		const synced = await feed.syncEvents(FEED_CALENDAR_ID, null, WINDOW);
		expect(synced.changed.map((e) => e.id)).toEqual(["first"]);
		// The same bytes again: no snapshot to replace, as after a 304.
		const same = await feed.syncEvents(FEED_CALENDAR_ID, synced.cursor, WINDOW);
		expect(same).toMatchObject({ full: false, changed: [], removed: [] });

		await putOutside(home, "second.ics", appleId, APP_PASSWORD, vevent("second", "20260603T070000Z", "20260603T080000Z"));
		expect((await feed.probe(FEED_CALENDAR_ID, first.version)).changed).toBe(true);
		const next = await feed.syncEvents(FEED_CALENDAR_ID, same.cursor, WINDOW);
		expect(next.full).toBe(true);
		expect(next.changed.map((e) => e.id).sort()).toEqual(["first", "second"]);
		await control(`/faults?calendarId=${feedId}`, undefined, "DELETE");
	});

	it("reads a 503 with Retry-After as a retryable ProviderError, and a feed whose calendar was deleted as unavailable", async () => {
		const { appleId, home, feedId, feed } = await publishedFeed();
		const { version } = await feed.probe(FEED_CALENDAR_ID, null);
		await control("/faults", { provider: "ics", endpoint: "feed", status: 503, retryAfter: 120, count: 2, scope: { calendarId: feedId } });
		for (const attempt of [() => feed.probe(FEED_CALENDAR_ID, version), () => feed.syncEvents(FEED_CALENDAR_ID, null, WINDOW)]) {
			const error = await attempt().catch((e: unknown) => e);
			expect(error).toBeInstanceOf(ProviderError);
			expect(error).toMatchObject({ provider: "ics", status: 503, retryable: true, retryAfterSeconds: 120 });
		}
		const deleted = await fetch(home, { method: "DELETE", headers: { authorization: `Basic ${btoa(`${appleId}:${APP_PASSWORD}`)}` } });
		expect(deleted.status).toBeLessThan(300);
		await expect(feed.probe(FEED_CALENDAR_ID, version)).rejects.toBeInstanceOf(CalendarUnavailableError);
	});
});
