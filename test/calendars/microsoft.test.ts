// The Microsoft Graph adapter against the sandbox: writes exactly once, delta sync, errors, subscriptions.
import { describe, expect, it } from "vitest";
import { GRAPH_BOOKING_PROPERTY, MicrosoftCalendar, nearestOutlookCategory } from "../../src/calendars/microsoft";
import type { SyncWindow } from "../../src/calendars/provider";
import { CalendarUnavailableError, ProviderError, SyncCursorExpiredError } from "../../src/calendars/provider";
import { control, sandboxUrl } from "../support/sandbox-control";
import type { TestTokens } from "./harness";
import { booking, DAY, seriesWithExceptions, signIn, T0, testFetch, uniqueEmail } from "./harness";

const WINDOW: SyncWindow = { from: T0 - 7 * DAY, to: T0 + 60 * DAY, timeZone: "Europe/Berlin" };
const GRAPH = `${sandboxUrl}/microsoft/graph/v1.0`;

interface Setup {
	outlook: MicrosoftCalendar;
	calendarId: string;
	tokens: TestTokens;
}

async function setup(label: string): Promise<Setup> {
	const tokens = await signIn("microsoft", uniqueEmail(label));
	const outlook = new MicrosoftCalendar({ tokens, fetch: testFetch, apiBaseUrl: GRAPH });
	const primary = (await outlook.listCalendars()).find((c) => c.primary);
	if (primary === undefined) throw new Error("no default calendar");
	return { outlook, calendarId: primary.id, tokens };
}


interface StoredGraphEvent {
	id: string;
	subject: string;
	categories: string[];
	"@sandbox.deleted": boolean;
	singleValueExtendedProperties?: Array<{ id: string; value: string }>;
}

async function storedEvents(calendarId: string): Promise<StoredGraphEvent[]> {
	return (await control(`/microsoft/calendars/${encodeURIComponent(calendarId)}/events`)) as StoredGraphEvent[];
}

async function ownerEvent(calendarId: string, input: Record<string, unknown>): Promise<{ id: string }> {
	return (await control(`/microsoft/calendars/${encodeURIComponent(calendarId)}/events`, input)) as { id: string };
}

describe("MicrosoftCalendar", () => {
	it("lists the default calendar as primary and writable", async () => {
		const { outlook } = await setup("m-list");
		const calendars = await outlook.listCalendars();
		expect(calendars.filter((c) => c.primary)).toHaveLength(1);
		expect(calendars.every((c) => c.writable)).toBe(true);
	});

	it("creates, updates and deletes with marker and category; a repeated create gives one event", async () => {
		const { outlook, calendarId } = await setup("m-crud");
		const event = booking();
		const created = await outlook.putEvent(calendarId, event, null);
		// The message delivered twice: the transactionId makes Graph return the first event.
		const again = await outlook.putEvent(calendarId, event, null);
		expect(again.externalId).toBe(created.externalId);
		let live = (await storedEvents(calendarId)).filter((e) => !e["@sandbox.deleted"]);
		expect(live).toHaveLength(1);
		// Indigo #4f46e5 is nearest (in RGB) to Outlook's default blue category.
		expect(live[0]?.categories).toEqual(["Blue category"]);
		expect(live[0]?.singleValueExtendedProperties?.[0]?.value).toBe(event.bookingId);

		const updated = await outlook.putEvent(calendarId, { ...event, title: "Long massage", end: T0 + 7_200_000 }, created);
		expect(updated.externalId).toBe(created.externalId);
		expect(updated.etag).not.toBe(created.etag);
		live = (await storedEvents(calendarId)).filter((e) => !e["@sandbox.deleted"]);
		expect(live[0]?.subject).toBe("Long massage");

		await outlook.deleteEvent(calendarId, event.bookingId, updated);
		expect((await storedEvents(calendarId)).filter((e) => !e["@sandbox.deleted"])).toHaveLength(0);
		// Already gone is success.
		await outlook.deleteEvent(calendarId, event.bookingId, updated);
	});

	it("colours events with the nearest of Outlook's default colour categories, never touching the master list", async () => {
		const { calendarId, tokens } = await setup("m-colour");
		expect(nearestOutlookCategory("#ef4444")).toBe("Red category");
		expect(nearestOutlookCategory("#22c55e")).toBe("Green category");
		expect(nearestOutlookCategory("#3b82f6")).toBe("Blue category");
		const requested: string[] = [];
		const outlook = new MicrosoftCalendar({ tokens, apiBaseUrl: GRAPH, fetch: async (input, init) => {
			requested.push(input);
			return testFetch(input, init);
		} });
		await outlook.putEvent(calendarId, booking({ color: { hex: "#22c55e", name: "Cut" } }), null);
		const live = (await storedEvents(calendarId)).filter((e) => !e["@sandbox.deleted"]);
		expect(live.map((e) => e.categories)).toEqual([["Green category"]]);
		// The mailbox's own list gives that name its colour: Outlook shows the event green.
		const master = await fetch(`${GRAPH}/me/outlook/masterCategories`, { headers: { authorization: `Bearer ${await tokens.get()}` } });
		const categories = ((await master.json()) as { value: Array<{ displayName: string; color: string }> }).value;
		expect(categories.filter((c) => c.displayName === "Green category")).toEqual([expect.objectContaining({ color: "preset4" })]);
		// Reading or writing that list would need MailboxSettings.ReadWrite, which Slotline does not ask for.
		expect(requested.filter((url) => url.includes("masterCategories"))).toEqual([]);
	});

	it("a create whose answer was lost is found by its marker: the retry updates it and a cancel deletes it", async () => {
		const { outlook, calendarId, tokens } = await setup("m-lost");
		const posts: string[] = [];
		const timeout = (): never => {
			throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
		};
		// The create reaches Graph and succeeds, but its answer never comes back.
		const losing = new MicrosoftCalendar({ tokens, apiBaseUrl: GRAPH, fetch: async (input, init) => {
			const response = await testFetch(input, init);
			if (init?.method === "POST" && input.endsWith("/events")) {
				posts.push(input);
				return timeout();
			}
			return response;
		} });
		const event = booking();
		await expect(losing.putEvent(calendarId, event, null)).rejects.toMatchObject({ code: "timeout", retryable: true });
		expect(posts).toHaveLength(1);

		// The retry knows no event id, yet finds the event by the $filter on our extended property and updates it.
		const counting = new MicrosoftCalendar({ tokens, apiBaseUrl: GRAPH, fetch: async (input, init) => {
			if (init?.method === "POST" && input.endsWith("/events")) posts.push(input);
			return testFetch(input, init);
		} });
		const retried = await counting.putEvent(calendarId, { ...event, title: "Retried" }, null);
		expect(posts).toHaveLength(1);
		let live = (await storedEvents(calendarId)).filter((e) => !e["@sandbox.deleted"]);
		expect(live.map((e) => [e.id, e.subject])).toEqual([[retried.externalId, "Retried"]]);

		// Lost again, then the booking is cancelled before anything was recorded: the cancel still finds and deletes it.
		const second = booking();
		await expect(losing.putEvent(calendarId, second, null)).rejects.toMatchObject({ code: "timeout" });
		expect((await storedEvents(calendarId)).filter((e) => !e["@sandbox.deleted"])).toHaveLength(2);
		await outlook.deleteEvent(calendarId, second.bookingId, null);
		live = (await storedEvents(calendarId)).filter((e) => !e["@sandbox.deleted"]);
		expect(live.map((e) => e.singleValueExtendedProperties?.[0])).toEqual([{ id: GRAPH_BOOKING_PROPERTY, value: event.bookingId }]);
		// Nothing of ours there: nothing to delete, no error.
		await outlook.deleteEvent(calendarId, "bkg_never_written", null);
	});

	it("an update refused with 403 (the calendar became read-only) is CalendarUnavailableError", async () => {
		const { calendarId, tokens } = await setup("m-403");
		const readOnly = new MicrosoftCalendar({ tokens, apiBaseUrl: GRAPH, fetch: async (input, init) => {
			if (init?.method === "PATCH" || init?.method === "DELETE") return Response.json({ error: { code: "ErrorAccessDenied", message: "Access is denied." } }, { status: 403 });
			return testFetch(input, init);
		} });
		const event = booking();
		const created = await readOnly.putEvent(calendarId, event, null);
		await expect(readOnly.putEvent(calendarId, { ...event, title: "Moved" }, created)).rejects.toBeInstanceOf(CalendarUnavailableError);
		await expect(readOnly.deleteEvent(calendarId, event.bookingId, created)).rejects.toBeInstanceOf(CalendarUnavailableError);
	});

	it("recreates an event the owner deleted in Outlook when the booking changes", async () => {
		const { outlook, calendarId } = await setup("m-recreate");
		const event = booking();
		const created = await outlook.putEvent(calendarId, event, null);
		await control(`/microsoft/calendars/${encodeURIComponent(calendarId)}/events/${created.externalId}`, undefined, "DELETE");
		const recreated = await outlook.putEvent(calendarId, { ...event, title: "Back" }, created);
		expect(recreated.externalId).not.toBe(created.externalId);
		expect((await storedEvents(calendarId)).filter((e) => !e["@sandbox.deleted"]).map((e) => e.subject)).toEqual(["Back"]);
	});

	it("turns 429 with Retry-After into a retryable ProviderError", async () => {
		const { outlook, calendarId } = await setup("m-429");
		// Scoped to this test's calendar: unscoped, another file's create could take the one failure.
		await control("/faults", { provider: "microsoft", endpoint: "events.create", status: 429, retryAfter: 9, count: 1, scope: { calendarId } });
		const error = await outlook.putEvent(calendarId, booking(), null).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).toMatchObject({ provider: "microsoft", status: 429, code: "TooManyRequests", retryable: true, retryAfterSeconds: 9 });
	});

	it("reports a missing calendar as unavailable", async () => {
		const { outlook } = await setup("m-missing");
		await expect(outlook.putEvent("no-such-calendar", booking(), null)).rejects.toBeInstanceOf(CalendarUnavailableError);
	});

	it("syncs with a deltaLink: normalised instances, own events, removals and moves out of the window", async () => {
		const { outlook, calendarId, tokens } = await setup("m-sync");
		const busy = await ownerEvent(calendarId, { summary: "Dentist", start: "2026-06-02T09:00:00+02:00", end: "2026-06-02T10:00:00+02:00" });
		await ownerEvent(calendarId, { summary: "Maybe", start: "2026-06-03T09:00:00+02:00", end: "2026-06-03T10:00:00+02:00", status: "tentative" });
		await ownerEvent(calendarId, { summary: "Reminder", start: "2026-06-04T09:00:00+02:00", end: "2026-06-04T10:00:00+02:00", transparency: "transparent" });
		await ownerEvent(calendarId, { summary: "Holiday", start: "2026-06-05", end: "2026-06-06", allDay: true, timeZone: "Europe/Berlin" });
		const invite = await ownerEvent(calendarId, { summary: "Invite", start: "2026-06-08T09:00:00+02:00", end: "2026-06-08T10:00:00+02:00" });
		const declined = await fetch(`${GRAPH}/me/events/${invite.id}`, {
			method: "PATCH",
			headers: { "content-type": "application/json", authorization: `Bearer ${await tokens.get()}` },
			body: JSON.stringify({ responseStatus: { response: "declined" } }),
		});
		expect(declined.status).toBe(200);
		// The person answered "tentative" to an invitation the organiser marked busy: it counts as tentative.
		const maybeInvite = await ownerEvent(calendarId, { summary: "Maybe invite", start: "2026-06-08T11:00:00+02:00", end: "2026-06-08T12:00:00+02:00" });
		const answered = await fetch(`${GRAPH}/me/events/${maybeInvite.id}`, {
			method: "PATCH",
			headers: { "content-type": "application/json", authorization: `Bearer ${await tokens.get()}` },
			body: JSON.stringify({ responseStatus: { response: "tentativelyAccepted" } }),
		});
		expect(answered.status).toBe(200);
		const own = booking();
		await outlook.putEvent(calendarId, own, null);
		// More events than one page of the sandbox's default size (10), so nextLink is followed.
		for (let i = 0; i < 10; i += 1) await ownerEvent(calendarId, { summary: `Filler ${i}`, start: `2026-06-${10 + i}T09:00:00Z`, end: `2026-06-${10 + i}T09:30:00Z` });

		const first = await outlook.syncEvents(calendarId, null, WINDOW);
		expect(first.full).toBe(true);
		expect(first.changed).toHaveLength(17);
		const instances = new Map(first.changed.map((e) => [e.id, e.instances[0]]));
		expect(instances.get(busy.id)).toEqual({ instanceId: busy.id, start: Date.UTC(2026, 5, 2, 7), end: Date.UTC(2026, 5, 2, 8), allDay: null, status: "confirmed", transparent: false, declined: false });
		const all = [...instances.values()];
		expect(all.filter((i) => i?.status === "tentative")).toHaveLength(2);
		expect(all.filter((i) => i?.transparent === true)).toHaveLength(1);
		expect(instances.get(invite.id)?.declined).toBe(true);
		expect(instances.get(maybeInvite.id)).toMatchObject({ status: "tentative", declined: false });
		const holiday = all.find((i) => i?.allDay !== null);
		expect(holiday?.allDay).toEqual({ startDate: "2026-06-05", endDate: "2026-06-06" });
		expect(holiday?.start).toBe(Date.UTC(2026, 5, 4, 22));
		expect(first.changed.filter((e) => e.slotlineBookingId !== null).map((e) => e.slotlineBookingId)).toEqual([own.bookingId]);

		await control(`/microsoft/calendars/${encodeURIComponent(calendarId)}/events/${busy.id}`, undefined, "DELETE");
		const later = await ownerEvent(calendarId, { summary: "Later", start: "2026-06-09T18:00:00Z", end: "2026-06-09T19:00:00Z" });
		// Moved far outside the window: Graph reports it like a deletion; the adapter filters it out too.
		const patched = await fetch(`${GRAPH}/me/events/${invite.id}`, {
			method: "PATCH",
			headers: { "content-type": "application/json", authorization: `Bearer ${await tokens.get()}` },
			body: JSON.stringify({ start: { dateTime: "2027-01-01T09:00:00", timeZone: "UTC" }, end: { dateTime: "2027-01-01T10:00:00", timeZone: "UTC" } }),
		});
		expect(patched.status).toBe(200);
		const second = await outlook.syncEvents(calendarId, first.cursor, WINDOW);
		expect(second.full).toBe(false);
		expect(second.removed.sort()).toEqual([busy.id, invite.id].sort());
		expect(second.changed.map((e) => e.id)).toEqual([later.id]);
	});

	it("writes a weekly series with one moved and one cancelled occurrence, exactly once", async () => {
		const { outlook, calendarId, tokens } = await setup("m-series");
		const series = seriesWithExceptions();
		const created = await outlook.putEvent(calendarId, series, null);
		// Delivered again (same transactionId) and then as an update: still one series, same exceptions.
		expect((await outlook.putEvent(calendarId, series, null)).externalId).toBe(created.externalId);
		await outlook.putEvent(calendarId, series, created);
		const result = await outlook.syncEvents(calendarId, null, WINDOW);
		const starts = result.changed.map((e) => e.instances[0]?.start).sort();
		expect(starts).toEqual([T0, T0 + 8 * DAY, T0 + 21 * DAY]);
		expect(result.changed.map((e) => e.slotlineBookingId)).toEqual([series.bookingId, series.bookingId, series.bookingId]);

		// Graph does not promise our marker on occurrences; the adapter then asks the series master
		// (here the delta does not include the master either, so it must be read).
		const masterReads: string[] = [];
		const bare = new MicrosoftCalendar({ tokens, apiBaseUrl: GRAPH, fetch: async (input, init) => {
			if (/\/me\/events\/[^/?]+\?\$select=transactionId/.test(input)) masterReads.push(input);
			const response = await testFetch(input, init);
			if (!input.includes("/calendarView/delta")) return response;
			const page = (await response.json()) as { value: Array<Record<string, unknown>> };
			page.value = page.value.filter((item) => item.type !== "seriesMaster");
			for (const item of page.value) {
				if (item.seriesMasterId == null) continue;
				delete item.transactionId;
				delete item.singleValueExtendedProperties;
			}
			return Response.json(page);
		} });
		const viaMaster = await bare.syncEvents(calendarId, null, WINDOW);
		expect(viaMaster.changed.map((e) => e.slotlineBookingId)).toEqual([series.bookingId, series.bookingId, series.bookingId]);
		// One read for the one master, not one per occurrence.
		expect(masterReads).toHaveLength(1);
	});

	it("throws SyncCursorExpiredError on syncStateNotFound and on 410", async () => {
		const { outlook, calendarId } = await setup("m-expired");
		const first = await outlook.syncEvents(calendarId, null, WINDOW);
		const garbageUrl = new URL(first.cursor);
		garbageUrl.searchParams.set("$deltatoken", "garbage");
		const garbage = garbageUrl.toString();
		await expect(outlook.syncEvents(calendarId, garbage, WINDOW)).rejects.toBeInstanceOf(SyncCursorExpiredError);
		await control("/faults", { provider: "microsoft", forceSyncGone: true, scope: { calendarId } });
		await expect(outlook.syncEvents(calendarId, first.cursor, WINDOW)).rejects.toMatchObject({ name: "SyncCursorExpiredError", status: 410 });
		await expect(outlook.syncEvents(calendarId, "https://evil.example/delta", WINDOW)).rejects.toBeInstanceOf(SyncCursorExpiredError);
	});

	it("subscriptions: a notification URL that fails validation is a non-retryable error; stopping a gone one succeeds", async () => {
		const { outlook, calendarId } = await setup("m-push");
		const request = { address: "http://127.0.0.1:9/hook", secret: "s3cret", lifecycleAddress: "http://127.0.0.1:9/life", ttlSeconds: 3600 };
		await expect(outlook.push.watch(calendarId, request)).rejects.toMatchObject({ status: 400, retryable: false });
		await outlook.push.stop({ id: "no-such-subscription", resourceId: null, expiresAt: 0 });
	});
});
