// Google Meet in the Google stand-in (docs/integrations.md 1): conferenceData.createRequest with
// conferenceDataVersion=1, `pending` then `success` on a later read, requestId de-duplication, the calendar's
// allowed conference types, and the conference kept across writes that do not touch it.
import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, googleSignIn, postJson, sandboxPerFile } from "./helpers";

type Event = Record<string, unknown> & {
	id: string;
	hangoutLink?: string;
	conferenceData?: {
		createRequest?: { requestId: string; status: { statusCode: string } };
		entryPoints?: Array<{ entryPointType: string; uri: string; label?: string }>;
		conferenceId?: string;
		conferenceSolution?: { key: { type: string }; name: string };
		signature?: string;
	};
};

let sandbox: Sandbox;
let token: string;
sandboxPerFile((started) => {
	sandbox = started;
});
beforeEach(async () => {
	token = (await googleSignIn(sandbox, "meet@example.com")).access_token;
});

function api(path: string, init: RequestInit = {}): Promise<Response> {
	return fetch(`${sandbox.url}/google/calendar/v3${path}`, { ...init, headers: { ...bearer(token), "content-type": "application/json" } });
}

async function write(method: string, path: string, body: Record<string, unknown>): Promise<{ status: number; event: Event }> {
	const res = await api(path, { method, body: JSON.stringify(body) });
	return { status: res.status, event: (await res.json()) as Event };
}

async function read(id: string): Promise<Event> {
	return (await (await api(`/calendars/primary/events/${id}`)).json()) as Event;
}

const TIMES = { start: { dateTime: "2026-09-01T14:00:00Z" }, end: { dateTime: "2026-09-01T14:30:00Z" } };
const MEET = (requestId: string): Record<string, unknown> => ({ createRequest: { requestId, conferenceSolutionKey: { type: "hangoutsMeet" } } });

async function setConferencing(calendarId: string, settings: Record<string, unknown>): Promise<void> {
	const res = await postJson(`${sandbox.url}/_control/google/calendars/${encodeURIComponent(calendarId)}/conferencing`, settings);
	expect(res.status).toBe(200);
}

describe("Google Meet conferences", () => {
	it("answers pending on insert and success with a Meet link on the next read", async () => {
		const { status, event } = await write("POST", "/calendars/primary/events?conferenceDataVersion=1", { summary: "Intro", ...TIMES, conferenceData: MEET("booking-b1") });
		expect(status).toBe(200);
		expect(event.conferenceData?.createRequest).toEqual({ requestId: "booking-b1", conferenceSolutionKey: { type: "hangoutsMeet" }, status: { statusCode: "pending" } });
		expect(event.hangoutLink).toBeUndefined();
		expect(event.conferenceData?.entryPoints).toBeUndefined();

		const later = await read(event.id);
		expect(later.conferenceData?.createRequest?.status.statusCode).toBe("success");
		const code = later.conferenceData?.conferenceId ?? "";
		expect(code).toMatch(/^[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
		expect(later.hangoutLink).toBe(`https://meet.google.com/${code}`);
		expect(later.conferenceData?.entryPoints?.filter((e) => e.entryPointType === "video")).toEqual([{ entryPointType: "video", uri: later.hangoutLink, label: `meet.google.com/${code}` }]);
		expect(later.conferenceData?.conferenceSolution).toMatchObject({ key: { type: "hangoutsMeet" }, name: "Google Meet" });
		expect(later.etag).not.toBe(event.etag);
		// Settled once: the link stays.
		expect((await read(event.id)).hangoutLink).toBe(later.hangoutLink);
	});

	it("settles pending conferences for events.list too", async () => {
		const { event } = await write("POST", "/calendars/primary/events?conferenceDataVersion=1", { summary: "Intro", ...TIMES, conferenceData: MEET("r1") });
		const listed = (await (await api("/calendars/primary/events")).json()) as { items: Event[] };
		expect(listed.items.find((e) => e.id === event.id)?.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\//);
	});

	it("ignores conferenceData without conferenceDataVersion=1 and refuses other versions", async () => {
		const { event } = await write("POST", "/calendars/primary/events", { summary: "No meet", ...TIMES, conferenceData: MEET("r1"), hangoutLink: "https://meet.google.com/aaa-bbbb-ccc" });
		expect(event.conferenceData).toBeUndefined();
		expect(event.hangoutLink).toBeUndefined();
		expect((await read(event.id)).conferenceData).toBeUndefined();
		const bad = await api("/calendars/primary/events?conferenceDataVersion=2", { method: "POST", body: JSON.stringify({ ...TIMES }) });
		expect(bad.status).toBe(400);
	});

	it("adds a Meet to an existing event with a patch, and ignores a repeated requestId", async () => {
		const { event } = await write("POST", "/calendars/primary/events", { summary: "Plain", ...TIMES });
		const patched = await write("PATCH", `/calendars/primary/events/${event.id}?conferenceDataVersion=1`, { conferenceData: MEET("r-add") });
		expect(patched.event.conferenceData?.createRequest?.status.statusCode).toBe("pending");
		const link = (await read(event.id)).hangoutLink;
		expect(link).toBeDefined();
		const again = await write("PATCH", `/calendars/primary/events/${event.id}?conferenceDataVersion=1`, { summary: "Plain again", conferenceData: MEET("r-add") });
		expect(again.event.hangoutLink).toBe(link);
		expect(again.event.conferenceData?.createRequest?.status.statusCode).toBe("success");
		const fresh = await write("PATCH", `/calendars/primary/events/${event.id}?conferenceDataVersion=1`, { conferenceData: MEET("r-new") });
		expect(fresh.event.conferenceData?.createRequest).toMatchObject({ requestId: "r-new", status: { statusCode: "pending" } });
		expect(fresh.event.hangoutLink).toBeUndefined();
		expect((await read(event.id)).hangoutLink).not.toBe(link);
	});

	it("keeps the conference across moves, version-0 writes and a full update by a version-0 client", async () => {
		const { event } = await write("POST", "/calendars/primary/events?conferenceDataVersion=1", { summary: "Intro", ...TIMES, conferenceData: MEET("r1") });
		const link = (await read(event.id)).hangoutLink;
		const moved = await write("PATCH", `/calendars/primary/events/${event.id}?conferenceDataVersion=1`, { start: { dateTime: "2026-09-02T14:00:00Z" }, end: { dateTime: "2026-09-02T14:30:00Z" } });
		expect(moved.event.hangoutLink).toBe(link);
		const v0 = await write("PATCH", `/calendars/primary/events/${event.id}`, { conferenceData: null });
		expect(v0.event.hangoutLink).toBe(link);
		const put = await write("PUT", `/calendars/primary/events/${event.id}`, { summary: "Renamed", ...TIMES });
		expect(put.event.hangoutLink).toBe(link);
		expect(put.event.conferenceData?.conferenceId).toBe(link?.split("/").pop());
	});

	it("removes the conference with conferenceData: null at version 1", async () => {
		const { event } = await write("POST", "/calendars/primary/events?conferenceDataVersion=1", { summary: "Intro", ...TIMES, conferenceData: MEET("r1") });
		await read(event.id);
		const removed = await write("PATCH", `/calendars/primary/events/${event.id}?conferenceDataVersion=1`, { conferenceData: null });
		expect(removed.event.conferenceData).toBeUndefined();
		expect(removed.event.hangoutLink).toBeUndefined();
	});
});

describe("Calendars that limit conferencing", () => {
	it("lists the allowed conference types in calendarList and calendars.get", async () => {
		const entry = (await (await api("/users/me/calendarList/primary")).json()) as Record<string, unknown>;
		expect(entry.conferenceProperties).toEqual({ allowedConferenceSolutionTypes: ["hangoutsMeet"] });
		const calendar = (await (await api("/calendars/primary")).json()) as Record<string, unknown>;
		expect(calendar.conferenceProperties).toEqual({ allowedConferenceSolutionTypes: ["hangoutsMeet"] });
	});

	it("refuses Meet with 400 'Invalid conference type value.' on a calendar that disallows it, creating nothing", async () => {
		await setConferencing("meet@example.com", { allowedConferenceSolutionTypes: [] });
		const entry = (await (await api("/users/me/calendarList/primary")).json()) as Record<string, unknown>;
		expect(entry.conferenceProperties).toEqual({ allowedConferenceSolutionTypes: [] });
		const res = await api("/calendars/primary/events?conferenceDataVersion=1", { method: "POST", body: JSON.stringify({ summary: "Intro", ...TIMES, conferenceData: MEET("r1") }) });
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: { code: 400, message: "Invalid conference type value." } });
		const listed = (await (await api("/calendars/primary/events")).json()) as { items: unknown[] };
		expect(listed.items).toHaveLength(0);
	});

	it("refuses a conference type that cannot be created, even where allowed", async () => {
		await setConferencing("meet@example.com", { allowedConferenceSolutionTypes: ["hangoutsMeet", "eventHangout"] });
		const res = await api("/calendars/primary/events?conferenceDataVersion=1", {
			method: "POST",
			body: JSON.stringify({ ...TIMES, conferenceData: { createRequest: { requestId: "r1", conferenceSolutionKey: { type: "eventHangout" } } } }),
		});
		expect(res.status).toBe(400);
	});

	it("reports failure (no link, no entry points, no signature) when the calendar is set to fail, and success at once when set so", async () => {
		await setConferencing("meet@example.com", { creation: "failure" });
		const failed = await write("POST", "/calendars/primary/events?conferenceDataVersion=1", { ...TIMES, conferenceData: MEET("r1") });
		expect(failed.status).toBe(200);
		const reread = await read(failed.event.id);
		expect(reread.conferenceData?.createRequest?.status.statusCode).toBe("failure");
		expect(reread.conferenceData?.entryPoints).toBeUndefined();
		expect(reread.conferenceData?.signature).toBeUndefined();
		expect(reread.hangoutLink).toBeUndefined();

		await setConferencing("meet@example.com", { creation: "success" });
		const ok = await write("POST", "/calendars/primary/events?conferenceDataVersion=1", { ...TIMES, conferenceData: MEET("r2") });
		expect(ok.event.conferenceData?.createRequest?.status.statusCode).toBe("success");
		expect(ok.event.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
	});

	it("settles as a change of its own, which incremental sync reports", async () => {
		const first = (await (await api("/calendars/primary/events")).json()) as { nextSyncToken: string };
		const { event } = await write("POST", "/calendars/primary/events?conferenceDataVersion=1", { ...TIMES, conferenceData: MEET("r1") });
		const settled = await read(event.id);
		const delta = (await (await api(`/calendars/primary/events?syncToken=${encodeURIComponent(first.nextSyncToken)}`)).json()) as { items: Event[] };
		expect(delta.items.map((e) => [e.id, e.etag, e.hangoutLink])).toEqual([[event.id, settled.etag, settled.hangoutLink]]);
	});
});
