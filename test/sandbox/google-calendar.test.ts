import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, googleSignIn, postJson, sandboxPerFile } from "./helpers";

interface EventsPage {
	items: Array<Record<string, unknown> & { id: string; status?: string }>;
	nextPageToken?: string;
	nextSyncToken?: string;
}

let sandbox: Sandbox;
let token: string;
let base: string;
sandboxPerFile((started) => {
	sandbox = started;
	base = `${sandbox.url}/google/calendar/v3`;
});
beforeEach(async () => {
	token = (await googleSignIn(sandbox, "cal@example.com")).access_token;
});

function api(path: string, init: RequestInit = {}): Promise<Response> {
	const headers = { ...bearer(token), "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) };
	return fetch(`${base}${path}`, { ...init, headers });
}

async function insert(body: Record<string, unknown>): Promise<Record<string, unknown> & { id: string; etag: string }> {
	const res = await api("/calendars/primary/events", { method: "POST", body: JSON.stringify(body) });
	expect(res.status).toBe(200);
	return (await res.json()) as Record<string, unknown> & { id: string; etag: string };
}

async function list(query: Record<string, string>): Promise<{ status: number; body: EventsPage & Record<string, unknown> }> {
	const res = await api(`/calendars/primary/events?${new URLSearchParams(query)}`);
	return { status: res.status, body: (await res.json()) as EventsPage & Record<string, unknown> };
}

const slot = (day: number, hour: number): { start: { dateTime: string }; end: { dateTime: string } } => ({
	start: { dateTime: `2026-03-${String(day).padStart(2, "0")}T${String(hour).padStart(2, "0")}:00:00Z` },
	end: { dateTime: `2026-03-${String(day).padStart(2, "0")}T${String(hour + 1).padStart(2, "0")}:00:00Z` },
});

describe("Google events: ids, conflicts and preconditions", () => {
	it("requires a Bearer token", async () => {
		const res = await fetch(`${base}/users/me/calendarList`);
		expect(res.status).toBe(401);
		expect(await res.json()).toMatchObject({ error: { code: 401, errors: [{ reason: "authError" }] } });
	});

	it("lists the primary calendar as owner", async () => {
		const body = (await (await api("/users/me/calendarList")).json()) as { items: Array<Record<string, unknown>> };
		expect(body.items).toEqual([expect.objectContaining({ id: "cal@example.com", accessRole: "owner", primary: true })]);
	});

	it("rejects ids outside base32hex with 400", async () => {
		const res = await api("/calendars/primary/events", { method: "POST", body: JSON.stringify({ id: "Booking-1", ...slot(2, 9) }) });
		expect(res.status).toBe(400);
		const short = await api("/calendars/primary/events", { method: "POST", body: JSON.stringify({ id: "abcd", ...slot(2, 9) }) });
		expect(short.status).toBe(400);
	});

	it("answers 409 for a duplicate id, also after the event was deleted", async () => {
		await insert({ id: "booking0001", summary: "A", ...slot(2, 9) });
		const dup = await api("/calendars/primary/events", { method: "POST", body: JSON.stringify({ id: "booking0001", ...slot(2, 9) }) });
		expect(dup.status).toBe(409);
		expect(await dup.json()).toMatchObject({ error: { code: 409, message: "The requested identifier already exists." } });
		expect((await api("/calendars/primary/events/booking0001", { method: "DELETE" })).status).toBe(204);
		const again = await api("/calendars/primary/events", { method: "POST", body: JSON.stringify({ id: "booking0001", ...slot(2, 9) }) });
		expect(again.status).toBe(409);
		// The documented recovery: PATCH the tombstone back to confirmed.
		const revived = await api("/calendars/primary/events/booking0001", { method: "PATCH", body: JSON.stringify({ status: "confirmed" }) });
		expect(revived.status).toBe(200);
	});

	it("answers 410 when deleting an already deleted event, and get still returns it", async () => {
		const event = await insert({ ...slot(3, 9) });
		expect((await api(`/calendars/primary/events/${event.id}`, { method: "DELETE" })).status).toBe(204);
		expect((await api(`/calendars/primary/events/${event.id}`, { method: "DELETE" })).status).toBe(410);
		const got = (await (await api(`/calendars/primary/events/${event.id}`)).json()) as Record<string, unknown>;
		expect(got.status).toBe("cancelled");
	});

	it("answers 412 conditionNotMet for a stale If-Match", async () => {
		const event = await insert({ summary: "v1", ...slot(4, 9) });
		const patched = await api(`/calendars/primary/events/${event.id}`, { method: "PATCH", headers: { "if-match": event.etag }, body: JSON.stringify({ summary: "v2" }) });
		expect(patched.status).toBe(200);
		const stale = await api(`/calendars/primary/events/${event.id}`, { method: "PATCH", headers: { "if-match": event.etag }, body: JSON.stringify({ summary: "v3" }) });
		expect(stale.status).toBe(412);
		expect(await stale.json()).toMatchObject({ error: { errors: [{ reason: "conditionNotMet", location: "If-Match" }] } });
	});

	it("keeps private extended properties and filters on them", async () => {
		await insert({ summary: "ours", extendedProperties: { private: { slotlineBookingId: "bk_1" } }, colorId: "5", ...slot(5, 9) });
		await insert({ summary: "theirs", ...slot(5, 11) });
		const { body } = await list({ privateExtendedProperty: "slotlineBookingId=bk_1" });
		expect(body.items.map((i) => i.summary)).toEqual(["ours"]);
		expect(body.items[0]).toMatchObject({ colorId: "5", extendedProperties: { private: { slotlineBookingId: "bk_1" } } });
	});

	it("checks reminders: at most 5 overrides of 0–40320 minutes, not with useDefault (docs/providers.md A4)", async () => {
		const post = (reminders: unknown): Promise<Response> => api("/calendars/primary/events", { method: "POST", body: JSON.stringify({ ...slot(6, 9), reminders }) });
		const popup = (minutes: number): { method: string; minutes: number } => ({ method: "popup", minutes });
		expect((await post({ useDefault: false, overrides: [popup(0), popup(10), popup(60), popup(1440), popup(40_320)] })).status).toBe(200);
		expect((await post({ useDefault: false, overrides: [popup(1), popup(2), popup(3), popup(4), popup(5), popup(6)] })).status).toBe(400);
		expect((await post({ useDefault: false, overrides: [popup(40_321)] })).status).toBe(400);
		expect((await post({ useDefault: false, overrides: [popup(-1)] })).status).toBe(400);
		expect((await post({ useDefault: false, overrides: [{ method: "sms", minutes: 5 }] })).status).toBe(400);
		const both = await post({ useDefault: true, overrides: [popup(10)] });
		expect(both.status).toBe(400);
		expect(await both.json()).toMatchObject({ error: { errors: [{ reason: "cannotUseDefaultRemindersAndSpecifyOverride" }] } });
	});

	it("checks attendees: an email each and a known responseStatus (docs/providers.md A4)", async () => {
		const post = (attendees: unknown): Promise<Response> => api("/calendars/primary/events", { method: "POST", body: JSON.stringify({ ...slot(7, 9), attendees }) });
		const ok = await post(["needsAction", "declined", "tentative", "accepted"].map((responseStatus, i) => ({ email: `p${i}@example.com`, responseStatus })));
		expect(ok.status).toBe(200);
		expect((await post([{ email: "p@example.com", responseStatus: "maybe" }])).status).toBe(400);
		expect((await post([{ displayName: "No email" }])).status).toBe(400);
		const event = (await ok.json()) as { id: string };
		const patched = await api(`/calendars/primary/events/${event.id}`, { method: "PATCH", body: JSON.stringify({ attendees: [{ email: "p@example.com", responseStatus: "yes" }] }) });
		expect(patched.status).toBe(400);
	});

	it("rejects a timed event without an offset or time zone", async () => {
		const res = await api("/calendars/primary/events", { method: "POST", body: JSON.stringify({ start: { dateTime: "2026-03-02T09:00:00" }, end: { dateTime: "2026-03-02T10:00:00" } }) });
		expect(res.status).toBe(400);
	});
});

describe("Google events.list and incremental sync", () => {
	it("pages with nextPageToken and puts nextSyncToken only on the last page, then syncs changes", async () => {
		for (let i = 1; i <= 5; i++) await insert({ summary: `e${i}`, ...slot(i, 9) });
		const seen: string[] = [];
		let pageToken: string | undefined;
		let syncToken: string | undefined;
		let pages = 0;
		do {
			const { body } = await list({ maxResults: "2", ...(pageToken === undefined ? {} : { pageToken }) });
			pages += 1;
			expect(body.nextPageToken === undefined).not.toBe(body.nextSyncToken === undefined);
			seen.push(...body.items.map((i) => String(i.summary)));
			pageToken = body.nextPageToken;
			syncToken = body.nextSyncToken;
		} while (pageToken !== undefined);
		expect(pages).toBe(3);
		expect(seen).toEqual(["e1", "e2", "e3", "e4", "e5"]);

		const first = await insert({ summary: "e6", ...slot(6, 9) });
		const { body: initial } = await list({ maxResults: "2" });
		const e2 = initial.items[1];
		await api(`/calendars/primary/events/${String(e2?.id)}`, { method: "DELETE" });
		// Incremental requests repeat maxResults (docs/providers.md A3).
		const { status, body: delta } = await list({ syncToken: syncToken ?? "", maxResults: "2" });
		expect(status).toBe(200);
		expect(delta.items.map((i) => [i.id, i.status])).toEqual([
			[e2?.id, "cancelled"],
			[first.id, "confirmed"],
		]);
		expect(delta.nextSyncToken).toBeTypeOf("string");
		const { body: quiet } = await list({ syncToken: delta.nextSyncToken ?? "", maxResults: "2" });
		expect(quiet.items).toEqual([]);
	});

	it("pages an incremental sync: pageToken within the sync, deletions included, nextSyncToken only at the end", async () => {
		const { body: initial } = await list({ maxResults: "2" });
		expect(initial.nextSyncToken).toBeTypeOf("string");
		const created: string[] = [];
		for (let i = 1; i <= 5; i++) created.push((await insert({ summary: `n${i}`, ...slot(i, 9) })).id);
		await api(`/calendars/primary/events/${created[0]}`, { method: "DELETE" });
		const seen: Array<[string, string | undefined]> = [];
		let pageToken: string | undefined;
		let syncToken: string | undefined;
		let pages = 0;
		do {
			const query: Record<string, string> = { syncToken: initial.nextSyncToken ?? "", maxResults: "2" };
			if (pageToken !== undefined) query.pageToken = pageToken;
			const { status, body } = await list(query);
			expect(status).toBe(200);
			pages += 1;
			expect(body.nextPageToken === undefined).not.toBe(body.nextSyncToken === undefined);
			seen.push(...body.items.map((i): [string, string | undefined] => [i.id, i.status]));
			pageToken = body.nextPageToken;
			syncToken = body.nextSyncToken;
		} while (pageToken !== undefined);
		expect(pages).toBe(3);
		expect(seen).toEqual(created.map((id, i): [string, string] => [id, i === 0 ? "cancelled" : "confirmed"]));
		expect((await list({ syncToken: syncToken ?? "", maxResults: "2" })).body.items).toEqual([]);
	});

	it("answers 400 when singleEvents or maxResults differ from the initial sync", async () => {
		const { body } = await list({ singleEvents: "true", maxResults: "50" });
		const token = body.nextSyncToken ?? "";
		expect((await list({ syncToken: token, singleEvents: "true", maxResults: "50" })).status).toBe(200);
		const otherSize = await list({ syncToken: token, singleEvents: "true", maxResults: "20" });
		expect(otherSize.status).toBe(400);
		expect(otherSize.body).toMatchObject({ error: { errors: [{ reason: "invalid", location: "maxResults" }] } });
		// Leaving maxResults out means the default 250, which is not 50 either.
		expect((await list({ syncToken: token, singleEvents: "true" })).status).toBe(400);
		const notExpanded = await list({ syncToken: token, maxResults: "50" });
		expect(notExpanded.status).toBe(400);
		expect(notExpanded.body).toMatchObject({ error: { errors: [{ location: "singleEvents" }] } });
	});

	it("kills sync tokens on expiry and on an ACL change (410), and refuses a very old updatedMin", async () => {
		const { body } = await list({});
		await postJson(`${sandbox.url}/_control/faults`, { provider: "google", expireSyncTokens: true });
		for (let i = 0; i < 2; i++) expect((await list({ syncToken: body.nextSyncToken ?? "" })).status).toBe(410);
		const { body: fresh } = await list({});
		expect((await list({ syncToken: fresh.nextSyncToken ?? "" })).status).toBe(200);
		const shared = await postJson(`${sandbox.url}/_control/google/calendars/cal@example.com/acl`, { email: "friend@example.com", role: "reader" });
		expect(shared.status).toBe(200);
		const afterAcl = await list({ syncToken: fresh.nextSyncToken ?? "" });
		expect(afterAcl.status).toBe(410);
		expect(afterAcl.body).toMatchObject({ error: { errors: [{ reason: "fullSyncRequired" }] } });

		const now = Date.now();
		expect((await list({ updatedMin: new Date(now - 7 * 86_400_000).toISOString() })).status).toBe(200);
		const old = await list({ updatedMin: new Date(now - 60 * 86_400_000).toISOString() });
		expect(old.status).toBe(410);
		expect(old.body).toMatchObject({ error: { code: 410, errors: [{ reason: "updatedMinTooLongAgo" }] } });
	});

	it("rejects parameters that are incompatible with syncToken", async () => {
		const { body } = await list({});
		const extras: Array<Record<string, string>> = [{ timeMin: "2026-01-01T00:00:00Z" }, { q: "x" }, { orderBy: "updated" }, { privateExtendedProperty: "a=b" }, { showDeleted: "false" }];
		for (const extra of extras) {
			const res = await list({ syncToken: body.nextSyncToken ?? "", ...extra });
			expect(res.status).toBe(400);
		}
	});

	it("answers 410 fullSyncRequired when forced through the control API, once", async () => {
		const { body } = await list({});
		await postJson(`${sandbox.url}/_control/faults`, { provider: "google", forceSyncGone: true });
		const gone = await list({ syncToken: body.nextSyncToken ?? "" });
		expect(gone.status).toBe(410);
		expect(gone.body).toMatchObject({ error: { code: 410, errors: [{ reason: "fullSyncRequired" }] } });
		expect((await list({ syncToken: body.nextSyncToken ?? "" })).status).toBe(200);
		expect((await list({ syncToken: "garbage" })).status).toBe(410);
	});

	it("uses timeMin as an exclusive bound on end and timeMax on start", async () => {
		await insert({ summary: "ends-at-min", ...slot(10, 8) });
		await insert({ summary: "inside", ...slot(10, 9) });
		await insert({ summary: "starts-at-max", ...slot(10, 10) });
		const { body } = await list({ timeMin: "2026-03-10T09:00:00Z", timeMax: "2026-03-10T10:00:00Z" });
		expect(body.items.map((i) => i.summary)).toEqual(["inside"]);
	});

	it("expands series with singleEvents, honours EXDATE, and shows cancelled exceptions", async () => {
		const series = await insert({
			summary: "weekly",
			start: { dateTime: "2026-03-02T09:00:00", timeZone: "Europe/Berlin" },
			end: { dateTime: "2026-03-02T10:00:00", timeZone: "Europe/Berlin" },
			recurrence: ["RRULE:FREQ=WEEKLY;COUNT=5", "EXDATE;TZID=Europe/Berlin:20260309T090000"],
		});
		const window = { timeMin: "2026-03-01T00:00:00Z", timeMax: "2026-04-30T00:00:00Z" };
		const { body } = await list({ singleEvents: "true", orderBy: "startTime", ...window });
		// Berlin moves to summer time on 29 March, so the UTC hour changes for the last instance.
		expect(body.items.map((i) => i.id)).toEqual([
			`${series.id}_20260302T080000Z`,
			`${series.id}_20260316T080000Z`,
			`${series.id}_20260323T080000Z`,
			`${series.id}_20260330T070000Z`,
		]);
		// Times are printed in the calendar's zone (UTC here); timeZone stays the series' own.
		expect(body.items[0]).toMatchObject({ recurringEventId: series.id, originalStartTime: { dateTime: "2026-03-02T08:00:00Z", timeZone: "Europe/Berlin" } });
		const inBerlin = await list({ singleEvents: "true", orderBy: "startTime", timeZone: "Europe/Berlin", ...window });
		expect(inBerlin.body.items[3]).toMatchObject({ start: { dateTime: "2026-03-30T09:00:00+02:00", timeZone: "Europe/Berlin" }, end: { dateTime: "2026-03-30T10:00:00+02:00" } });

		expect((await api(`/calendars/primary/events/${series.id}_20260316T080000Z`, { method: "DELETE" })).status).toBe(204);
		const after = await list({ singleEvents: "true", ...window });
		expect(after.body.items).toHaveLength(3);
		const withDeleted = await list({ singleEvents: "true", showDeleted: "true", ...window });
		expect(withDeleted.body.items.find((i) => i.id === `${series.id}_20260316T080000Z`)).toMatchObject({ status: "cancelled", recurringEventId: series.id });
		// Neither showDeleted nor singleEvents: the master plus its cancelled instance.
		const plain = await list(window);
		expect(plain.body.items.map((i) => [i.id, i.status])).toEqual([
			[series.id, "confirmed"],
			[`${series.id}_20260316T080000Z`, "cancelled"],
		]);
	});

	it("returns merged busy time from freeBusy, skipping transparent events", async () => {
		await insert({ ...slot(12, 9) });
		await insert({ start: { dateTime: "2026-03-12T09:30:00Z" }, end: { dateTime: "2026-03-12T11:00:00Z" } });
		await insert({ transparency: "transparent", ...slot(12, 14) });
		const res = await api("/freeBusy", { method: "POST", body: JSON.stringify({ timeMin: "2026-03-12T00:00:00Z", timeMax: "2026-03-13T00:00:00Z", items: [{ id: "primary" }, { id: "nobody@example.com" }] }) });
		const body = (await res.json()) as { calendars: Record<string, { busy: unknown[]; errors?: unknown[] }> };
		expect(body.calendars.primary?.busy).toEqual([{ start: "2026-03-12T09:00:00Z", end: "2026-03-12T11:00:00Z" }]);
		expect(body.calendars["nobody@example.com"]?.errors).toEqual([{ domain: "global", reason: "notFound" }]);
	});

	it("serves the event colour palette", async () => {
		const body = (await (await api("/colors")).json()) as { event: Record<string, { background: string }>; calendar: Record<string, unknown> };
		expect(Object.keys(body.event)).toHaveLength(11);
		expect(body.event["11"]?.background).toBe("#dc2127");
		expect(Object.keys(body.calendar)).toHaveLength(24);
	});
});

describe("Google event times as Google prints them (docs/providers.md A4)", () => {
	it("always gives timed values an offset: the calendar's zone, or the request's timeZone", async () => {
		await postJson(`${sandbox.url}/_control/google/users`, { email: "zoned@example.com", timeZone: "America/New_York" });
		token = (await googleSignIn(sandbox, "zoned@example.com")).access_token;
		// Written as a wall clock plus zone, without an offset.
		const created = await insert({ summary: "local", start: { dateTime: "2026-03-02T10:00:00", timeZone: "Europe/Berlin" }, end: { dateTime: "2026-03-02T11:00:00", timeZone: "Europe/Berlin" } });
		expect(created.start).toEqual({ dateTime: "2026-03-02T04:00:00-05:00", timeZone: "Europe/Berlin" });
		const read = (await (await api(`/calendars/primary/events/${created.id}`)).json()) as Record<string, unknown>;
		expect(read.start).toEqual({ dateTime: "2026-03-02T04:00:00-05:00", timeZone: "Europe/Berlin" });
		const inTokyo = (await (await api(`/calendars/primary/events/${created.id}?timeZone=Asia/Tokyo`)).json()) as Record<string, unknown>;
		expect(inTokyo.end).toEqual({ dateTime: "2026-03-02T19:00:00+09:00", timeZone: "Europe/Berlin" });
		const { body } = await list({ timeZone: "Europe/Berlin" });
		expect(body.items[0]?.start).toEqual({ dateTime: "2026-03-02T10:00:00+01:00", timeZone: "Europe/Berlin" });
		expect(body.timeZone).toBe("America/New_York");
		expect((await list({ timeZone: "Mars/Olympus" })).status).toBe(400);
	});

	it("keeps all-day dates as dates", async () => {
		const created = await insert({ summary: "day", start: { date: "2026-03-02" }, end: { date: "2026-03-03" } });
		expect([created.start, created.end]).toEqual([{ date: "2026-03-02" }, { date: "2026-03-03" }]);
	});
});

describe("Google partial responses (fields=)", () => {
	// What src/calendars/google.ts asks for.
	const EVENT_FIELDS = "items(id,status,start,end,transparency,attendees(self,responseStatus),extendedProperties/private),timeZone,nextPageToken,nextSyncToken";

	it("returns only the selected fields, element by element, and drops sub-selections that found nothing", async () => {
		await insert({
			summary: "secret title",
			...slot(2, 9),
			attendees: [{ email: "me@example.com", self: true, responseStatus: "tentative", displayName: "Me" }],
			extendedProperties: { private: { booking: "b1" }, shared: { other: "x" } },
		});
		await insert({ summary: "plain", ...slot(3, 9) });
		const { body } = await list({ singleEvents: "true", fields: EVENT_FIELDS });
		expect(Object.keys(body).sort()).toEqual(["items", "nextSyncToken", "timeZone"]);
		expect(body.items[0]).toEqual({
			id: body.items[0]?.id,
			status: "confirmed",
			start: { dateTime: "2026-03-02T09:00:00Z" },
			end: { dateTime: "2026-03-02T10:00:00Z" },
			attendees: [{ self: true, responseStatus: "tentative" }],
			extendedProperties: { private: { booking: "b1" } },
		});
		// No attendees and no extended properties: neither field appears.
		expect(Object.keys(body.items[1] ?? {}).sort()).toEqual(["end", "id", "start", "status"]);
	});

	it("applies to single events and calendar lists too", async () => {
		const created = await insert({ summary: "x", ...slot(2, 9) });
		const event = (await (await api(`/calendars/primary/events/${created.id}?fields=id,start/dateTime`)).json()) as Record<string, unknown>;
		expect(event).toEqual({ id: created.id, start: { dateTime: "2026-03-02T09:00:00Z" } });
		const calendars = (await (await api("/users/me/calendarList?fields=items(id,accessRole)")).json()) as Record<string, unknown>;
		expect(calendars).toEqual({ items: [{ id: "cal@example.com", accessRole: "owner" }] });
	});

	it("answers 400 invalidParameter for a name the resource does not have, before the call runs", async () => {
		const bad = await api("/calendars/primary/events?fields=items(id,startTime)");
		expect(bad.status).toBe(400);
		expect(await bad.json()).toMatchObject({ error: { errors: [{ reason: "invalidParameter", message: "Invalid field selection items/startTime", location: "fields" }] } });
		expect((await api("/calendars/primary/events?fields=items(id")).status).toBe(400);
		const write = await api("/calendars/primary/events?fields=nope", { method: "POST", body: JSON.stringify({ summary: "x", ...slot(2, 9) }) });
		expect(write.status).toBe(400);
		expect((await list({})).body.items).toEqual([]);
	});
});

describe("Google events.list rounds", () => {
	it("pages a round from the snapshot of its first page: a change mid-round waits for the sync token", async () => {
		for (let day = 2; day <= 6; day++) await insert({ summary: `e${day}`, ...slot(day, 9) });
		const first = await list({ maxResults: "2" });
		await insert({ summary: "late", ...slot(7, 9) });
		const seen = [...first.body.items];
		let page = first.body;
		while (page.nextPageToken !== undefined) {
			page = (await list({ maxResults: "2", pageToken: page.nextPageToken })).body;
			seen.push(...page.items);
		}
		expect(seen.map((e) => e.summary)).toEqual(["e2", "e3", "e4", "e5", "e6"]);
		const next = await list({ maxResults: "2", syncToken: page.nextSyncToken ?? "" });
		expect(next.body.items.map((e) => e.summary)).toEqual(["late"]);
	});

	it("expands a long series once per round, not once per page", async () => {
		const { expandSeriesCalls } = await import("../../sandbox/google/recurrence");
		await insert({ summary: "daily", start: { dateTime: "2026-03-02T09:00:00", timeZone: "UTC" }, end: { dateTime: "2026-03-02T10:00:00", timeZone: "UTC" }, recurrence: ["RRULE:FREQ=DAILY;COUNT=40"] });
		const before = expandSeriesCalls();
		let page = (await list({ singleEvents: "true", maxResults: "5" })).body;
		let pages = 1;
		while (page.nextPageToken !== undefined) {
			page = (await list({ singleEvents: "true", maxResults: "5", pageToken: page.nextPageToken })).body;
			pages += 1;
		}
		expect(pages).toBe(8);
		expect(expandSeriesCalls() - before).toBe(1);
	});
});
