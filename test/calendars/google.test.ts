// The Google adapter against the sandbox's Calendar v3: writes exactly once, sync, errors, push.
import { describe, expect, it } from "vitest";
import { GoogleCalendar, googleEventId, nearestGoogleColorId } from "../../src/calendars/google";
import type { SyncWindow } from "../../src/calendars/provider";
import { CalendarUnavailableError, ProviderError, SyncCursorExpiredError, TokenRevokedError } from "../../src/calendars/provider";
import { control, sandboxUrl } from "../support/sandbox-control";
import { booking, DAY, seriesWithExceptions, signIn, T0, testFetch, uniqueEmail } from "./harness";

const WINDOW: SyncWindow = { from: T0 - 7 * DAY, to: T0 + 120 * DAY, timeZone: "Europe/Berlin" };

async function setup(label: string): Promise<{ google: GoogleCalendar; email: string; tokens: Awaited<ReturnType<typeof signIn>> }> {
	const email = uniqueEmail(label);
	const tokens = await signIn("google", email);
	return { google: new GoogleCalendar({ tokens, fetch: testFetch, apiBaseUrl: `${sandboxUrl}/google/calendar/v3` }), email, tokens };
}


interface StoredGoogleEvent {
	id: string;
	status: string;
	summary?: string;
	start: { dateTime?: string };
	colorId?: string;
	extendedProperties?: { private?: Record<string, string> };
}

async function storedEvents(calendarId: string): Promise<StoredGoogleEvent[]> {
	return (await control(`/google/calendars/${encodeURIComponent(calendarId)}/events`)) as StoredGoogleEvent[];
}

describe("Google identity helpers", () => {
	it("derives a valid base32hex id that differs per booking", () => {
		const a = googleEventId("bkg_abc");
		expect(a).toMatch(/^[a-v0-9]{5,1024}$/);
		expect(googleEventId("bkg_abc")).toBe(a);
		expect(googleEventId("bkg_abd")).not.toBe(a);
	});

	it("picks the nearest event colour", () => {
		expect(nearestGoogleColorId("#dc2127")).toBe("11");
		expect(nearestGoogleColorId("#5080f0")).toBe("9");
	});
});

describe("GoogleCalendar", () => {
	it("lists calendars with writability", async () => {
		const { google, email } = await setup("g-list");
		const other = uniqueEmail("g-other");
		await control("/calendars", { provider: "google", owner: other, name: "Shared read", shareWith: [{ email, role: "reader" }] });
		await control("/calendars", { provider: "google", owner: other, name: "Shared write", shareWith: [{ email, role: "writer" }] });
		const calendars = await google.listCalendars();
		const byName = new Map(calendars.map((c) => [c.name, c]));
		expect(calendars.find((c) => c.primary)?.id).toBe(email);
		expect(calendars.find((c) => c.primary)?.writable).toBe(true);
		expect(byName.get("Shared read")?.writable).toBe(false);
		expect(byName.get("Shared write")?.writable).toBe(true);
		// calendar.events.owned reads only the person's own calendars: shared ones cannot block time.
		expect(calendars.find((c) => c.primary)?.readable).toBe(true);
		expect(byName.get("Shared read")?.readable).toBe(false);
		expect(byName.get("Shared write")?.readable).toBe(false);
	});

	it("creates, updates and deletes a booking's event, with marker and colour", async () => {
		const { google, email } = await setup("g-crud");
		const event = booking();
		const created = await google.putEvent(email, event, null);
		expect(created.externalId).toBe(googleEventId(event.bookingId));
		expect(created.etag).not.toBeNull();
		let [stored] = await storedEvents(email);
		expect(stored?.extendedProperties?.private?.slotlineBookingId).toBe(event.bookingId);
		expect(stored?.colorId).toBe(nearestGoogleColorId("#4f46e5"));

		const updated = await google.putEvent(email, { ...event, title: "Moved haircut", start: T0 + DAY, end: T0 + DAY + 3_600_000 }, created);
		expect(updated.externalId).toBe(created.externalId);
		expect(updated.etag).not.toBe(created.etag);
		[stored] = await storedEvents(email);
		expect(stored?.summary).toBe("Moved haircut");

		await google.deleteEvent(email, event.bookingId, updated);
		[stored] = await storedEvents(email);
		expect(stored?.status).toBe("cancelled");
		// Already gone (Google answers 410 for a deleted event) is success.
		await google.deleteEvent(email, event.bookingId, null);
	});

	it("updates under If-Match: a late write with an old etag is refused, and a push after someone else's edit still lands", async () => {
		const { tokens, email } = await setup("g-ifmatch");
		const sent: Array<{ method: string; ifMatch: string | null }> = [];
		const google = new GoogleCalendar({
			tokens,
			apiBaseUrl: `${sandboxUrl}/google/calendar/v3`,
			fetch: (input, init) => {
				sent.push({ method: init?.method ?? "GET", ifMatch: new Headers(init?.headers).get("if-match") });
				return testFetch(input, init);
			},
		});
		const event = booking();
		const created = await google.putEvent(email, event, null);
		const moved = await google.putEvent(email, { ...event, title: "Version 2" }, created);
		expect(sent.filter((r) => r.method === "PATCH").map((r) => r.ifMatch)).toEqual([created.etag]);

		// A write of version 1 that lost its answer and arrives now carries the etag it was sent with: refused.
		const late = await fetch(`${sandboxUrl}/google/calendar/v3/calendars/${encodeURIComponent(email)}/events/${created.externalId}`, {
			method: "PATCH",
			headers: { authorization: `Bearer ${await tokens.get()}`, "content-type": "application/json", "if-match": created.etag ?? "" },
			body: JSON.stringify({ summary: "Version 1, late" }),
		});
		expect(late.status).toBe(412);
		expect((await storedEvents(email))[0]?.summary).toBe("Version 2");

		// The owner edits the event in Google: the stored etag is stale, yet the next push (the booking's newest version) lands.
		await control(`/google/calendars/${encodeURIComponent(email)}/events/${created.externalId}`, { summary: "Renamed in Google" }, "PATCH");
		const third = await google.putEvent(email, { ...event, title: "Version 3" }, moved);
		expect((await storedEvents(email))[0]?.summary).toBe("Version 3");
		expect(third.etag).not.toBe(moved.etag);
	});

	it("a create delivered twice leaves one event", async () => {
		const { google, email } = await setup("g-twice");
		const event = booking();
		const first = await google.putEvent(email, event, null);
		const second = await google.putEvent(email, event, null);
		expect(second.externalId).toBe(first.externalId);
		expect((await storedEvents(email)).filter((e) => e.status !== "cancelled")).toHaveLength(1);
	});

	it("recovers the deleted tombstone id on re-create (409) by confirming it again", async () => {
		const { google, email } = await setup("g-tomb");
		const event = booking();
		await google.putEvent(email, event, null);
		await google.deleteEvent(email, event.bookingId, null);
		const revived = await google.putEvent(email, { ...event, title: "Reinstated" }, null);
		const [stored] = await storedEvents(email);
		expect(revived.externalId).toBe(googleEventId(event.bookingId));
		expect(stored?.status).toBe("confirmed");
		expect(stored?.summary).toBe("Reinstated");
	});

	it("turns 429 with Retry-After into a retryable ProviderError", async () => {
		const { google, email } = await setup("g-429");
		// Scoped to this test's account: unscoped, another file's insert could take the one failure (and get a 429).
		await control("/faults", { provider: "google", endpoint: "events.insert", status: 429, retryAfter: 17, count: 1, scope: { account: email } });
		const error = await google.putEvent(email, booking(), null).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).toMatchObject({ provider: "google", status: 429, code: "rateLimitExceeded", retryable: true, retryAfterSeconds: 17 });
	});

	it("treats 403 rateLimitExceeded as retryable and quotaExceeded as not", async () => {
		const { google, email } = await setup("g-403");
		await control("/faults", { provider: "google", endpoint: "events.insert", status: 403, count: 1, scope: { account: email } });
		await expect(google.putEvent(email, booking(), null)).rejects.toMatchObject({ status: 403, retryable: true });
		await control("/faults", { provider: "google", endpoint: "events.insert", status: 403, reason: "quotaExceeded", count: 1, scope: { account: email } });
		await expect(google.putEvent(email, booking(), null)).rejects.toMatchObject({ status: 403, code: "quotaExceeded", retryable: false });
	});

	it("refreshes once on 401 and reports a revoked grant as TokenRevokedError", async () => {
		const { google, email, tokens } = await setup("g-401");
		await control("/faults", { provider: "google", expireAccessTokens: true, scope: { account: email } });
		await google.putEvent(email, booking(), null);
		expect(tokens.refreshes).toBe(1);
		const revoked = new GoogleCalendar({
			tokens: { get: async () => "not-a-token", refresh: async () => "still-not-a-token" },
			fetch: testFetch,
			apiBaseUrl: `${sandboxUrl}/google/calendar/v3`,
		});
		const error = await revoked.listCalendars().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TokenRevokedError);
		expect(String((error as Error).message)).not.toContain("not-a-token");
	});

	it("reports a calendar it cannot write to as unavailable", async () => {
		const { google, email } = await setup("g-ro");
		const other = uniqueEmail("g-owner");
		const shared = (await control("/calendars", { provider: "google", owner: other, name: "Read only", shareWith: [{ email, role: "reader" }] })) as { id: string };
		await expect(google.putEvent(shared.id, booking(), null)).rejects.toBeInstanceOf(CalendarUnavailableError);
		await expect(google.syncEvents("missing@example.test", null, WINDOW)).rejects.toBeInstanceOf(CalendarUnavailableError);
	});

	it("syncs with a cursor and normalises declined, transparent, tentative, all-day and own events", async () => {
		const { google, email } = await setup("g-sync");
		const calendar = encodeURIComponent(email);
		const busy = (await control(`/google/calendars/${calendar}/events`, { summary: "Dentist", start: "2026-06-02T09:00:00+02:00", end: "2026-06-02T10:00:00+02:00" })) as { id: string };
		await control(`/google/calendars/${calendar}/events`, { summary: "Maybe", start: "2026-06-03T09:00:00+02:00", end: "2026-06-03T10:00:00+02:00", status: "tentative" });
		await control(`/google/calendars/${calendar}/events`, { summary: "Reminder", start: "2026-06-04T09:00:00+02:00", end: "2026-06-04T10:00:00+02:00", transparency: "transparent" });
		await control(`/google/calendars/${calendar}/events`, { summary: "Holiday", start: "2026-06-05", end: "2026-06-06", allDay: true });
		const own = booking();
		await google.putEvent(email, own, null);

		const first = await google.syncEvents(email, null, WINDOW);
		expect(first.full).toBe(true);
		expect(first.changed).toHaveLength(5);
		const dentist = first.changed.find((e) => e.id === busy.id);
		expect(dentist?.instances).toEqual([
			{ instanceId: busy.id, start: Date.UTC(2026, 5, 2, 7), end: Date.UTC(2026, 5, 2, 8), allDay: null, status: "confirmed", transparent: false, declined: false },
		]);
		const instances = first.changed.flatMap((e) => e.instances);
		expect(instances.filter((i) => i.status === "tentative")).toHaveLength(1);
		expect(instances.filter((i) => i.transparent)).toHaveLength(1);
		const holiday = instances.find((i) => i.allDay !== null);
		expect(holiday?.allDay).toEqual({ startDate: "2026-06-05", endDate: "2026-06-06" });
		expect(holiday?.start).toBe(Date.UTC(2026, 5, 4, 22));
		expect(first.changed.find((e) => e.slotlineBookingId === own.bookingId)?.id).toBe(googleEventId(own.bookingId));

		// Nothing changed: an empty page with a new cursor.
		const idle = await google.syncEvents(email, first.cursor, WINDOW);
		expect(idle).toMatchObject({ full: false, changed: [], removed: [] });

		await control(`/google/calendars/${calendar}/events/${busy.id}`, undefined, "DELETE");
		const moved = await control(`/google/calendars/${calendar}/events`, { summary: "Late", start: "2026-06-09T18:00:00+02:00", end: "2026-06-09T19:00:00+02:00" }) as { id: string };
		const second = await google.syncEvents(email, idle.cursor, WINDOW);
		expect(second.removed).toEqual([busy.id]);
		expect(second.changed.map((e) => e.id)).toEqual([moved.id]);
	});

	it("reads the person's own answer: declined blocks nothing, tentative follows the tentative policy; only needed fields are fetched", async () => {
		const { email, tokens } = await setup("g-declined");
		const urls: string[] = [];
		const google = new GoogleCalendar({ tokens, apiBaseUrl: `${sandboxUrl}/google/calendar/v3`, fetch: async (input, init) => {
			urls.push(input);
			return testFetch(input, init);
		} });
		const pad = (n: number): string => String(n).padStart(2, "0");
		// The control API has no attendees; a PATCH through the API sets them as Google would show them.
		const answer = async (responseStatus: string, hour: number): Promise<string> => {
			const created = (await control(`/google/calendars/${encodeURIComponent(email)}/events`, { summary: "Invite", start: `2026-06-02T${pad(hour)}:00:00Z`, end: `2026-06-02T${pad(hour + 1)}:00:00Z` })) as { id: string };
			const response = await fetch(`${sandboxUrl}/google/calendar/v3/calendars/${encodeURIComponent(email)}/events/${created.id}`, {
				method: "PATCH",
				headers: { "content-type": "application/json", authorization: `Bearer ${await tokens.get()}` },
				body: JSON.stringify({ attendees: [{ email: "organiser@example.test", organizer: true, responseStatus: "accepted" }, { email, self: true, responseStatus }] }),
			});
			expect(response.status).toBe(200);
			return created.id;
		};
		const declined = await answer("declined", 9);
		const tentative = await answer("tentative", 11);
		const accepted = await answer("accepted", 13);
		const result = await google.syncEvents(email, null, WINDOW);
		const instance = (id: string) => result.changed.find((e) => e.id === id)?.instances[0];
		expect(instance(declined)).toMatchObject({ declined: true, status: "confirmed" });
		expect(instance(tentative)).toMatchObject({ declined: false, status: "tentative" });
		expect(instance(accepted)).toMatchObject({ declined: false, status: "confirmed" });
		// A partial response: no summary, description, location or attendee addresses leave Google.
		const list = new URL(urls.find((u) => u.includes("/events?")) ?? "");
		const fields = list.searchParams.get("fields") ?? "";
		expect(fields).toContain("attendees(self,responseStatus)");
		expect(fields).not.toMatch(/summary|description|location|email/);
	});

	it("an update to a calendar deleted (404) or lowered to read-only (403) is CalendarUnavailableError, series exceptions too", async () => {
		const { google, email, tokens } = await setup("g-lost");
		const event = booking();
		const created = await google.putEvent(email, event, null);
		// Deleted calendar: the PATCH gets 404, and the create that follows says the calendar is gone.
		await expect(google.putEvent("deleted-calendar@example.test", event, created)).rejects.toBeInstanceOf(CalendarUnavailableError);
		// Read-only now: the PATCH itself is refused with 403 requiredAccessLevel.
		const other = uniqueEmail("g-owner");
		const readOnly = (await control("/calendars", { provider: "google", owner: other, name: "Now read only", shareWith: [{ email, role: "reader" }] })) as { id: string };
		await expect(google.putEvent(readOnly.id, event, created)).rejects.toMatchObject({ name: "CalendarUnavailableError", status: 403, code: "requiredAccessLevel" });
		// An occurrence's PATCH refused the same way (the series itself was still accepted).
		const series = seriesWithExceptions();
		const written = await google.putEvent(email, series, null);
		const refusing = new GoogleCalendar({ tokens, apiBaseUrl: `${sandboxUrl}/google/calendar/v3`, fetch: async (input, init) => {
			if (init?.method === "PATCH" && /_\d{8}T\d{6}Z$/.test(input)) {
				return Response.json({ error: { code: 403, errors: [{ reason: "requiredAccessLevel" }] } }, { status: 403 });
			}
			return testFetch(input, init);
		} });
		await expect(refusing.putEvent(email, series, written)).rejects.toBeInstanceOf(CalendarUnavailableError);
		// An event deleted for good while its calendar lives is simply written again.
		await google.deleteEvent(email, event.bookingId, created);
		expect((await google.putEvent(email, event, created)).externalId).toBe(created.externalId);
	});

	it("throws SyncCursorExpiredError on 410", async () => {
		const { google, email } = await setup("g-410");
		const first = await google.syncEvents(email, null, WINDOW);
		await control("/faults", { provider: "google", forceSyncGone: true, scope: { calendarId: email } });
		await expect(google.syncEvents(email, first.cursor, WINDOW)).rejects.toBeInstanceOf(SyncCursorExpiredError);
	});

	it("pages through more than one page", async () => {
		const { google, email, tokens } = await setup("g-pages");
		const paged = new GoogleCalendar({
			tokens,
			// Shrinks pages so the adapter has to follow nextPageToken.
			fetch: (input, init) => testFetch(input.replace("maxResults=2500", "maxResults=2"), init),
			apiBaseUrl: `${sandboxUrl}/google/calendar/v3`,
		});
		for (let i = 0; i < 5; i += 1) await google.putEvent(email, booking({ start: T0 + i * DAY, end: T0 + i * DAY + 3_600_000 }), null);
		const result = await paged.syncEvents(email, null, WINDOW);
		expect(result.changed).toHaveLength(5);
	});

	it("writes a weekly series with one moved and one cancelled occurrence", async () => {
		const { google, email } = await setup("g-series");
		const series = seriesWithExceptions();
		const created = await google.putEvent(email, series, null);
		// Delivered twice: still one series with the same exceptions.
		await google.putEvent(email, series, created);
		const result = await google.syncEvents(email, null, WINDOW);
		const starts = result.changed.map((e) => e.instances[0]?.start).sort();
		expect(starts).toEqual([T0, T0 + 8 * DAY, T0 + 21 * DAY]);
		expect(result.changed.every((e) => e.slotlineBookingId === series.bookingId)).toBe(true);
	});

	it("opens, renews and stops a push channel", async () => {
		const { google, email } = await setup("g-push");
		const request = { address: "https://hooks.example.test/google", secret: "s3cret", lifecycleAddress: "https://hooks.example.test/life", ttlSeconds: 3600 };
		const channel = await google.push.watch(email, request);
		expect(channel.resourceId).not.toBeNull();
		expect(channel.expiresAt).toBeGreaterThan(Date.now());
		const renewed = await google.push.renew(email, channel, request);
		expect(renewed.id).not.toBe(channel.id);
		const active = ((await control("/google/channels")) as { channels: Array<{ id: string }> }).channels;
		expect(active.map((c) => c.id)).toContain(renewed.id);
		expect(active.map((c) => c.id)).not.toContain(channel.id);
		await google.push.stop(renewed);
		await google.push.stop(renewed);
		const after = ((await control("/google/channels")) as { channels: Array<{ id: string }> }).channels;
		expect(after.map((c) => c.id)).not.toContain(renewed.id);
	});
});
