// The CalDAV adapter against a real Radicale, directly and behind the sandbox's iCloud layer.
import { describe, expect, it } from "vitest";
import { inject } from "vitest";
import { CalDavCalendar } from "../../src/calendars/caldav";
import { busyBlocksFromICalendar } from "../../src/calendars/icalendar";
import type { SyncWindow } from "../../src/calendars/provider";
import { SyncCursorExpiredError, TokenRevokedError } from "../../src/calendars/provider";
import { booking, control, DAY, sandboxUrl, seriesWithExceptions, T0, testFetch } from "./harness";

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
	const caldav = new CalDavCalendar({ provider: "caldav", serverUrl: caldavUrl, username, password, fetch: testFetch, ownerEmail: `${username}@example.test` });
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
		// Free time (transparent, declined) produces no instances: the importer only reports busy time.
		expect(byName.get("free.ics")?.instances).toEqual([]);
		expect(byName.get("declined.ics")?.instances).toEqual([]);
		expect(byName.get("holiday.ics")?.instances[0]).toMatchObject({ allDay: { startDate: "2026-06-06", endDate: "2026-06-07" }, start: Date.UTC(2026, 5, 5, 22) });
		const ownEvent = first.changed.find((e) => e.slotlineBookingId === own.bookingId);
		expect(ownEvent?.instances).toEqual([]);

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
		const caldav = new CalDavCalendar({ provider: "caldav", serverUrl: caldavUrl, username: account.username, password: account.password, fetch: noSyncFetch, ownerEmail: null });
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
		// Expanded by the importer inbound sync uses; the marker is removed, else it skips our own event.
		const { blocks } = busyBlocksFromICalendar(stored.replace(/^X-SLOTLINE-BOOKING-ID:.*\r?\n/gm, ""), { staffTimezone: "Europe/Berlin", staffEmail: null, window: WINDOW });
		expect(blocks.map((b) => b.start)).toEqual([T0, T0 + 8 * DAY, T0 + 21 * DAY]);
	});

	it("reports rejected credentials as TokenRevokedError without the password in the message", async () => {
		const account = await radicaleAccount("auth");
		const wrong = new CalDavCalendar({ provider: "caldav", serverUrl: caldavUrl, username: account.username, password: "wrong-secret-pw", fetch: testFetch, ownerEmail: null });
		const error = await wrong.listCalendars().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TokenRevokedError);
		expect((error as Error).message).not.toContain("wrong-secret-pw");
	});
});

describe("CalDavCalendar (iCloud layer)", () => {
	it("discovers through the well-known redirect and the partition host, and writes there", async () => {
		const appleId = `apple-${crypto.randomUUID().slice(0, 8)}@icloud.test`;
		const account = (await control("/icloud/accounts", { appleId, appPassword: "abcd-efgh-ijkl-mnop" })) as { calendarHomeUrl: string };
		const icloud = new CalDavCalendar({ provider: "icloud", serverUrl: `${sandboxUrl}/icloud`, username: appleId, password: "abcd-efgh-ijkl-mnop", fetch: testFetch, ownerEmail: appleId });
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
});
