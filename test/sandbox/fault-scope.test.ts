// Scoped faults and switches: a test that shares the sandbox with others can break its own account, calendar or
// OAuth client without reaching anyone else's (POST /_control/faults with `scope`).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, googleSignIn, microsoftSignIn, postJson, startReceiver, sandboxPerFile } from "./helpers";
import type { Receiver } from "./helpers";

let sandbox: Sandbox;
sandboxPerFile((started) => {
	sandbox = started;
});

const EVENT = { start: { dateTime: "2026-03-02T09:00:00Z" }, end: { dateTime: "2026-03-02T10:00:00Z" } };

function calendarApi(path: string): string {
	return `${sandbox.url}/google/calendar/v3${path}`;
}

async function fault(body: Record<string, unknown>): Promise<Response> {
	return postJson(`${sandbox.url}/_control/faults`, body);
}

async function insert(token: string, calendarId = "primary"): Promise<number> {
	return (await postJson(calendarApi(`/calendars/${encodeURIComponent(calendarId)}/events`), EVENT, bearer(token))).status;
}

async function syncToken(token: string, calendarId = "primary"): Promise<string> {
	const body = (await (await fetch(calendarApi(`/calendars/${encodeURIComponent(calendarId)}/events`), { headers: bearer(token) })).json()) as { nextSyncToken: string };
	return body.nextSyncToken;
}

/** The delta link that ends a first Graph delta round over March 2026 of the token's default calendar. */
async function deltaLink(token: string): Promise<string> {
	const url = `${sandbox.url}/microsoft/graph/v1.0/me/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-03-31T00:00:00Z`;
	return ((await (await fetch(url, { headers: bearer(token) })).json()) as { "@odata.deltaLink": string })["@odata.deltaLink"];
}

async function incremental(token: string, sync: string, calendarId = "primary"): Promise<number> {
	return (await fetch(calendarApi(`/calendars/${encodeURIComponent(calendarId)}/events?syncToken=${encodeURIComponent(sync)}`), { headers: bearer(token) })).status;
}

describe("endpoint faults with a scope", () => {
	it("fail only the scoped account's requests, and only those use up the count", async () => {
		const ana = await googleSignIn(sandbox, "ana@example.com");
		const ben = await googleSignIn(sandbox, "ben@example.com");
		expect((await fault({ provider: "google", endpoint: "events.insert", status: 429, count: 1, scope: { account: "Ana@example.com" } })).status).toBe(201);
		// Ben's writes pass and do not spend Ana's one failure.
		expect(await insert(ben.access_token)).toBe(200);
		expect(await insert(ben.access_token)).toBe(200);
		expect(await insert(ana.access_token)).toBe(429);
		expect(await insert(ana.access_token)).toBe(200);
	});

	it("reach the mailbox by recipient: its sends fail with Retry-After and store nothing, others' are delivered", async () => {
		const send = (to: string): Promise<Response> => postJson(`${sandbox.url}/mail/messages`, { from: "bookings@slotline.test", to, subject: "Hi", text: "Hello" });
		expect((await fault({ provider: "mail", endpoint: "*", status: 503, retryAfter: 30, scope: { account: "down@example.com" } })).status).toBe(201);
		const refused = await send("Down@example.com");
		expect(refused.status).toBe(503);
		expect(refused.headers.get("retry-after")).toBe("30");
		expect((await send("up@example.com")).status).toBe(201);
		expect((await fault({ provider: "mail", revokeRefreshTokens: true })).status).toBe(400);
		await fetch(`${sandbox.url}/_control/faults?account=down@example.com`, { method: "DELETE" });
		expect((await send("down@example.com")).status).toBe(201);
		const listed = (await (await fetch(`${sandbox.url}/_control/mail`)).json()) as { messages: Array<{ to: string[] }> };
		expect(listed.messages.map((m) => m.to[0]).sort()).toEqual(["down@example.com", "up@example.com"]);
	});

	it("match the calendar the path names, with primary resolved to the account's own calendar", async () => {
		const ana = await googleSignIn(sandbox, "ana@example.com");
		const studio = (await (await postJson(`${sandbox.url}/_control/calendars`, { provider: "google", owner: "ana@example.com", name: "Studio" })).json()) as { id: string };
		await fault({ provider: "google", endpoint: "events.insert", status: 503, scope: { calendarId: "ana@example.com" } });
		expect(await insert(ana.access_token, studio.id)).toBe(200);
		expect(await insert(ana.access_token, "primary")).toBe(503);
		expect(await insert(ana.access_token, "ana@example.com")).toBe(503);
	});

	it("match the OAuth client on the token endpoint (from client_id or the code it redeems)", async () => {
		await fault({ provider: "google", endpoint: "token", status: 503, scope: { clientId: "slotline-dev-google" } });
		// The test client's sign-in goes through; the dev client's token request fails.
		await googleSignIn(sandbox, "ana@example.com");
		const dev = await fetch(`${sandbox.url}/google/token`, {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ client_id: "slotline-dev-google", client_secret: "dev-google-secret", grant_type: "refresh_token", refresh_token: "unknown" }),
		});
		expect(dev.status).toBe(503);
	});

	it("need every scoped field to match: a request that does not name a calendar is outside a calendar scope", async () => {
		const ana = await googleSignIn(sandbox, "ana@example.com");
		await fault({ provider: "google", endpoint: "*", status: 500, scope: { account: "ana@example.com", calendarId: "ana@example.com" } });
		expect((await fetch(calendarApi("/users/me/calendarList"), { headers: bearer(ana.access_token) })).status).toBe(200);
		expect(await insert(ana.access_token)).toBe(500);
	});

	it("reach Graph requests by the calendar of the event or subscription they name", async () => {
		const nora = await microsoftSignIn(sandbox, "nora@example.com");
		const graph = `${sandbox.url}/microsoft/graph/v1.0`;
		const other = (await (await postJson(`${sandbox.url}/_control/calendars`, { provider: "microsoft", owner: "nora@example.com", name: "Other" })).json()) as { id: string };
		const body = { subject: "x", start: { dateTime: "2026-03-02T09:00:00", timeZone: "UTC" }, end: { dateTime: "2026-03-02T10:00:00", timeZone: "UTC" } };
		const inOther = (await (await postJson(`${graph}/me/calendars/${other.id}/events`, body, bearer(nora.access_token))).json()) as { id: string };
		const inDefault = (await (await postJson(`${graph}/me/events`, body, bearer(nora.access_token))).json()) as { id: string };
		await fault({ provider: "microsoft", endpoint: "events.get", status: 503, scope: { calendarId: other.id } });
		expect((await fetch(`${graph}/me/events/${inDefault.id}`, { headers: bearer(nora.access_token) })).status).toBe(200);
		expect((await fetch(`${graph}/me/events/${inOther.id}`, { headers: bearer(nora.access_token) })).status).toBe(503);
	});

	it("are listed with their scope and cleared by scope, leaving the others", async () => {
		const ana = await googleSignIn(sandbox, "ana@example.com");
		const ben = await googleSignIn(sandbox, "ben@example.com");
		await fault({ provider: "google", endpoint: "events.insert", status: 503, scope: { account: "ana@example.com" } });
		await fault({ provider: "google", endpoint: "events.insert", status: 503, scope: { account: "ben@example.com" } });
		const listed = (await (await fetch(`${sandbox.url}/_control/faults`)).json()) as { faults: Array<{ scope?: unknown }> };
		expect(listed.faults.map((f) => f.scope)).toEqual([{ account: "ana@example.com" }, { account: "ben@example.com" }]);
		expect((await fetch(`${sandbox.url}/_control/faults?account=ana@example.com`, { method: "DELETE" })).status).toBe(204);
		expect(await insert(ana.access_token)).toBe(200);
		expect(await insert(ben.access_token)).toBe(503);
	});

	it("refuse an empty scope or an unknown scope field", async () => {
		expect((await fault({ provider: "google", endpoint: "events.insert", scope: {} })).status).toBe(400);
		expect((await fault({ provider: "google", endpoint: "events.insert", scope: { email: "a@b.c" } })).status).toBe(400);
	});
});

describe("switches with a scope", () => {
	it("forceSyncGone: only the next sync of the scoped calendar answers 410", async () => {
		const ana = await googleSignIn(sandbox, "ana@example.com");
		const ben = await googleSignIn(sandbox, "ben@example.com");
		const [anaSync, benSync] = [await syncToken(ana.access_token), await syncToken(ben.access_token)];
		await fault({ provider: "google", forceSyncGone: true, scope: { calendarId: "ana@example.com" } });
		const armed = async (): Promise<unknown[]> => ((await (await fetch(`${sandbox.url}/_control/faults`)).json()) as { switches: unknown[] }).switches;
		expect(await armed()).toEqual([{ provider: "google", forceSyncGone: true, scope: { calendarId: "ana@example.com" } }]);
		expect(await incremental(ben.access_token, benSync)).toBe(200);
		expect(await incremental(ana.access_token, anaSync)).toBe(410);
		expect(await incremental(ana.access_token, anaSync)).toBe(200);
		expect(await armed()).toEqual([]);
	});

	it("forceSyncGone on Graph delta: only the scoped account's next delta round answers 410", async () => {
		const nora = await microsoftSignIn(sandbox, "nora@example.com");
		const otto = await microsoftSignIn(sandbox, "otto@example.com");
		const [noraLink, ottoLink] = [await deltaLink(nora.access_token), await deltaLink(otto.access_token)];
		await fault({ provider: "microsoft", forceSyncGone: true, scope: { account: "nora@example.com" } });
		expect((await fetch(ottoLink, { headers: bearer(otto.access_token) })).status).toBe(200);
		expect((await fetch(noraLink, { headers: bearer(nora.access_token) })).status).toBe(410);
	});

	it("expireAccessTokens: only the scoped account's tokens die; a calendar scope is refused", async () => {
		const ana = await googleSignIn(sandbox, "ana@example.com");
		const ben = await googleSignIn(sandbox, "ben@example.com");
		const applied = (await (await fault({ provider: "google", expireAccessTokens: true, scope: { account: "ana@example.com" } })).json()) as { applied: Record<string, unknown> };
		expect(applied.applied).toMatchObject({ expiredAccessTokens: 1, scope: { account: "ana@example.com" } });
		expect(await insert(ana.access_token)).toBe(401);
		expect(await insert(ben.access_token)).toBe(200);
		expect((await fault({ provider: "google", expireAccessTokens: true, scope: { calendarId: "ana@example.com" } })).status).toBe(400);
	});

	it("revokeRefreshTokens: scope.account and the older email do the same; a clientId scope spares other clients", async () => {
		const ana = await googleSignIn(sandbox, "ana@example.com");
		const ben = await googleSignIn(sandbox, "ben@example.com");
		const refresh = async (token: string | undefined): Promise<number> =>
			(
				await fetch(`${sandbox.url}/google/token`, {
					method: "POST",
					headers: { "content-type": "application/x-www-form-urlencoded" },
					body: new URLSearchParams({ client_id: "slotline-test-google", client_secret: "test-google-secret", grant_type: "refresh_token", refresh_token: token ?? "" }),
				})
			).status;
		await fault({ provider: "google", revokeRefreshTokens: true, scope: { clientId: "slotline-dev-google" } });
		expect(await refresh(ana.refresh_token)).toBe(200);
		await fault({ provider: "google", revokeRefreshTokens: true, scope: { account: "ana@example.com" } });
		expect(await refresh(ana.refresh_token)).toBe(400);
		expect(await refresh(ben.refresh_token)).toBe(200);
		expect((await fault({ provider: "google", revokeRefreshTokens: true, email: "ben@example.com", scope: { account: "ana@example.com" } })).status).toBe(400);
	});

	it("expireSyncTokens: only the scoped calendar's tokens die; a client scope is refused", async () => {
		const ana = await googleSignIn(sandbox, "ana@example.com");
		const ben = await googleSignIn(sandbox, "ben@example.com");
		const [anaSync, benSync] = [await syncToken(ana.access_token), await syncToken(ben.access_token)];
		await fault({ provider: "google", expireSyncTokens: true, scope: { calendarId: "ana@example.com" } });
		for (let i = 0; i < 2; i++) expect(await incremental(ana.access_token, anaSync)).toBe(410);
		expect(await incremental(ben.access_token, benSync)).toBe(200);
		expect((await fault({ provider: "google", expireSyncTokens: true, scope: { clientId: "slotline-test-google" } })).status).toBe(400);
		expect((await fault({ provider: "google", expireSyncTokens: true, scope: { calendarId: "nobody@example.com" } })).status).toBe(404);
	});

	it("expireDeltaTokens: only the scoped account's delta tokens expire", async () => {
		const nora = await microsoftSignIn(sandbox, "nora@example.com");
		const otto = await microsoftSignIn(sandbox, "otto@example.com");
		const [noraLink, ottoLink] = [await deltaLink(nora.access_token), await deltaLink(otto.access_token)];
		await fault({ provider: "microsoft", expireDeltaTokens: true, scope: { account: "nora@example.com" } });
		const expired = await fetch(noraLink, { headers: bearer(nora.access_token) });
		expect(expired.status).toBe(400);
		expect(await expired.json()).toMatchObject({ error: { code: "syncStateNotFound" } });
		expect((await fetch(ottoLink, { headers: bearer(otto.access_token) })).status).toBe(200);
		// A new round of the expired account works again.
		expect((await fetch(await deltaLink(nora.access_token), { headers: bearer(nora.access_token) })).status).toBe(200);
	});
});

describe("pushes with a scope", () => {
	let receiver: Receiver;
	beforeAll(async () => {
		receiver = await startReceiver();
	});
	afterAll(async () => {
		await receiver.close();
	});

	async function watch(token: string, id: string): Promise<void> {
		const res = await postJson(calendarApi("/calendars/primary/events/watch"), { id, type: "web_hook", address: receiver.url }, bearer(token));
		expect(res.status).toBe(200);
	}
	const ownerEvent = (calendar: string): Promise<Response> =>
		postJson(`${sandbox.url}/_control/google/calendars/${calendar}/events`, { summary: "x", start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00Z" });

	it("dropNotifications drops only the scoped calendar's pushes; deliveries and flush narrow to one calendar", async () => {
		const ana = await googleSignIn(sandbox, "ana@example.com");
		const ben = await googleSignIn(sandbox, "ben@example.com");
		await watch(ana.access_token, "chan-ana");
		await watch(ben.access_token, "chan-ben");
		await fault({ provider: "google", dropNotifications: 1, scope: { calendarId: "ana@example.com" } });
		await ownerEvent("ana@example.com");
		await ownerEvent("ben@example.com");
		const flushed = (await (await fetch(`${sandbox.url}/_control/flush?calendarId=ben@example.com`, { method: "POST" })).json()) as { deliveries: Array<Record<string, unknown>> };
		expect(flushed.deliveries.map((d) => [d.headers !== undefined && (d.headers as Record<string, string>)["x-goog-resource-state"], d.outcome])).toEqual([
			["sync", 200],
			["exists", 200],
		]);
		const anas = (await (await fetch(`${sandbox.url}/_control/deliveries?provider=google&calendarId=ana@example.com`)).json()) as { deliveries: Array<Record<string, unknown>> };
		expect(anas.deliveries.map((d) => [d.calendarId, d.account, d.outcome])).toEqual([
			["ana@example.com", "ana@example.com", 200],
			["ana@example.com", "ana@example.com", "dropped"],
		]);
		// Turning the drop off for that scope restores delivery.
		await fault({ provider: "google", dropNotifications: 0, scope: { calendarId: "ana@example.com" } });
		await ownerEvent("ana@example.com");
		await fetch(`${sandbox.url}/_control/flush?calendarId=ana@example.com`, { method: "POST" });
		expect(receiver.received.filter((r) => r.headers["x-goog-channel-id"] === "chan-ana").map((r) => r.headers["x-goog-resource-state"])).toEqual(["sync", "exists"]);
	});
});
