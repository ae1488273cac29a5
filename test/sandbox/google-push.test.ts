import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import type { Receiver } from "./helpers";
import { bearer, googleSignIn, postJson, sandboxPerFile, startReceiver } from "./helpers";

let sandbox: Sandbox;
let receiver: Receiver;
let token: string;
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
	token = (await googleSignIn(sandbox, "push@example.com")).access_token;
});

async function watch(body: Record<string, unknown>): Promise<Response> {
	return postJson(`${sandbox.url}/google/calendar/v3/calendars/primary/events/watch`, body, bearer(token));
}

async function flush(): Promise<void> {
	await fetch(`${sandbox.url}/_control/flush`, { method: "POST" });
}

describe("Google push notifications", () => {
	it("sends sync first, then exists/not_exists with Google's headers and an empty body", async () => {
		const res = await watch({ id: "chan-1", type: "web_hook", address: receiver.url, token: "tok-1", params: { ttl: "3600" } });
		expect(res.status).toBe(200);
		const channel = (await res.json()) as { id: string; resourceId: string; resourceUri: string; expiration: string; token: string };
		expect(channel).toMatchObject({ kind: "api#channel", id: "chan-1", token: "tok-1" });
		await flush();
		expect(receiver.received).toHaveLength(1);
		const sync = receiver.received[0];
		expect(sync?.headers).toMatchObject({
			"x-goog-channel-id": "chan-1",
			"x-goog-message-number": "1",
			"x-goog-resource-id": channel.resourceId,
			"x-goog-resource-state": "sync",
			"x-goog-resource-uri": channel.resourceUri,
			"x-goog-channel-token": "tok-1",
			"x-goog-channel-expiration": new Date(Number(channel.expiration)).toUTCString(),
		});
		expect(sync?.body).toBe("");

		// An event the owner creates in "their app" (control API) triggers a push.
		const created = await postJson(`${sandbox.url}/_control/google/calendars/push@example.com/events`, {
			summary: "Dentist",
			start: "2026-03-02T09:00:00Z",
			end: "2026-03-02T10:00:00Z",
		});
		expect(created.status).toBe(201);
		const event = (await created.json()) as { id: string };
		await fetch(`${sandbox.url}/_control/google/calendars/push@example.com/events/${event.id}`, { method: "DELETE" });
		await flush();
		const states = receiver.received.map((r) => r.headers["x-goog-resource-state"]);
		expect(states).toEqual(["sync", "exists", "not_exists"]);
		const numbers = receiver.received.map((r) => Number(r.headers["x-goog-message-number"]));
		expect(numbers[1]).toBeGreaterThan(1);
		expect(numbers[2]).toBeGreaterThan(numbers[1] ?? 0);
	});

	it("omits the token header when no token was set and stops after channels.stop", async () => {
		const channel = (await (await watch({ id: "chan-2", type: "web_hook", address: receiver.url })).json()) as { id: string; resourceId: string };
		await flush();
		expect(receiver.received[0]?.headers["x-goog-channel-token"]).toBeUndefined();
		const stop = await postJson(`${sandbox.url}/google/calendar/v3/channels/stop`, { id: channel.id, resourceId: channel.resourceId }, bearer(token));
		expect(stop.status).toBe(204);
		await postJson(`${sandbox.url}/_control/google/calendars/push@example.com/events`, { summary: "x", start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00Z" });
		await flush();
		expect(receiver.received).toHaveLength(1);
	});

	it("drops the next N notifications when asked to and logs them as dropped", async () => {
		await watch({ id: "chan-3", type: "web_hook", address: receiver.url });
		await postJson(`${sandbox.url}/_control/faults`, { provider: "google", dropNotifications: { count: 1 } });
		const create = (): Promise<Response> =>
			postJson(`${sandbox.url}/_control/google/calendars/push@example.com/events`, { summary: "x", start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00Z" });
		await create();
		await create();
		await flush();
		expect(receiver.received.map((r) => r.headers["x-goog-resource-state"])).toEqual(["sync", "exists"]);
		const log = (await (await fetch(`${sandbox.url}/_control/deliveries?provider=google`)).json()) as { deliveries: Array<{ outcome: unknown }> };
		expect(log.deliveries.map((d) => d.outcome)).toEqual([200, "dropped", 200]);
	});

	it("stops delivering once the channel has expired", async () => {
		await watch({ id: "chan-4", type: "web_hook", address: receiver.url, params: { ttl: "60" } });
		await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 61 });
		await postJson(`${sandbox.url}/_control/google/calendars/push@example.com/events`, { summary: "x", start: "2026-03-02T09:00:00Z", end: "2026-03-02T10:00:00Z" });
		await flush();
		expect(receiver.received).toHaveLength(1);
	});
});
