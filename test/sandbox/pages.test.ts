import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, googleSignIn, microsoftSignIn, postJson, sandboxPerFile, startReceiver } from "./helpers";
import type { Receiver } from "./helpers";

let sandbox: Sandbox;
let receiver: Receiver;
sandboxPerFile((started) => {
	sandbox = started;
});
beforeAll(async () => {
	receiver = await startReceiver();
});
afterAll(async () => {
	await receiver.close();
});
beforeEach(async () => {
	receiver.received.length = 0;
});

describe("Google calendar page", () => {
	it("shows calendars and events, and adding/deleting from the page fires pushes", async () => {
		const tokens = await googleSignIn(sandbox, "page@example.com");
		await postJson(`${sandbox.url}/google/calendar/v3/calendars/primary/events/watch`, { id: "page-chan", type: "web_hook", address: receiver.url }, bearer(tokens.access_token));
		const add = await fetch(`${sandbox.url}/google/_page/add`, {
			method: "POST",
			body: new URLSearchParams({ calendarId: "page@example.com", summary: "Walk-in <b>", start: "2026-03-02T09:00", end: "2026-03-02T10:00", timeZone: "Europe/Lisbon" }),
			redirect: "manual",
		});
		expect(add.status).toBe(303);
		const page = await (await fetch(`${sandbox.url}/google/`)).text();
		expect(page).toContain("Walk-in &lt;b&gt;");
		expect(page).toContain("2026-03-02T09:00:00 Europe/Lisbon");

		const events = (await (await fetch(`${sandbox.url}/_control/google/calendars/page@example.com/events`)).json()) as Array<{ id: string }>;
		const remove = await fetch(`${sandbox.url}/google/_page/delete`, {
			method: "POST",
			body: new URLSearchParams({ calendarId: "page@example.com", eventId: events[0]?.id ?? "" }),
			redirect: "manual",
		});
		expect(remove.status).toBe(303);
		await fetch(`${sandbox.url}/_control/flush`, { method: "POST" });
		expect(receiver.received.map((r) => r.headers["x-goog-resource-state"])).toEqual(["sync", "exists", "not_exists"]);
		const after = await (await fetch(`${sandbox.url}/google/`)).text();
		expect(after).not.toContain("Walk-in");
	});
});

/** Posts a page form and returns the page it redirects to (and that page's HTML). */
async function submit(path: string, fields: Record<string, string>): Promise<{ location: string; html: string }> {
	const res = await fetch(`${sandbox.url}${path}`, { method: "POST", body: new URLSearchParams(fields), redirect: "manual" });
	expect(res.status).toBe(303);
	const location = res.headers.get("location") ?? "";
	return { location, html: await (await fetch(`${sandbox.url}${location}`)).text() };
}

describe("Google calendar page: all-day, repeating, free events; edit; cancel one occurrence", () => {
	it("adds them as the owner would and shows what happened", async () => {
		await postJson(`${sandbox.url}/_control/google/users`, { email: "gia@example.com" });
		const calendarId = "gia@example.com";
		const events = async (): Promise<Array<Record<string, unknown> & { id: string; summary: string; status: string }>> =>
			(await (await fetch(`${sandbox.url}/_control/google/calendars/${calendarId}/events`)).json()) as Array<Record<string, unknown> & { id: string; summary: string; status: string }>;

		await submit("/google/_page/add", { calendarId, summary: "Holiday", start: "2026-03-10T00:00", end: "2026-03-12T00:00", timeZone: "UTC", allDay: "on" });
		await submit("/google/_page/add", { calendarId, summary: "Gym", start: "2026-03-02T18:00", end: "2026-03-02T19:00", timeZone: "Europe/Berlin", repeat: "WEEKLY", count: "4" });
		const added = await submit("/google/_page/add", { calendarId, summary: "Maybe", start: "2026-03-03T12:00", end: "2026-03-03T13:00", timeZone: "UTC", free: "on" });
		expect(added.html).toContain("Event added.");
		const byName = new Map((await events()).map((e) => [e.summary, e]));
		expect(byName.get("Holiday")).toMatchObject({ start: { date: "2026-03-10" }, end: { date: "2026-03-12" } });
		expect(byName.get("Gym")).toMatchObject({ recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"], start: { dateTime: "2026-03-02T18:00:00", timeZone: "Europe/Berlin" } });
		expect(byName.get("Maybe")).toMatchObject({ transparency: "transparent" });
		expect(added.html).toContain("Gym (repeats)");
		expect(added.html).toContain("free");

		const gym = byName.get("Gym")?.id ?? "";
		const edited = await submit("/google/_page/edit", { calendarId, eventId: byName.get("Maybe")?.id ?? "", summary: "Lunch", start: "2026-03-03T12:30", end: "2026-03-03T13:30", timeZone: "" });
		expect(edited.html).toContain("Event saved.");
		expect((await events()).find((e) => e.summary === "Lunch")).toMatchObject({ start: { dateTime: "2026-03-03T12:30:00", timeZone: "UTC" } });

		const cancelled = await submit("/google/_page/cancel-occurrence", { calendarId, eventId: gym, date: "2026-03-09" });
		expect(cancelled.html).toContain("Occurrence cancelled.");
		const instance = (await events()).find((e) => e.id === `${gym}_20260309T170000Z`);
		expect(instance).toMatchObject({ status: "cancelled", recurringEventId: gym });
	});

	it("shows a readable message, not raw JSON, when the provider refuses", async () => {
		await postJson(`${sandbox.url}/_control/google/users`, { email: "gia@example.com" });
		const bad = await submit("/google/_page/add", { calendarId: "gia@example.com", summary: "Backwards", start: "2026-03-02T10:00", end: "2026-03-02T09:00", timeZone: "UTC" });
		expect(bad.location).toContain("error=");
		expect(bad.html).toContain("That did not work:");
		expect(bad.html).toContain("The specified time range is empty.");
		expect(bad.html).not.toContain("{&quot;error");
		const gone = await submit("/google/_page/delete", { calendarId: "gia@example.com", eventId: "doesnotexist1" });
		expect(gone.html).toContain("That did not work:");
		expect(gone.html).toContain("Not Found");
		const noSeries = await submit("/google/_page/cancel-occurrence", { calendarId: "gia@example.com", eventId: "doesnotexist1", date: "2026-03-02" });
		expect(noSeries.html).toContain("not a recurring event");
	});
});

describe("Microsoft calendar page", () => {
	it("lists Outlook calendars; adds, edits, repeats, cancels an occurrence and deletes, with Graph notifications", async () => {
		const echo = await startReceiver((req) => {
			const token = new URL(req.url, "http://x").searchParams.get("validationToken");
			return token === null ? { status: 202 } : { status: 200, body: token, contentType: "text/plain" };
		});
		try {
			const { access_token } = await microsoftSignIn(sandbox, "max@example.com");
			const expirationDateTime = new Date(Date.now() + 86_400_000).toISOString();
			expect((await postJson(`${sandbox.url}/microsoft/graph/v1.0/subscriptions`, { changeType: "created,updated,deleted", notificationUrl: echo.url, resource: "me/events", expirationDateTime }, bearer(access_token))).status).toBe(201);
			const calendars = (await (await fetch(`${sandbox.url}/_control/microsoft/calendars`)).json()) as Array<{ id: string; owner: string }>;
			const calendarId = calendars.find((c) => c.owner === "max@example.com")?.id ?? "";
			const page = await (await fetch(`${sandbox.url}/microsoft/`)).text();
			expect(page).toContain("Microsoft calendars");
			expect(page).toContain("max@example.com");

			await submit("/microsoft/_page/add", { calendarId, summary: "Standup", start: "2026-03-02T09:00", end: "2026-03-02T09:15", timeZone: "Europe/Berlin", repeat: "DAILY", count: "3" });
			await submit("/microsoft/_page/add", { calendarId, summary: "Offsite", start: "2026-03-05T00:00", end: "2026-03-06T00:00", timeZone: "Europe/Berlin", allDay: "on", free: "on" });
			const listed = await submit("/microsoft/_page/add", { calendarId, summary: "Dentist <3>", start: "2026-03-04T15:00", end: "2026-03-04T16:00", timeZone: "Europe/Berlin" });
			expect(listed.html).toContain("Dentist &lt;3&gt;");
			expect(listed.html).toContain("2026-03-04T15:00:00 Europe/Berlin");
			expect(listed.html).toContain("Standup (repeats)");

			const stored = (await (await fetch(`${sandbox.url}/_control/microsoft/calendars/${calendarId}/events`)).json()) as Array<{ id: string; subject: string; isAllDay: boolean; showAs: string; type: string }>;
			const byName = new Map(stored.map((e) => [e.subject, e]));
			expect(byName.get("Offsite")).toMatchObject({ isAllDay: true, showAs: "free" });
			expect(byName.get("Standup")).toMatchObject({ type: "seriesMaster" });

			const dentist = byName.get("Dentist <3>")?.id ?? "";
			expect((await submit("/microsoft/_page/edit", { calendarId, eventId: dentist, summary: "Dentist", start: "2026-03-04T17:00", end: "2026-03-04T18:00", timeZone: "" })).html).toContain("Event saved.");
			const moved = (await (await fetch(`${sandbox.url}/_control/microsoft/calendars/${calendarId}/events/${dentist}`)).json()) as { subject: string; start: { dateTime: string } };
			expect(moved).toMatchObject({ subject: "Dentist", start: { dateTime: "2026-03-04T16:00:00.0000000" } });

			const standup = byName.get("Standup")?.id ?? "";
			expect((await submit("/microsoft/_page/cancel-occurrence", { calendarId, eventId: standup, date: "2026-03-03" })).html).toContain("Occurrence cancelled.");
			const view = (await (await fetch(`${sandbox.url}/microsoft/graph/v1.0/me/calendarView?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-03-10T00:00:00Z&$top=50`, { headers: bearer(access_token) })).json()) as { value: Array<{ subject: string; start: { dateTime: string } }> };
			expect(view.value.filter((e) => e.subject === "Standup").map((e) => e.start.dateTime.slice(0, 10))).toEqual(["2026-03-02", "2026-03-04"]);

			expect((await submit("/microsoft/_page/delete", { calendarId, eventId: dentist })).html).toContain("Event deleted.");
			const missing = await submit("/microsoft/_page/cancel-occurrence", { calendarId, eventId: standup, date: "2026-03-20" });
			expect(missing.html).toContain("the series has no occurrence on 2026-03-20");

			await fetch(`${sandbox.url}/_control/flush`, { method: "POST" });
			const changes = echo.received
				.filter((r) => r.body !== "")
				.flatMap((r) => (JSON.parse(r.body) as { value: Array<{ changeType: string }> }).value.map((v) => v.changeType));
			expect(changes.filter((t) => t === "created")).toHaveLength(3);
			expect(changes).toContain("updated");
			expect(changes.filter((t) => t === "deleted")).toHaveLength(2);
		} finally {
			await echo.close();
		}
	});
});
