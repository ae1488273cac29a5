// The Zoom stand-in as a webhook sender (docs/integrations.md 3.5): URL validation before an endpoint is saved
// and on recheck, signed deliveries, meeting.updated/deleted when the host changes a meeting in Zoom, retries, and
// app_deauthorized, which also ends the user's tokens.
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import type { Receiver, ReceivedRequest, ReceiverAnswer } from "./helpers";
import { postJson, sandboxPerFile, startReceiver } from "./helpers";
import { createMeeting, zoomApi, zoomSignIn, zoomToken } from "./zoom-helpers";

const SECRET = "zoom-secret-token";

let sandbox: Sandbox;
sandboxPerFile((started) => {
	sandbox = started;
});
let receiver: Receiver | undefined;
afterEach(async () => {
	await receiver?.close();
	receiver = undefined;
});

function hex(secret: string, message: string): string {
	return createHmac("sha256", secret).update(message).digest("hex");
}

/** What a receiver checks: v0=HMAC-SHA256(secret, "v0:{timestamp}:{raw body}") in hex. */
function signatureValid(req: ReceivedRequest, secret = SECRET, body = req.body): boolean {
	const timestamp = String(req.headers["x-zm-request-timestamp"]);
	return req.headers["x-zm-signature"] === `v0=${hex(secret, `v0:${timestamp}:${body}`)}`;
}

/** An endpoint that answers the URL validation as Zoom requires (or, with `answer`, differently) and 200 otherwise. */
function endpoint(answer?: (plainToken: string) => ReceiverAnswer): (req: ReceivedRequest) => ReceiverAnswer {
	return (req) => {
		const body = JSON.parse(req.body) as { event: string; payload: { plainToken?: string } };
		if (body.event !== "endpoint.url_validation") return { status: 200 };
		const plainToken = body.payload.plainToken ?? "";
		if (answer !== undefined) return answer(plainToken);
		return { status: 200, contentType: "application/json", body: JSON.stringify({ plainToken, encryptedToken: hex(SECRET, plainToken) }) };
	};
}

async function register(url: string): Promise<Response> {
	return postJson(`${sandbox.url}/_control/zoom/webhook`, { url, secretToken: SECRET });
}

function events(received: ReceivedRequest[]): Array<{ event: string; payload: Record<string, unknown>; event_ts: number }> {
	return received.map((r) => JSON.parse(r.body) as { event: string; payload: Record<string, unknown>; event_ts: number }).filter((e) => e.event !== "endpoint.url_validation");
}

describe("Zoom webhook endpoint validation", () => {
	it("saves an endpoint that answers the url_validation challenge, which comes signed", async () => {
		receiver = await startReceiver(endpoint());
		const res = await register(receiver.url);
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ validated: true, url: receiver.url });
		const challenge = receiver.received[0];
		expect(challenge).toBeDefined();
		expect(JSON.parse(challenge?.body ?? "")).toMatchObject({ event: "endpoint.url_validation", payload: { plainToken: expect.any(String) } });
		expect(signatureValid(challenge as ReceivedRequest)).toBe(true);
	});

	it("refuses an endpoint that echoes the token, signs it with another secret, or answers late or not 200", async () => {
		const wrongAnswers: Array<(plainToken: string) => ReceiverAnswer> = [
			(plainToken) => ({ status: 200, contentType: "application/json", body: JSON.stringify({ plainToken, encryptedToken: plainToken }) }),
			(plainToken) => ({ status: 200, contentType: "application/json", body: JSON.stringify({ plainToken, encryptedToken: hex("another-secret", plainToken) }) }),
			(plainToken) => ({ status: 201, contentType: "application/json", body: JSON.stringify({ plainToken, encryptedToken: hex(SECRET, plainToken) }) }),
		];
		for (const answer of wrongAnswers) {
			receiver = await startReceiver(endpoint(answer));
			const res = await register(receiver.url);
			expect(res.status).toBe(400);
			expect(await res.json()).toMatchObject({ error: "URL validation failed" });
			await receiver.close();
			receiver = undefined;
		}
		expect((await fetch(`${sandbox.url}/_control/zoom/webhook`)).status).toBe(404);
	});
});

describe("Zoom events", () => {
	it("sends meeting.updated, signed, when the host changes the meeting in Zoom; a tampered body would not verify", async () => {
		receiver = await startReceiver(endpoint());
		await register(receiver.url);
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const meeting = await createMeeting(sandbox, access_token);
		const changed = await fetch(`${sandbox.url}/_control/zoom/meetings/${meeting.id}`, {
			method: "PATCH",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ start_time: "2026-09-03T08:00:00Z" }),
		});
		expect(changed.status).toBe(200);
		await postJson(`${sandbox.url}/_control/flush?account=zed@example.com`, {});
		const delivery = receiver.received.find((r) => r.body.includes('"meeting.updated"'));
		expect(delivery).toBeDefined();
		const req = delivery as ReceivedRequest;
		expect(signatureValid(req)).toBe(true);
		expect(signatureValid(req, SECRET, req.body.replace("2026-09-03", "2026-09-04"))).toBe(false);
		expect(Math.abs(Number(req.headers["x-zm-request-timestamp"]) - Date.now() / 1000)).toBeLessThan(300);
		const body = JSON.parse(req.body) as { payload: { object: Record<string, unknown>; old_object: Record<string, unknown>; operator: string } };
		expect(body.payload.operator).toBe("zed@example.com");
		expect(body.payload.object).toEqual({ id: meeting.id, uuid: meeting.uuid, start_time: "2026-09-03T08:00:00Z" });
		expect(body.payload.old_object).toEqual({ id: meeting.id, uuid: meeting.uuid, start_time: "2026-09-01T14:00:00Z" });
		const read = (await (await zoomApi(sandbox, access_token, "GET", `/meetings/${meeting.id}`)).json()) as { start_time: string; join_url: string };
		expect(read).toMatchObject({ start_time: "2026-09-03T08:00:00Z", join_url: meeting.join_url });
	});

	it("sends meeting.deleted when the host deletes the meeting in Zoom", async () => {
		receiver = await startReceiver(endpoint());
		await register(receiver.url);
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const meeting = await createMeeting(sandbox, access_token);
		expect((await fetch(`${sandbox.url}/_control/zoom/meetings/${meeting.id}`, { method: "DELETE" })).status).toBe(204);
		await postJson(`${sandbox.url}/_control/flush?account=zed@example.com`, {});
		expect(events(receiver.received)).toEqual([
			expect.objectContaining({ event: "meeting.deleted", payload: expect.objectContaining({ object: expect.objectContaining({ id: meeting.id, uuid: meeting.uuid, host_id: meeting.host_id }) }) }),
		]);
		expect((await zoomApi(sandbox, access_token, "GET", `/meetings/${meeting.id}`)).status).toBe(404);
	});

	it("retries a delivery the endpoint did not accept", async () => {
		let answered = 0;
		receiver = await startReceiver((req) => (req.body.includes("url_validation") ? endpoint()(req) : { status: answered++ === 0 ? 500 : 200 }));
		await register(receiver.url);
		await postJson(`${sandbox.url}/_control/zoom/config`, { webhookRetryDelaysMs: [10, 10] });
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const meeting = await createMeeting(sandbox, access_token);
		await fetch(`${sandbox.url}/_control/zoom/meetings/${meeting.id}`, { method: "DELETE" });
		await postJson(`${sandbox.url}/_control/flush?account=zed@example.com`, {});
		const log = (await (await fetch(`${sandbox.url}/_control/deliveries?provider=zoom&account=zed@example.com`)).json()) as { deliveries: Array<{ outcome: unknown; attempt: number; body: string }> };
		expect(log.deliveries.map((d) => [d.outcome, d.attempt])).toEqual([
			[500, 1],
			[200, 2],
		]);
		expect(new Set(log.deliveries.map((d) => d.body)).size).toBe(1);
	});

	it("holds events back after a failed revalidation and delivers again once one passes", async () => {
		let answerRight = true;
		receiver = await startReceiver(endpoint((plainToken) => ({ status: 200, contentType: "application/json", body: JSON.stringify({ plainToken, encryptedToken: answerRight ? hex(SECRET, plainToken) : "nope" }) })));
		await register(receiver.url);
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const first = await createMeeting(sandbox, access_token);
		answerRight = false;
		expect(await (await postJson(`${sandbox.url}/_control/zoom/webhook/validate`, {})).json()).toMatchObject({ validated: false });
		await fetch(`${sandbox.url}/_control/zoom/meetings/${first.id}`, { method: "DELETE" });
		answerRight = true;
		expect(await (await postJson(`${sandbox.url}/_control/zoom/webhook/validate`, {})).json()).toMatchObject({ validated: true });
		const second = await createMeeting(sandbox, access_token);
		await fetch(`${sandbox.url}/_control/zoom/meetings/${second.id}`, { method: "DELETE" });
		await postJson(`${sandbox.url}/_control/flush?account=zed@example.com`, {});
		const log = (await (await fetch(`${sandbox.url}/_control/deliveries?provider=zoom&account=zed@example.com`)).json()) as { deliveries: Array<{ outcome: unknown; body: string }> };
		expect(log.deliveries.map((d) => d.outcome)).toEqual(["paused", 200]);
		expect(events(receiver.received).map((e) => (e.payload.object as { id: number }).id)).toEqual([second.id]);
	});

	it("sends app_deauthorized when the user removes the app, whose tokens die at once", async () => {
		receiver = await startReceiver(endpoint());
		await register(receiver.url);
		const tokens = await zoomSignIn(sandbox, "zed@example.com");
		const me = (await (await zoomApi(sandbox, tokens.access_token, "GET", "/users/me")).json()) as { id: string; account_id: string };
		const res = await postJson(`${sandbox.url}/_control/zoom/users/zed@example.com/deauthorize`, {});
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ revokedGrants: 1 });
		expect((await zoomApi(sandbox, tokens.access_token, "GET", "/users/me")).status).toBe(401);
		const refreshed = await zoomToken(sandbox, { grant_type: "refresh_token", refresh_token: tokens.refresh_token });
		expect(await refreshed.json()).toMatchObject({ error: "invalid_grant" });
		await postJson(`${sandbox.url}/_control/flush?account=zed@example.com`, {});
		const [event] = events(receiver.received);
		expect(event?.event).toBe("app_deauthorized");
		expect(event?.payload).toEqual({
			account_id: me.account_id,
			user_id: me.id,
			signature: expect.stringMatching(/^[0-9a-f]{64}$/),
			deauthorization_time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
			client_id: "slotline-test-zoom",
			user_data_retention: "false",
		});
		expect(signatureValid(receiver.received[receiver.received.length - 1] as ReceivedRequest)).toBe(true);
	});

	it("sends no meeting events to an app the host has removed", async () => {
		receiver = await startReceiver(endpoint());
		await register(receiver.url);
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const meeting = await createMeeting(sandbox, access_token);
		await postJson(`${sandbox.url}/_control/zoom/users/zed@example.com/deauthorize`, {});
		await fetch(`${sandbox.url}/_control/zoom/meetings/${meeting.id}`, { method: "DELETE" });
		await postJson(`${sandbox.url}/_control/flush?account=zed@example.com`, {});
		expect(events(receiver.received).map((e) => e.event)).toEqual(["app_deauthorized"]);
	});

	it("drops events on demand through the shared dropNotifications switch", async () => {
		receiver = await startReceiver(endpoint());
		await register(receiver.url);
		const { access_token } = await zoomSignIn(sandbox, "zed@example.com");
		const meeting = await createMeeting(sandbox, access_token);
		await postJson(`${sandbox.url}/_control/faults`, { provider: "zoom", dropNotifications: 1, scope: { account: "zed@example.com" } });
		await fetch(`${sandbox.url}/_control/zoom/meetings/${meeting.id}`, { method: "DELETE" });
		await postJson(`${sandbox.url}/_control/flush?account=zed@example.com`, {});
		expect(events(receiver.received)).toEqual([]);
		const log = (await (await fetch(`${sandbox.url}/_control/deliveries?provider=zoom&account=zed@example.com`)).json()) as { deliveries: Array<{ outcome: unknown }> };
		expect(log.deliveries.map((d) => d.outcome)).toEqual(["dropped"]);
	});
});
