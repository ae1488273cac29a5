import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import type { Receiver, TokenSet } from "./helpers";
import { bearer, graphEcho, MICROSOFT_CLIENT as CLIENT, microsoftSignIn, postJson, sandboxPerFile, startReceiver } from "./helpers";

let sandbox: Sandbox;
let graph: string;
let echo: Receiver;
let wrongEcho: Receiver;

sandboxPerFile((started) => {
	sandbox = started;
	graph = `${sandbox.url}/microsoft/graph/v1.0`;
});
beforeAll(async () => {
	echo = await startReceiver(graphEcho);
	// Echoes the token still URL-encoded, which Graph rejects.
	wrongEcho = await startReceiver((req) => ({ status: 200, body: encodeURIComponent(new URL(req.url, "http://x").searchParams.get("validationToken") ?? ""), contentType: "text/plain" }));
});
afterAll(async () => {
	await echo.close();
	await wrongEcho.close();
});
beforeEach(async () => {
	echo.received.length = 0;
});

function signIn(email: string, scope?: string): Promise<TokenSet> {
	return microsoftSignIn(sandbox, email, scope);
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

describe("Microsoft Graph /me and calendars", () => {
	it("returns the signed-in user and only their own calendars", async () => {
		await postJson(`${sandbox.url}/_control/microsoft/users`, { email: "nora@example.com", name: "Nora Berg" });
		const { access_token } = await signIn("nora@example.com");
		await postJson(`${sandbox.url}/_control/calendars`, { provider: "microsoft", owner: "nora@example.com", name: "Studio" });
		await postJson(`${sandbox.url}/_control/calendars`, { provider: "microsoft", owner: "someone@example.com", name: "Not hers" });
		const me = await fetch(`${graph}/me`, { headers: bearer(access_token) });
		expect(me.status).toBe(200);
		expect(await me.json()).toMatchObject({ displayName: "Nora Berg", givenName: "Nora", surname: "Berg", mail: "nora@example.com", userPrincipalName: "nora@example.com" });
		const calendars = ((await (await fetch(`${graph}/me/calendars`, { headers: bearer(access_token) })).json()) as { value: Array<Record<string, unknown>> }).value;
		expect(calendars.map((c) => [c.name, c.isDefaultCalendar, c.canEdit])).toEqual([
			["Calendar", true, true],
			["Studio", false, true],
		]);
		const primary = await fetch(`${graph}/me/calendar`, { headers: bearer(access_token) });
		expect(await primary.json()).toMatchObject({ name: "Calendar", isDefaultCalendar: true, owner: { address: "nora@example.com" } });
		expect((await fetch(`${graph}/me`)).status).toBe(401);
	});
});

describe("Microsoft Graph delta rules (docs/providers.md B3)", () => {
	const window = "startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-03-31T00:00:00Z";

	it("rejects $select, $filter, $orderby, $search and $expand", async () => {
		const { access_token } = await signIn("nora@example.com");
		for (const option of ["$select=subject", "$filter=subject eq 'x'", "$orderby=start/dateTime", "$search=x", "$expand=attachments"]) {
			const res = await fetch(`${graph}/me/calendarView/delta?${window}&${option}`, { headers: bearer(access_token) });
			expect(res.status).toBe(400);
		}
		expect((await fetch(`${graph}/me/calendarView/delta?${window}`, { headers: bearer(access_token) })).status).toBe(200);
	});

	it("expires every issued delta token with expireDeltaTokens (syncStateNotFound), unlike the one-shot 410", async () => {
		const { access_token } = await signIn("nora@example.com");
		const round = async (url: string): Promise<Response> => fetch(url, { headers: bearer(access_token) });
		const first = (await (await round(`${graph}/me/calendarView/delta?${window}`)).json()) as { "@odata.deltaLink": string };
		const applied = await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", expireDeltaTokens: true });
		expect(applied.status).toBe(201);
		for (let i = 0; i < 2; i++) {
			const expired = await round(first["@odata.deltaLink"]);
			expect(expired.status).toBe(400);
			expect(expired.headers.get("location")).toBeNull();
			expect(await expired.json()).toMatchObject({ error: { code: "syncStateNotFound" } });
		}
		// A fresh round gets a token that works.
		const fresh = (await (await round(`${graph}/me/calendarView/delta?${window}`)).json()) as { "@odata.deltaLink": string };
		expect((await round(fresh["@odata.deltaLink"])).status).toBe(200);
	});

	it("does not accept one calendar's delta token on another", async () => {
		const { access_token } = await signIn("nora@example.com");
		const other = (await (await postJson(`${sandbox.url}/_control/calendars`, { provider: "microsoft", owner: "nora@example.com", name: "Other" })).json()) as { id: string };
		const first = (await (await fetch(`${graph}/me/calendarView/delta?${window}`, { headers: bearer(access_token) })).json()) as { "@odata.deltaLink": string };
		const token = new URL(first["@odata.deltaLink"]).searchParams.get("$deltatoken") ?? "";
		const res = await fetch(`${graph}/me/calendars/${other.id}/calendarView/delta?$deltatoken=${encodeURIComponent(token)}`, { headers: bearer(access_token) });
		expect(await res.json()).toMatchObject({ error: { code: "syncStateNotFound" } });
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

describe("Microsoft Graph recurring events", () => {
	interface Ev {
		id: string;
		type: string;
		seriesMasterId?: string | null;
		subject: string;
		start: { dateTime: string };
		originalStart?: string;
		"@removed"?: unknown;
	}
	/** Weekly on Monday and Wednesday at 09:00 Berlin from Monday 2 March 2026, six occurrences. */
	const weekly = (extra: Record<string, unknown> = {}): Record<string, unknown> =>
		event(9, {
			subject: "Standup",
			recurrence: {
				pattern: { type: "weekly", interval: 1, daysOfWeek: ["monday", "wednesday"], firstDayOfWeek: "monday" },
				range: { type: "numbered", startDate: "2026-03-02", numberOfOccurrences: 6 },
			},
			...extra,
		});
	const window = "startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-04-01T00:00:00Z";

	async function view(token: string): Promise<Ev[]> {
		const res = await fetch(`${graph}/me/calendarView?${window}&$top=50`, { headers: bearer(token) });
		expect(res.status).toBe(200);
		return ((await res.json()) as { value: Ev[] }).value;
	}
	async function deltaRound(url: string, token: string): Promise<{ items: Ev[]; deltaLink: string }> {
		const items: Ev[] = [];
		let next: string | undefined = url;
		while (next !== undefined) {
			const res: Response = await fetch(next, { headers: { ...bearer(token), prefer: "odata.maxpagesize=4" } });
			expect(res.status).toBe(200);
			const page = (await res.json()) as { value: Ev[]; "@odata.nextLink"?: string; "@odata.deltaLink"?: string };
			items.push(...page.value);
			if (page["@odata.deltaLink"] !== undefined) return { items, deltaLink: page["@odata.deltaLink"] };
			next = page["@odata.nextLink"];
		}
		throw new Error("delta round ended without a deltaLink");
	}

	it("creates a series master whose occurrences appear in calendarView, instances and delta", async () => {
		const { access_token } = await signIn("nora@example.com");
		const res = await postJson(`${graph}/me/events`, weekly(), bearer(access_token));
		expect(res.status).toBe(201);
		const master = (await res.json()) as Ev & { recurrence: unknown };
		expect(master.type).toBe("seriesMaster");
		expect(master.recurrence).toMatchObject({ pattern: { type: "weekly" } });

		const occurrences = await view(access_token);
		expect(occurrences.map((e) => e.type)).toEqual(Array(6).fill("occurrence"));
		expect(new Set(occurrences.map((e) => e.seriesMasterId))).toEqual(new Set([master.id]));
		// 09:00 Berlin is 08:00 UTC until the 29 March DST change, then 07:00 UTC.
		expect(occurrences.map((e) => e.start.dateTime.slice(0, 16))).toEqual([
			"2026-03-02T08:00",
			"2026-03-04T08:00",
			"2026-03-09T08:00",
			"2026-03-11T08:00",
			"2026-03-16T08:00",
			"2026-03-18T08:00",
		]);
		expect(occurrences[0]?.originalStart).toBe("2026-03-02T08:00:00Z");

		const instances = await fetch(`${graph}/me/events/${master.id}/instances?startDateTime=2026-03-08T00:00:00Z&endDateTime=2026-03-12T00:00:00Z`, { headers: bearer(access_token) });
		expect(instances.status).toBe(200);
		const listed = ((await instances.json()) as { value: Ev[] }).value;
		expect(listed.map((e) => e.id)).toEqual([occurrences[2]?.id, occurrences[3]?.id]);
		const one = await fetch(`${graph}/me/events/${occurrences[1]?.id}`, { headers: bearer(access_token) });
		expect(((await one.json()) as Ev).type).toBe("occurrence");

		const { items } = await deltaRound(`${graph}/me/calendarView/delta?${window}`, access_token);
		expect(items.filter((e) => e.type === "occurrence").map((e) => e.id).sort()).toEqual(occurrences.map((e) => e.id).sort());
		expect(items.filter((e) => e.type === "seriesMaster").map((e) => e.id)).toEqual([master.id]);
	});

	it("turns a PATCHed occurrence into an exception with the same id, and DELETE cancels only that occurrence", async () => {
		const { access_token } = await signIn("nora@example.com");
		const master = (await (await postJson(`${graph}/me/events`, weekly(), bearer(access_token))).json()) as Ev;
		const before = await view(access_token);
		const first = await deltaRound(`${graph}/me/calendarView/delta?${window}`, access_token);
		const target = before[2];
		const cancelled = before[4];
		if (target === undefined || cancelled === undefined) throw new Error("expected six occurrences");

		const patched = await fetch(`${graph}/me/events/${target.id}`, {
			method: "PATCH",
			headers: { ...bearer(access_token), "content-type": "application/json" },
			body: JSON.stringify({ subject: "Standup (moved)", start: { dateTime: "2026-03-09T11:00:00", timeZone: "Europe/Berlin" }, end: { dateTime: "2026-03-09T12:00:00", timeZone: "Europe/Berlin" } }),
		});
		expect(patched.status).toBe(200);
		expect(await patched.json()).toMatchObject({ id: target.id, type: "exception", seriesMasterId: master.id, subject: "Standup (moved)" });
		expect((await fetch(`${graph}/me/events/${cancelled.id}`, { method: "DELETE", headers: bearer(access_token) })).status).toBe(204);
		expect((await fetch(`${graph}/me/events/${cancelled.id}`, { headers: bearer(access_token) })).status).toBe(404);

		const after = await view(access_token);
		expect(after).toHaveLength(5);
		expect(after.map((e) => e.id)).not.toContain(cancelled.id);
		const exception = after.find((e) => e.id === target.id);
		expect(exception).toMatchObject({ type: "exception", subject: "Standup (moved)" });
		expect(exception?.start.dateTime.slice(0, 16)).toBe("2026-03-09T10:00");
		expect(after.filter((e) => e.type === "occurrence")).toHaveLength(4);

		const second = await deltaRound(first.deltaLink, access_token);
		const byId = new Map(second.items.map((e) => [e.id, e]));
		expect(byId.get(target.id)).toMatchObject({ type: "exception" });
		expect(byId.get(cancelled.id)?.["@removed"]).toEqual({ reason: "deleted" });
		expect(second.items).toHaveLength(2);
	});

	it("deleting the master removes every occurrence in the next delta", async () => {
		const { access_token } = await signIn("nora@example.com");
		const master = (await (await postJson(`${graph}/me/events`, weekly(), bearer(access_token))).json()) as Ev;
		const first = await deltaRound(`${graph}/me/calendarView/delta?${window}`, access_token);
		expect((await fetch(`${graph}/me/events/${master.id}`, { method: "DELETE", headers: bearer(access_token) })).status).toBe(204);
		const second = await deltaRound(first.deltaLink, access_token);
		expect(second.items).toHaveLength(7);
		expect(second.items.every((e) => e["@removed"] !== undefined)).toBe(true);
		expect(await view(access_token)).toEqual([]);
	});

	it("expands daily, absoluteMonthly and endDate/noEnd ranges", async () => {
		const { access_token } = await signIn("nora@example.com");
		const make = (pattern: Record<string, unknown>, range: Record<string, unknown>, day = "2026-03-02"): Promise<Response> =>
			postJson(
				`${graph}/me/events`,
				{ subject: String(pattern.type), start: { dateTime: `${day}T12:00:00`, timeZone: "UTC" }, end: { dateTime: `${day}T12:30:00`, timeZone: "UTC" }, recurrence: { pattern, range } },
				bearer(access_token),
			);
		expect((await make({ type: "daily", interval: 3 }, { type: "endDate", startDate: "2026-03-02", endDate: "2026-03-10" })).status).toBe(201);
		expect((await make({ type: "absoluteMonthly", interval: 1, dayOfMonth: 31 }, { type: "noEnd", startDate: "2026-01-31" }, "2026-01-31")).status).toBe(201);
		const res = await fetch(`${graph}/me/calendarView?startDateTime=2026-01-01T00:00:00Z&endDateTime=2026-05-01T00:00:00Z&$top=50`, { headers: bearer(access_token) });
		const all = ((await res.json()) as { value: Ev[] }).value;
		expect(all.filter((e) => e.subject === "daily").map((e) => e.start.dateTime.slice(0, 10))).toEqual(["2026-03-02", "2026-03-05", "2026-03-08"]);
		// Day 31 falls on the last day of shorter months, as in Outlook.
		expect(all.filter((e) => e.subject === "absoluteMonthly").map((e) => e.start.dateTime.slice(0, 10))).toEqual(["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]);
	});

	it("rejects recurrence patterns with missing or extra properties (400)", async () => {
		const { access_token } = await signIn("nora@example.com");
		const bad = async (recurrence: unknown): Promise<number> => (await postJson(`${graph}/me/events`, event(9, { recurrence }), bearer(access_token))).status;
		const range = { type: "noEnd", startDate: "2026-03-02" };
		expect(await bad({ pattern: { type: "daily", interval: 1, dayOfMonth: 5 }, range })).toBe(400);
		expect(await bad({ pattern: { type: "weekly", interval: 1 }, range })).toBe(400);
		expect(await bad({ pattern: { type: "daily" }, range })).toBe(400);
		expect(await bad({ pattern: { type: "daily", interval: 1 }, range: { ...range, numberOfOccurrences: 3 } })).toBe(400);
		expect(await bad({ pattern: { type: "daily", interval: 1 }, range: { type: "noEnd", startDate: "2026-03-05" } })).toBe(400);
		expect(await bad({ pattern: { type: "hourly", interval: 1 }, range })).toBe(400);
		// Null-valued properties are what SDKs send for unset fields.
		expect(await bad({ pattern: { type: "daily", interval: 1, dayOfMonth: null }, range })).toBe(201);
	});
});
