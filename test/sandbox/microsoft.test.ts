import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import type { Receiver, ReceivedRequest } from "./helpers";
import { bearer, pkcePair, postJson, REDIRECT_URI, startReceiver, startSandbox } from "./helpers";

const CLIENT = { client_id: "slotline-test-microsoft", client_secret: "test-microsoft-secret" };
let sandbox: Sandbox;
let graph: string;
let echo: Receiver;
let wrongEcho: Receiver;

function echoToken(req: ReceivedRequest): { status: number; body?: string; contentType?: string } {
	const token = new URL(req.url, "http://x").searchParams.get("validationToken");
	return token === null ? { status: 202 } : { status: 200, body: token, contentType: "text/plain" };
}

beforeAll(async () => {
	sandbox = await startSandbox();
	graph = `${sandbox.url}/microsoft/graph/v1.0`;
	echo = await startReceiver(echoToken);
	// Echoes the token still URL-encoded, which Graph rejects.
	wrongEcho = await startReceiver((req) => ({ status: 200, body: encodeURIComponent(new URL(req.url, "http://x").searchParams.get("validationToken") ?? ""), contentType: "text/plain" }));
});
afterAll(async () => {
	await echo.close();
	await wrongEcho.close();
	await sandbox.close();
});
beforeEach(async () => {
	await fetch(`${sandbox.url}/_control/reset`, { method: "POST" });
	echo.received.length = 0;
});

async function signIn(email: string, scope = "openid offline_access Calendars.ReadWrite"): Promise<{ access_token: string; refresh_token?: string }> {
	await postJson(`${sandbox.url}/_control/microsoft/users`, { email });
	const { verifier, challenge } = pkcePair();
	const params = new URLSearchParams({ ...{ client_id: CLIENT.client_id }, redirect_uri: REDIRECT_URI, response_type: "code", scope, login_hint: email, code_challenge: challenge, code_challenge_method: "S256" });
	const res = await fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/authorize?${params}`, { redirect: "manual" });
	const code = new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";
	const token = await fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/token`, {
		method: "POST",
		body: new URLSearchParams({ ...CLIENT, grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
	});
	expect(token.status).toBe(200);
	return (await token.json()) as { access_token: string; refresh_token?: string };
}

const event = (hour: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
	subject: `at ${hour}`,
	start: { dateTime: `2026-03-02T${String(hour).padStart(2, "0")}:00:00`, timeZone: "Europe/Berlin" },
	end: { dateTime: `2026-03-02T${String(hour + 1).padStart(2, "0")}:00:00`, timeZone: "Europe/Berlin" },
	...extra,
});

describe("Microsoft identity platform", () => {
	it("issues a refresh token only with offline_access and rotates it on refresh", async () => {
		const without = await signIn("nora@example.com", "openid Calendars.ReadWrite");
		expect(without.refresh_token).toBeUndefined();
		const tokens = await signIn("nora@example.com");
		const refresh = (rt: string): Promise<Response> =>
			fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/token`, { method: "POST", body: new URLSearchParams({ ...CLIENT, grant_type: "refresh_token", refresh_token: rt }) });
		const first = (await (await refresh(tokens.refresh_token ?? "")).json()) as { refresh_token: string };
		expect(first.refresh_token).toBeTypeOf("string");
		expect(first.refresh_token).not.toBe(tokens.refresh_token);
		// The old refresh token is not revoked by rotation.
		expect((await refresh(tokens.refresh_token ?? "")).status).toBe(200);
		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", revokeRefreshTokens: true });
		const revoked = await refresh(first.refresh_token);
		expect(revoked.status).toBe(400);
		expect(await revoked.json()).toMatchObject({ error: "invalid_grant", error_codes: [50173] });
	});
});

describe("Microsoft Graph calendar", () => {
	it("creates events with transactionId de-dup, PATCHes, DELETEs with 204, honours Prefer time zone", async () => {
		const { access_token } = await signIn("nora@example.com");
		const first = await postJson(`${graph}/me/events`, event(9, { transactionId: "tx-1" }), bearer(access_token));
		expect(first.status).toBe(201);
		const created = (await first.json()) as { id: string; start: { dateTime: string; timeZone: string }; "@odata.etag": string; transactionId: string };
		expect(created.start).toEqual({ dateTime: "2026-03-02T08:00:00.0000000", timeZone: "UTC" });
		expect(created["@odata.etag"]).toMatch(/^W\/"/);
		const retry = (await (await postJson(`${graph}/me/events`, event(9, { transactionId: "tx-1" }), bearer(access_token))).json()) as { id: string };
		expect(retry.id).toBe(created.id);

		const patched = await fetch(`${graph}/me/events/${created.id}`, {
			method: "PATCH",
			headers: { ...bearer(access_token), "content-type": "application/json", prefer: 'outlook.timezone="Europe/Berlin"' },
			body: JSON.stringify({ subject: "moved" }),
		});
		expect(await patched.json()).toMatchObject({ subject: "moved", start: { dateTime: "2026-03-02T09:00:00.0000000", timeZone: "Europe/Berlin" } });
		expect((await fetch(`${graph}/me/events/${created.id}`, { method: "DELETE", headers: bearer(access_token) })).status).toBe(204);
		expect((await fetch(`${graph}/me/events/${created.id}`, { headers: bearer(access_token) })).status).toBe(404);
	});

	it("rejects an all-day event that does not start at midnight", async () => {
		const { access_token } = await signIn("nora@example.com");
		const res = await postJson(`${graph}/me/events`, event(9, { isAllDay: true }), bearer(access_token));
		expect(res.status).toBe(400);
	});

	it("runs calendarView/delta with nextLink, deltaLink and @removed", async () => {
		const { access_token } = await signIn("nora@example.com");
		const ids: string[] = [];
		for (const hour of [8, 9, 10]) ids.push(((await (await postJson(`${graph}/me/events`, event(hour), bearer(access_token))).json()) as { id: string }).id);
		let url: string | undefined = `${graph}/me/calendarView/delta?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-03-31T00:00:00Z`;
		const seen: string[] = [];
		let deltaLink: string | undefined;
		while (url !== undefined) {
			const body = (await (await fetch(url, { headers: { ...bearer(access_token), prefer: "odata.maxpagesize=2" } })).json()) as Record<string, unknown> & { value: Array<{ id: string }> };
			seen.push(...body.value.map((v) => v.id));
			url = body["@odata.nextLink"] as string | undefined;
			deltaLink = body["@odata.deltaLink"] as string | undefined;
		}
		expect(seen).toEqual(ids);
		await fetch(`${graph}/me/events/${ids[1]}`, { method: "DELETE", headers: bearer(access_token) });
		const delta = (await (await fetch(deltaLink ?? "", { headers: bearer(access_token) })).json()) as { value: unknown[]; "@odata.deltaLink"?: string };
		expect(delta.value).toEqual([{ "@odata.type": "#microsoft.graph.event", id: ids[1], "@removed": { reason: "deleted" } }]);
		expect(delta["@odata.deltaLink"]).toBeTypeOf("string");

		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", forceSyncGone: true });
		const gone = await fetch(delta["@odata.deltaLink"] ?? "", { headers: bearer(access_token) });
		expect(gone.status).toBe(410);
		expect(gone.headers.get("location")).toContain("startDateTime=");
		const bad = await fetch(`${graph}/me/calendarView/delta?$deltatoken=nonsense`, { headers: bearer(access_token) });
		expect(await bad.json()).toMatchObject({ error: { code: "syncStateNotFound" } });
	});

	it("answers 429 with Retry-After when throttled", async () => {
		const { access_token } = await signIn("nora@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", endpoint: "events.create", status: 429, retryAfter: 7, count: 1 });
		const res = await postJson(`${graph}/me/events`, event(9), bearer(access_token));
		expect(res.status).toBe(429);
		expect(res.headers.get("retry-after")).toBe("7");
		expect(await res.json()).toMatchObject({ error: { code: "TooManyRequests" } });
	});
});

describe("Microsoft Graph subscriptions", () => {
	const expiration = (): string => new Date(Date.now() + 24 * 3600 * 1000).toISOString();

	it("validates the notification URL, then delivers notifications with clientState", async () => {
		const { access_token } = await signIn("nora@example.com");
		const res = await postJson(`${graph}/subscriptions`, { changeType: "created,updated,deleted", notificationUrl: echo.url, lifecycleNotificationUrl: echo.url, resource: "me/events", expirationDateTime: expiration(), clientState: "secret-state" }, bearer(access_token));
		expect(res.status).toBe(201);
		const subscription = (await res.json()) as { id: string };
		const validation = echo.received[0];
		expect(validation?.headers["content-type"]).toContain("text/plain");
		expect(new URL(validation?.url ?? "", "http://x").searchParams.get("validationToken")).toBeTruthy();

		echo.received.length = 0;
		const calendars = (await (await fetch(`${sandbox.url}/_control/microsoft/calendars`)).json()) as Array<{ id: string }>;
		await postJson(`${sandbox.url}/_control/microsoft/calendars/${calendars[0]?.id}/events`, { summary: "walk-in", start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00Z" });
		await fetch(`${sandbox.url}/_control/flush`, { method: "POST" });
		expect(echo.received).toHaveLength(1);
		const payload = JSON.parse(echo.received[0]?.body ?? "{}") as { value: Array<Record<string, unknown>> };
		expect(payload.value[0]).toMatchObject({ subscriptionId: subscription.id, changeType: "created", clientState: "secret-state", resourceData: { "@odata.type": "#Microsoft.Graph.Event" } });

		echo.received.length = 0;
		const lifecycle = await postJson(`${sandbox.url}/_control/microsoft/subscriptions/${subscription.id}/lifecycle`, { lifecycleEvent: "missed" });
		expect(lifecycle.status).toBe(202);
		await fetch(`${sandbox.url}/_control/flush`, { method: "POST" });
		expect(JSON.parse(echo.received[0]?.body ?? "{}")).toMatchObject({ value: [{ subscriptionId: subscription.id, lifecycleEvent: "missed", clientState: "secret-state" }] });

		const renewed = await fetch(`${graph}/subscriptions/${subscription.id}`, { method: "PATCH", headers: { ...bearer(access_token), "content-type": "application/json" }, body: JSON.stringify({ expirationDateTime: expiration() }) });
		expect(renewed.status).toBe(200);
		expect((await fetch(`${graph}/subscriptions/${subscription.id}`, { method: "DELETE", headers: bearer(access_token) })).status).toBe(204);
	});

	it("creates no subscription when the endpoint echoes the token wrongly", async () => {
		const { access_token } = await signIn("nora@example.com");
		const res = await postJson(`${graph}/subscriptions`, { changeType: "created", notificationUrl: wrongEcho.url, resource: "me/events", expirationDateTime: expiration() }, bearer(access_token));
		expect(res.status).toBe(400);
		const list = (await (await fetch(`${sandbox.url}/_control/microsoft/subscriptions`)).json()) as { subscriptions: unknown[] };
		expect(list.subscriptions).toEqual([]);
	});

	it("rejects an expiration beyond 10080 minutes", async () => {
		const { access_token } = await signIn("nora@example.com");
		const far = new Date(Date.now() + 8 * 24 * 3600 * 1000).toISOString();
		const res = await postJson(`${graph}/subscriptions`, { changeType: "created", notificationUrl: echo.url, resource: "me/events", expirationDateTime: far }, bearer(access_token));
		expect(res.status).toBe(400);
	});
});
