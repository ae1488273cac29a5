import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, googleSignIn, sandboxPerFile } from "./helpers";

interface Ev {
	id: string;
	status?: string;
	summary?: string;
	start: { dateTime?: string; date?: string };
	recurringEventId?: string;
	etag: string;
	sequence?: number;
}
interface Page {
	items: Ev[];
	nextPageToken?: string;
	nextSyncToken?: string;
}

let sandbox: Sandbox;
let token: string;
let base: string;
sandboxPerFile((started) => {
	sandbox = started;
	base = `${sandbox.url}/google/calendar/v3/calendars/primary/events`;
});
beforeEach(async () => {
	token = (await googleSignIn(sandbox, "rec@example.com")).access_token;
});

async function call(path: string, init: RequestInit = {}): Promise<Response> {
	return fetch(`${base}${path}`, { ...init, headers: { ...bearer(token), "content-type": "application/json", ...(init.headers as Record<string, string> | undefined) } });
}
async function insert(body: Record<string, unknown>): Promise<Ev> {
	const res = await call("", { method: "POST", body: JSON.stringify(body) });
	expect(res.status).toBe(200);
	return (await res.json()) as Ev;
}
async function instancesIn(timeMin: string, timeMax: string): Promise<string[]> {
	const res = await call(`?${new URLSearchParams({ singleEvents: "true", orderBy: "startTime", timeMin, timeMax })}`);
	expect(res.status).toBe(200);
	return ((await res.json()) as Page).items.map((i) => i.id);
}
const berlin = (date: string, hour: number): { dateTime: string; timeZone: string } => ({ dateTime: `${date}T${String(hour).padStart(2, "0")}:00:00`, timeZone: "Europe/Berlin" });

describe("Google recurrence lines (docs/providers.md A4)", () => {
	it("reads an RDATE ending in Z as UTC and one with TZID in that zone", async () => {
		const series = await insert({
			start: berlin("2026-03-02", 9),
			end: berlin("2026-03-02", 10),
			// 12:00Z is 13:00 in Berlin; 09:00 New York (EDT from 8 March) is 13:00Z.
			recurrence: ["RRULE:FREQ=DAILY;COUNT=1", "RDATE:20260310T120000Z", "RDATE;TZID=America/New_York:20260311T090000"],
		});
		expect(await instancesIn("2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z")).toEqual([
			`${series.id}_20260302T080000Z`,
			`${series.id}_20260310T120000Z`,
			`${series.id}_20260311T130000Z`,
		]);
	});

	it("removes the occurrences an EXRULE matches", async () => {
		// Daily from Monday 2 March for ten days, without weekends.
		const series = await insert({
			start: berlin("2026-03-02", 9),
			end: berlin("2026-03-02", 10),
			recurrence: ["RRULE:FREQ=DAILY;COUNT=10", "EXRULE:FREQ=WEEKLY;BYDAY=SA,SU"],
		});
		const days = (await instancesIn("2026-03-01T00:00:00Z", "2026-03-31T00:00:00Z")).map((id) => id.slice(series.id.length + 1, series.id.length + 9));
		expect(days).toEqual(["20260302", "20260303", "20260304", "20260305", "20260306", "20260309", "20260310", "20260311"]);
	});

	it("shows the current instances of a daily series that started years ago", async () => {
		const series = await insert({ summary: "old", start: berlin("2023-06-01", 9), end: berlin("2023-06-01", 10), recurrence: ["RRULE:FREQ=DAILY"] });
		expect(await instancesIn("2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z")).toEqual([
			`${series.id}_20260302T080000Z`,
			`${series.id}_20260303T080000Z`,
			`${series.id}_20260304T080000Z`,
		]);
		const one = await call(`/${series.id}_20260303T080000Z`);
		expect(one.status).toBe(200);
		expect(await one.json()).toMatchObject({ recurringEventId: series.id, summary: "old" });
	});
});

describe("Google events.instances (docs/providers.md A1)", () => {
	it("pages only the series' instances, every page full until the last, with no sync token", async () => {
		const series = await insert({ start: berlin("2026-03-02", 9), end: berlin("2026-03-02", 10), recurrence: ["RRULE:FREQ=DAILY;COUNT=5"] });
		// Other events in the calendar must not thin out the pages.
		for (let day = 2; day <= 6; day++) await insert({ start: berlin(`2026-03-0${day}`, 14), end: berlin(`2026-03-0${day}`, 15) });
		expect((await call(`/${series.id}_20260304T080000Z`, { method: "DELETE" })).status).toBe(204);

		const seen: string[] = [];
		let pageToken: string | undefined;
		let pages = 0;
		do {
			const res = await call(`/${series.id}/instances?${new URLSearchParams({ maxResults: "2", ...(pageToken === undefined ? {} : { pageToken }) })}`);
			expect(res.status).toBe(200);
			const page = (await res.json()) as Page;
			pages += 1;
			expect(page.nextSyncToken).toBeUndefined();
			if (page.nextPageToken !== undefined) expect(page.items).toHaveLength(2);
			seen.push(...page.items.map((i) => i.id));
			pageToken = page.nextPageToken;
		} while (pageToken !== undefined);
		expect(pages).toBe(2);
		expect(seen).toEqual([`${series.id}_20260302T080000Z`, `${series.id}_20260303T080000Z`, `${series.id}_20260305T080000Z`, `${series.id}_20260306T080000Z`]);

		const withDeleted = (await (await call(`/${series.id}/instances?showDeleted=true`)).json()) as Page;
		expect(withDeleted.items.find((i) => i.id === `${series.id}_20260304T080000Z`)).toMatchObject({ status: "cancelled" });
		const one = (await (await call(`/${series.id}/instances?originalStart=${encodeURIComponent("2026-03-05T09:00:00+01:00")}`)).json()) as Page;
		expect(one.items.map((i) => i.id)).toEqual([`${series.id}_20260305T080000Z`]);
	});

	it("answers 404 for instances of a single event", async () => {
		const single = await insert({ start: berlin("2026-03-02", 9), end: berlin("2026-03-02", 10) });
		expect((await call(`/${single.id}/instances`)).status).toBe(404);
	});
});

describe("Google events.update (PUT, docs/providers.md A1)", () => {
	it("replaces the whole event: fields left out are gone, times bump the sequence, a stale If-Match is 412", async () => {
		const event = await insert({ summary: "v1", description: "notes", colorId: "3", start: berlin("2026-03-02", 9), end: berlin("2026-03-02", 10) });
		const res = await call(`/${event.id}`, { method: "PUT", headers: { "if-match": event.etag }, body: JSON.stringify({ summary: "v2", start: berlin("2026-03-02", 11), end: berlin("2026-03-02", 12) }) });
		expect(res.status).toBe(200);
		const updated = (await res.json()) as Ev & Record<string, unknown>;
		expect(updated).toMatchObject({ id: event.id, summary: "v2", status: "confirmed", sequence: 1 });
		expect(updated.description).toBeUndefined();
		expect(updated.colorId).toBeUndefined();
		expect(updated.etag).not.toBe(event.etag);
		const stale = await call(`/${event.id}`, { method: "PUT", headers: { "if-match": event.etag }, body: JSON.stringify({ start: berlin("2026-03-02", 11), end: berlin("2026-03-02", 12) }) });
		expect(stale.status).toBe(412);
		// PUT needs start and end, as insert does.
		expect((await call(`/${event.id}`, { method: "PUT", body: JSON.stringify({ summary: "no times" }) })).status).toBe(400);
	});
});
