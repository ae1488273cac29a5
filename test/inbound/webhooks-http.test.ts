// The webhook routes as providers reach them (through the Worker's fetch): Graph's validation
// handshake, and forged Google and Graph notifications refused with 401 before anything is queued.
import { exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { seedDemo } from "../support/seed";
import { calendar, connectStaff, inboundContext, runQueuedSyncs } from "./harness";

beforeEach(() => seedDemo({ owner: { password: null } }));

function post(path: string, init: RequestInit = {}): Promise<Response> {
	return exports.default.fetch(`http://slotline.test${path}`, { method: "POST", ...init });
}

describe("webhook routes", () => {
	it("Graph validation: the decoded validationToken comes back as text/plain with 200, on both URLs", async () => {
		const token = "Validation: Testing client application reachability for subscription Request-Id: 1234&x=y";
		for (const path of ["/webhooks/microsoft", "/webhooks/microsoft/lifecycle"]) {
			const res = await post(`${path}?validationToken=${encodeURIComponent(token)}`, { headers: { "content-type": "text/plain" }, body: "" });
			expect(res.status).toBe(200);
			expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
			expect(await res.text()).toBe(token);
		}
	});

	it("forged Google pushes get 401: unknown channel, wrong token, no headers", async () => {
		const context = inboundContext();
		const { write } = await connectStaff(context, "google");
		await runQueuedSyncs(context);
		const row = await calendar(write.id);
		const headers = { "x-goog-channel-id": row.pushChannelId ?? "", "x-goog-resource-id": row.pushResourceId ?? "", "x-goog-resource-state": "exists", "x-goog-message-number": "7" };
		expect((await post("/webhooks/google", { headers: { ...headers, "x-goog-channel-token": "guessed" } })).status).toBe(401);
		expect((await post("/webhooks/google", { headers })).status).toBe(401);
		expect((await post("/webhooks/google", { headers: { ...headers, "x-goog-channel-id": crypto.randomUUID(), "x-goog-channel-token": "x" } })).status).toBe(401);
		expect((await post("/webhooks/google")).status).toBe(401);
		// Nothing about the calendar changed.
		expect(await calendar(write.id)).toEqual(row);
	});

	it("forged Graph notifications get 401; a body that is not a notification gets 400", async () => {
		const context = inboundContext();
		const { write } = await connectStaff(context, "microsoft", "stf_demo_ben");
		await runQueuedSyncs(context);
		const row = await calendar(write.id);
		const item = { subscriptionId: row.pushChannelId, clientState: "guessed", changeType: "created", resource: "Users/x/Events/y" };
		const json = { "content-type": "application/json" };
		expect((await post("/webhooks/microsoft", { headers: json, body: JSON.stringify({ value: [item] }) })).status).toBe(401);
		expect((await post("/webhooks/microsoft/lifecycle", { headers: json, body: JSON.stringify({ value: [{ ...item, lifecycleEvent: "subscriptionRemoved" }] }) })).status).toBe(401);
		expect((await post("/webhooks/microsoft", { headers: json, body: "not json" })).status).toBe(400);
		expect((await post("/webhooks/microsoft", { headers: json, body: JSON.stringify({ hello: 1 }) })).status).toBe(400);
		// The forged subscriptionRemoved did not make us forget the subscription.
		expect(await calendar(write.id)).toEqual(row);
	});
});
