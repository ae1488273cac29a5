// Graph subscriptions in the sandbox: owner checks, renewal rules, batched and retried notifications,
// lifecycle events (docs/providers.md B4, B5).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DeliveryRecord } from "../../sandbox/webhooks";
import type { Sandbox } from "../../sandbox/server";
import type { ReceivedRequest, Receiver, ReceiverAnswer } from "./helpers";
import { bearer, flush, graphEcho, microsoftSignIn, postJson, sandboxPerFile, startReceiver } from "./helpers";

let sandbox: Sandbox;
let graph: string;
let receiver: Receiver;
/** What the notification endpoint answers after the validation handshake; tests swap it. */
let answer: (req: ReceivedRequest) => ReceiverAnswer;

sandboxPerFile((started) => {
	sandbox = started;
	graph = `${sandbox.url}/microsoft/graph/v1.0`;
});
beforeAll(async () => {
	receiver = await startReceiver((req) => (new URL(req.url, "http://x").searchParams.has("validationToken") ? graphEcho(req) : answer(req)));
});
afterAll(async () => {
	await receiver.close();
});
beforeEach(async () => {
	receiver.received.length = 0;
	answer = () => ({ status: 202 });
});

const expiration = (hours = 24): string => new Date(Date.now() + hours * 3600 * 1000).toISOString();

async function subscribe(token: string, extra: Record<string, unknown> = {}): Promise<{ id: string } & Record<string, unknown>> {
	const res = await postJson(
		`${graph}/subscriptions`,
		{ changeType: "created,updated,deleted", notificationUrl: `${receiver.url}/notify`, lifecycleNotificationUrl: `${receiver.url}/lifecycle`, resource: "me/events", expirationDateTime: expiration(), clientState: "cs", ...extra },
		bearer(token),
	);
	expect(res.status).toBe(201);
	return (await res.json()) as { id: string } & Record<string, unknown>;
}

async function defaultCalendarOf(email: string): Promise<string> {
	const calendars = (await (await fetch(`${sandbox.url}/_control/microsoft/calendars`)).json()) as Array<{ id: string; owner: string }>;
	return calendars.find((c) => c.owner === email)?.id ?? "";
}

async function ownerCreates(calendarId: string, summary: string): Promise<{ id: string }> {
	const res = await postJson(`${sandbox.url}/_control/microsoft/calendars/${calendarId}/events`, { summary, start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00Z" });
	expect(res.status).toBe(201);
	return (await res.json()) as { id: string };
}

async function notificationLog(): Promise<DeliveryRecord[]> {
	await flush(sandbox);
	const all = ((await (await fetch(`${sandbox.url}/_control/deliveries?provider=microsoft`)).json()) as { deliveries: DeliveryRecord[] }).deliveries;
	return all.filter((d) => d.url.endsWith("/notify"));
}

function patch(url: string, body: unknown, token: string): Promise<Response> {
	return fetch(url, { method: "PATCH", headers: { ...bearer(token), "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("Graph subscription access", () => {
	it("shows a subscription only to the user and app that made it, without sandbox bookkeeping", async () => {
		const owner = await microsoftSignIn(sandbox, "olive@example.com");
		const other = await microsoftSignIn(sandbox, "mallory@example.com");
		const { id } = await subscribe(owner.access_token);
		const mine = await fetch(`${graph}/subscriptions/${id}`, { headers: bearer(owner.access_token) });
		expect(mine.status).toBe(200);
		const json = (await mine.json()) as Record<string, unknown>;
		expect(json).toMatchObject({ id, resource: "me/events", clientState: "cs", applicationId: "slotline-test-microsoft" });
		for (const leaked of ["calendarId", "ownerEmail", "ownerId"]) expect(json).not.toHaveProperty(leaked);

		const url = `${graph}/subscriptions/${id}`;
		expect((await fetch(url, { headers: bearer(other.access_token) })).status).toBe(404);
		expect((await patch(url, { expirationDateTime: expiration() }, other.access_token)).status).toBe(404);
		expect((await fetch(`${url}/reauthorize`, { method: "POST", headers: bearer(other.access_token) })).status).toBe(404);
		expect((await fetch(url, { method: "DELETE", headers: bearer(other.access_token) })).status).toBe(404);
		expect((await fetch(url, { headers: bearer(owner.access_token) })).status).toBe(200);
	});

	it("puts GET and reauthorize behind faults like the other routes", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		const { id } = await subscribe(access_token);
		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", endpoint: "subscriptions.get", status: 503, count: 1 });
		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", endpoint: "subscriptions.reauthorize", status: 429, retryAfter: 3, count: 1 });
		expect((await fetch(`${graph}/subscriptions/${id}`, { headers: bearer(access_token) })).status).toBe(503);
		const throttled = await fetch(`${graph}/subscriptions/${id}/reauthorize`, { method: "POST", headers: bearer(access_token) });
		expect(throttled.status).toBe(429);
		expect(throttled.headers.get("retry-after")).toBe("3");
		expect((await fetch(`${graph}/subscriptions/${id}/reauthorize`, { method: "POST", headers: bearer(access_token) })).status).toBe(200);
	});
});

describe("Graph subscription expiration and renewal (docs/providers.md B4, B5)", () => {
	it("refuses an expirationDateTime in the past or beyond 10,080 minutes, and raises a short one to 45 minutes", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		const body = { changeType: "created", notificationUrl: `${receiver.url}/notify`, resource: "me/events" };
		expect((await postJson(`${graph}/subscriptions`, { ...body, expirationDateTime: new Date(Date.now() - 60_000).toISOString() }, bearer(access_token))).status).toBe(400);
		expect((await postJson(`${graph}/subscriptions`, { ...body, expirationDateTime: expiration(24 * 7 + 1) }, bearer(access_token))).status).toBe(400);
		const short = await postJson(`${graph}/subscriptions`, { ...body, expirationDateTime: expiration(0.1) }, bearer(access_token));
		expect(short.status).toBe(201);
		const { id, expirationDateTime } = (await short.json()) as { id: string; expirationDateTime: string };
		expect(Date.parse(expirationDateTime) - Date.now()).toBeGreaterThan(44 * 60_000);
		expect((await patch(`${graph}/subscriptions/${id}`, { expirationDateTime: new Date(Date.now() - 1000).toISOString() }, access_token)).status).toBe(400);
		expect((await patch(`${graph}/subscriptions/${id}`, { expirationDateTime: expiration(24 * 8) }, access_token)).status).toBe(400);
	});

	it("cannot add a lifecycle URL to an existing subscription", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		const { id } = await subscribe(access_token, { lifecycleNotificationUrl: undefined });
		const res = await patch(`${graph}/subscriptions/${id}`, { expirationDateTime: expiration(), lifecycleNotificationUrl: `${receiver.url}/lifecycle` }, access_token);
		expect(res.status).toBe(400);
		const after = (await (await fetch(`${graph}/subscriptions/${id}`, { headers: bearer(access_token) })).json()) as Record<string, unknown>;
		expect(after.lifecycleNotificationUrl).toBeNull();
	});
});

describe("Graph notification delivery (docs/providers.md B4)", () => {
	it("batches changes that happen close together into one POST with several value items", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		const { id } = await subscribe(access_token);
		await postJson(`${sandbox.url}/_control/microsoft/config`, { batchWindowMs: 200 });
		const calendar = await defaultCalendarOf("olive@example.com");
		const a = await ownerCreates(calendar, "a");
		const b = await ownerCreates(calendar, "b");
		const log = await notificationLog();
		expect(log).toHaveLength(1);
		const payload = JSON.parse(log[0]?.body ?? "{}") as { value: Array<{ subscriptionId: string; clientState: string; resourceData: { id: string } }> };
		expect(payload.value.map((v) => v.resourceData.id)).toEqual([a.id, b.id]);
		expect(payload.value.every((v) => v.subscriptionId === id && v.clientState === "cs")).toBe(true);
	});

	it("retries a failed delivery with backoff until it is acknowledged", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		await subscribe(access_token);
		await postJson(`${sandbox.url}/_control/microsoft/config`, { retryDelaysMs: [30, 60, 120], timeoutMs: 300 });
		let tries = 0;
		// A 500, then an answer slower than the timeout, then an acknowledgement.
		answer = () => {
			tries += 1;
			if (tries === 1) return { status: 500 };
			if (tries === 2) return { status: 202, delayMs: 600 };
			return { status: 202 };
		};
		await ownerCreates(await defaultCalendarOf("olive@example.com"), "retried");
		const log = await notificationLog();
		expect(log.map((d) => [d.attempt, d.outcome])).toEqual([
			[1, 500],
			[2, "error"],
			[3, 202],
		]);
		expect(new Set(log.map((d) => d.body)).size).toBe(1);
	});

	it("gives up after the last retry", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		await subscribe(access_token);
		await postJson(`${sandbox.url}/_control/microsoft/config`, { retryDelaysMs: [10, 10] });
		answer = () => ({ status: 503 });
		await ownerCreates(await defaultCalendarOf("olive@example.com"), "lost");
		const log = await notificationLog();
		expect(log.map((d) => d.outcome)).toEqual([503, 503, 503]);
		expect(log.at(-1)?.gaveUp).toBe(true);
	});

	it("drops notifications when the fault says so, and delivers the rest", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		await subscribe(access_token);
		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", dropNotifications: { count: 1 } });
		const calendar = await defaultCalendarOf("olive@example.com");
		const dropped = await ownerCreates(calendar, "dropped");
		await flush(sandbox);
		const kept = await ownerCreates(calendar, "kept");
		const log = await notificationLog();
		expect(log.map((d) => d.outcome)).toEqual(["dropped", 202]);
		expect(log[0]?.body).toContain(dropped.id);
		expect(receiver.received.filter((r) => r.url.endsWith("/notify")).map((r) => r.body).join()).toContain(kept.id);
		expect(receiver.received.map((r) => r.body).join()).not.toContain(dropped.id);
	});
});

describe("Graph lifecycle notifications (docs/providers.md B5)", () => {
	async function lifecycle(id: string, lifecycleEvent: string): Promise<void> {
		expect((await postJson(`${sandbox.url}/_control/microsoft/subscriptions/${id}/lifecycle`, { lifecycleEvent })).status).toBe(202);
	}

	it("pauses delivery when reauthorizationRequired is ignored; reauthorize resumes it", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		const { id } = await subscribe(access_token);
		const calendar = await defaultCalendarOf("olive@example.com");
		await lifecycle(id, "reauthorizationRequired");
		await flush(sandbox);
		const notice = receiver.received.find((r) => r.url.endsWith("/lifecycle"));
		expect(JSON.parse(notice?.body ?? "{}")).toMatchObject({ value: [{ subscriptionId: id, lifecycleEvent: "reauthorizationRequired", clientState: "cs" }] });

		// Within the grace period changes still arrive.
		await ownerCreates(calendar, "in grace");
		expect((await notificationLog()).map((d) => d.outcome)).toEqual([202]);
		await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 601 });
		const lost = await ownerCreates(calendar, "while paused");
		const paused = await notificationLog();
		expect(paused.map((d) => d.outcome)).toEqual([202, "paused"]);
		expect(paused[1]?.body).toContain(lost.id);

		expect((await fetch(`${graph}/subscriptions/${id}/reauthorize`, { method: "POST", headers: bearer(access_token) })).status).toBe(200);
		await ownerCreates(calendar, "after reauthorize");
		expect((await notificationLog()).map((d) => d.outcome)).toEqual([202, "paused", 202]);
	});

	it("a renewal also answers reauthorizationRequired", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		const { id } = await subscribe(access_token);
		await lifecycle(id, "reauthorizationRequired");
		const { now } = (await (await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 601 })).json()) as { now: string };
		expect((await patch(`${graph}/subscriptions/${id}`, { expirationDateTime: new Date(Date.parse(now) + 24 * 3600_000).toISOString() }, access_token)).status).toBe(200);
		await ownerCreates(await defaultCalendarOf("olive@example.com"), "renewed");
		expect((await notificationLog()).map((d) => d.outcome)).toEqual([202]);
	});

	it("subscriptionRemoved deletes the subscription: no more notifications, GET is 404", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "olive@example.com");
		const { id } = await subscribe(access_token);
		await lifecycle(id, "subscriptionRemoved");
		await flush(sandbox);
		expect(JSON.parse(receiver.received.find((r) => r.url.endsWith("/lifecycle"))?.body ?? "{}")).toMatchObject({ value: [{ subscriptionId: id, lifecycleEvent: "subscriptionRemoved" }] });
		await ownerCreates(await defaultCalendarOf("olive@example.com"), "after removal");
		expect(await notificationLog()).toEqual([]);
		expect((await fetch(`${graph}/subscriptions/${id}`, { headers: bearer(access_token) })).status).toBe(404);
	});
});
