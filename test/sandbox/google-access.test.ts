// Google scopes per method (docs/providers.md A6, A7) and the calendar list's paging, sync tokens and
// deleted/hidden/summaryOverride entries (A6).
import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, googleSignIn, postJson, sandboxPerFile } from "./helpers";

const AUTH = "https://www.googleapis.com/auth/";
let sandbox: Sandbox;
let api: string;
let sharedId: string;
sandboxPerFile((started) => {
	sandbox = started;
	api = `${sandbox.url}/google/calendar/v3`;
});
beforeEach(async () => {
	await postJson(`${sandbox.url}/_control/google/users`, { email: "zoe@example.com" });
	// A calendar someone else owns and shares with Zoe as writer.
	const shared = await postJson(`${sandbox.url}/_control/calendars`, { provider: "google", owner: "boss@example.com", name: "Team", shareWith: [{ email: "zoe@example.com", role: "writer" }] });
	sharedId = ((await shared.json()) as { id: string }).id;
});

async function tokenFor(...scopes: string[]): Promise<string> {
	return (await googleSignIn(sandbox, "zoe@example.com", ["openid", ...scopes.map((s) => `${AUTH}${s}`)].join(" "))).access_token;
}
function get(path: string, token: string): Promise<Response> {
	return fetch(`${api}${path}`, { headers: bearer(token) });
}
function post(path: string, body: unknown, token: string): Promise<Response> {
	return postJson(`${api}${path}`, body, bearer(token));
}
const event = { summary: "x", start: { dateTime: "2026-03-02T09:00:00Z" }, end: { dateTime: "2026-03-02T10:00:00Z" } };
const freeBusy = (id: string): Record<string, unknown> => ({ timeMin: "2026-03-02T00:00:00Z", timeMax: "2026-03-03T00:00:00Z", items: [{ id }] });
const events = (id: string): string => `/calendars/${encodeURIComponent(id)}/events`;

async function reason(res: Response): Promise<string | undefined> {
	return ((await res.json()) as { error?: { errors?: Array<{ reason: string }> } }).error?.errors?.[0]?.reason;
}

describe("Google scopes (docs/providers.md A6, A7)", () => {
	it("calendar.freebusy alone gives free/busy of own calendars only, and no events", async () => {
		const token = await tokenFor("calendar.freebusy");
		const list = await get(events("primary"), token);
		expect(list.status).toBe(403);
		expect(await reason(list)).toBe("insufficientPermissions");
		expect((await get("/users/me/calendarList", token)).status).toBe(403);
		const own = (await (await post("/freeBusy", freeBusy("primary"), token)).json()) as { calendars: Record<string, { errors?: unknown[] }> };
		expect(own.calendars.primary?.errors).toBeUndefined();
		const other = (await (await post("/freeBusy", freeBusy(sharedId), token)).json()) as { calendars: Record<string, { errors?: Array<{ reason: string }> }> };
		expect(other.calendars[sharedId]?.errors?.[0]?.reason).toBe("notFound");
	});

	it("calendar.events.freebusy gives free/busy of every calendar the person can see", async () => {
		const token = await tokenFor("calendar.events.freebusy");
		const other = (await (await post("/freeBusy", freeBusy(sharedId), token)).json()) as { calendars: Record<string, { errors?: unknown[] }> };
		expect(other.calendars[sharedId]?.errors).toBeUndefined();
		expect((await get(events("primary"), token)).status).toBe(403);
	});

	it("calendar.events.owned alone reads and writes owned calendars only, and cannot list calendars", async () => {
		const token = await tokenFor("calendar.events.owned");
		expect((await get("/users/me/calendarList", token)).status).toBe(403);
		expect((await get(events("primary"), token)).status).toBe(200);
		expect((await post(events("primary"), event, token)).status).toBe(200);
		const theirs = await get(events(sharedId), token);
		expect(theirs.status).toBe(403);
		expect(await reason(theirs)).toBe("insufficientPermissions");
		expect((await post(events(sharedId), event, token)).status).toBe(403);
		expect((await post("/freeBusy", freeBusy("primary"), token)).status).toBe(403);
	});

	it("the app's set, calendar.events.owned + calendar.calendarlist.readonly, lists calendars and writes the owned one", async () => {
		const token = await tokenFor("calendar.events.owned", "calendar.calendarlist.readonly");
		const list = (await (await get("/users/me/calendarList", token)).json()) as { items: Array<{ id: string; accessRole: string }> };
		expect(list.items.map((i) => [i.id, i.accessRole])).toEqual([
			["zoe@example.com", "owner"],
			[sharedId, "writer"],
		]);
		expect((await post(events("primary"), event, token)).status).toBe(200);
		expect((await post(`${events("primary")}/watch`, { id: "ch-1", type: "web_hook", address: "https://example.invalid/hook" }, token)).status).toBe(200);
	});

	it("read-only scopes read but do not write; calendar.events reaches shared calendars", async () => {
		const readonly = await tokenFor("calendar.readonly");
		expect((await get("/users/me/calendarList", readonly)).status).toBe(200);
		expect((await get(events(sharedId), readonly)).status).toBe(200);
		expect((await post(events("primary"), event, readonly)).status).toBe(403);
		const eventsReadonly = await tokenFor("calendar.events.readonly");
		expect((await get(events(sharedId), eventsReadonly)).status).toBe(200);
		expect((await get("/users/me/calendarList", eventsReadonly)).status).toBe(403);
		expect((await post(events("primary"), event, eventsReadonly)).status).toBe(403);
		const full = await tokenFor("calendar.events");
		expect((await post(events(sharedId), event, full)).status).toBe(200);
	});
});

describe("Google calendarList (docs/providers.md A6)", () => {
	interface ListPage {
		items: Array<{ id: string; deleted?: boolean; hidden?: boolean; summaryOverride?: string; summary?: string }>;
		nextPageToken?: string;
		nextSyncToken?: string;
	}
	async function listAll(token: string, query: Record<string, string>): Promise<{ items: ListPage["items"]; pages: number; syncToken: string }> {
		const items: ListPage["items"] = [];
		let pages = 0;
		let pageToken: string | undefined;
		for (;;) {
			const res = await get(`/users/me/calendarList?${new URLSearchParams({ ...query, ...(pageToken === undefined ? {} : { pageToken }) })}`, token);
			expect(res.status).toBe(200);
			const page = (await res.json()) as ListPage;
			pages += 1;
			expect(page.nextPageToken === undefined).not.toBe(page.nextSyncToken === undefined);
			items.push(...page.items);
			if (page.nextPageToken === undefined) return { items, pages, syncToken: page.nextSyncToken ?? "" };
			pageToken = page.nextPageToken;
		}
	}

	it("pages with maxResults and gives nextSyncToken on the last page only", async () => {
		for (const name of ["A", "B", "C"]) await postJson(`${sandbox.url}/_control/calendars`, { provider: "google", owner: "zoe@example.com", name });
		const token = await tokenFor("calendar.calendarlist.readonly");
		const { items, pages } = await listAll(token, { maxResults: "2" });
		expect(pages).toBe(3);
		expect(items.map((i) => i.summary)).toEqual(["zoe@example.com", "Team", "A", "B", "C"]);
	});

	it("syncs changes: lost access comes as deleted, hidden and renamed entries come too", async () => {
		const extra = ((await (await postJson(`${sandbox.url}/_control/calendars`, { provider: "google", owner: "zoe@example.com", name: "Side" })).json()) as { id: string }).id;
		const token = await tokenFor("calendar.calendarlist.readonly");
		const initial = await listAll(token, {});
		expect(initial.items).toHaveLength(3);

		await postJson(`${sandbox.url}/_control/google/calendars/${encodeURIComponent(sharedId)}/acl`, { email: "zoe@example.com", role: "none" });
		const hide = await fetch(`${sandbox.url}/_control/google/calendarList/zoe@example.com/${encodeURIComponent(extra)}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ hidden: true, summaryOverride: "Mine" }) });
		expect(hide.status).toBe(200);

		const changes = await listAll(token, { syncToken: initial.syncToken });
		expect(changes.items).toEqual([
			expect.objectContaining({ id: sharedId, deleted: true }),
			expect.objectContaining({ id: extra, hidden: true, summaryOverride: "Mine", summary: "Side" }),
		]);
		expect((await listAll(token, { syncToken: changes.syncToken })).items).toEqual([]);

		// A plain listing leaves deleted and hidden entries out unless asked.
		expect((await listAll(token, {})).items.map((i) => i.id)).toEqual(["zoe@example.com"]);
		expect((await listAll(token, { showHidden: "true" })).items.map((i) => i.id)).toEqual(["zoe@example.com", extra]);
		expect((await listAll(token, { showDeleted: "true", showHidden: "true" })).items.map((i) => [i.id, i.deleted === true])).toEqual([
			["zoe@example.com", false],
			[sharedId, true],
			[extra, false],
		]);
	});

	it("refuses minAccessRole with a syncToken and answers 410 to an unknown token", async () => {
		const token = await tokenFor("calendar.calendarlist.readonly");
		const { syncToken } = await listAll(token, {});
		expect((await get(`/users/me/calendarList?${new URLSearchParams({ syncToken, minAccessRole: "writer" })}`, token)).status).toBe(400);
		expect((await get(`/users/me/calendarList?syncToken=garbage`, token)).status).toBe(410);
		const writers = (await (await get("/users/me/calendarList?minAccessRole=owner", token)).json()) as ListPage;
		expect(writers.items.map((i) => i.id)).toEqual(["zoe@example.com"]);
	});
});
