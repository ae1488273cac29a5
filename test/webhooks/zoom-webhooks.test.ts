// POST /webhooks/zoom (issue 18 item 4): the url_validation challenge as the sandbox's Zoom sends it, signed
// deliveries accepted, forged and stale ones refused with 401, a replay acknowledged but not acted on twice,
// app_deauthorized deleting the user's tokens and data, and meeting.deleted making the meeting again.
// The Worker under test has no port, so the sandbox cannot save it as an endpoint (that needs a live
// url_validation answer): its challenge is taken from the delivery log and replayed here, and events are
// signed here the way the sandbox signs them, with the app's secret.
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { connectionById } from "../../src/db/queries/connections";
import { bookingMeetings, calendarConnections } from "../../src/db/schema";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { meetingById, saveMeeting } from "../../src/meetings/meeting-store";
import { ZoomApi } from "../../src/meetings/zoom";
import { zoomTokens } from "../../src/meetings/zoom-access";
import { REMOVED_ACCOUNT_LABEL, receiveZoomWebhook } from "../../src/meetings/zoom-webhook";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
import { control, controlRequest, sandboxUrl } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, db, testContext, uniqueEmail } from "../sync/harness";
import type { TestContext } from "../sync/harness";

beforeEach(() => seedDemo({ owner: { password: null } }));

const SINK = `${sandboxUrl}/_control/webhook-sink`;

async function hmacHex(secret: string, message: string): Promise<string> {
	const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
	return [...new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(message)))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

interface Signed {
	headers: Record<string, string>;
	body: string;
}

/** A delivery as Zoom signs it: v0=HMAC-SHA256(secret, "v0:{timestamp}:{body}"), the timestamp in Unix seconds. */
async function signed(event: string, payload: Record<string, unknown>, options: { at?: number; secret?: string } = {}): Promise<Signed> {
	const body = JSON.stringify({ event, payload, event_ts: Date.now() });
	const timestamp = String(Math.floor((options.at ?? Date.now()) / 1000));
	const signature = `v0=${await hmacHex(options.secret ?? env.ZOOM_WEBHOOK_SECRET, `v0:${timestamp}:${body}`)}`;
	return { headers: { "content-type": "application/json", "x-zm-request-timestamp": timestamp, "x-zm-signature": signature }, body };
}

function post(delivery: Signed, headers: Record<string, string> = {}): Promise<Response> {
	return exports.default.fetch("http://slotline.test/webhooks/zoom", { method: "POST", headers: { ...delivery.headers, ...headers }, body: delivery.body });
}

function receive(context: TestContext, delivery: Signed) {
	return receiveZoomWebhook(context, { timestamp: delivery.headers["x-zm-request-timestamp"] ?? null, signature: delivery.headers["x-zm-signature"] ?? null, rawBody: delivery.body });
}

async function connectZoom(context: TestContext, email = uniqueEmail("zoom")) {
	const connection = await connectSandboxAccount(context, { sandboxUrl, provider: "zoom", email, name: "Zoom Person", merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana" });
	return { connection, email };
}

/** A booking of Ana's with a real meeting in her sandbox Zoom, recorded as ready. */
async function bookedMeeting(context: TestContext, connectionId: string) {
	const [booking] = await book();
	if (booking === undefined) throw new Error("not booked");
	const tokens = await zoomTokens(context, (await connectionById(db, connectionId))!);
	const meeting = await new ZoomApi({ api: env.ZOOM_API, tokens, fetch: (input, init) => fetch(input, init) }).createMeeting({
		topic: "Haircut",
		agenda: `slotline:${booking.id}`,
		timing: { kind: "scheduled", start: booking.start, end: booking.end, timeZone: "Europe/London" },
	});
	await saveMeeting(db, booking.id, { merchantId: DEMO_MERCHANT_ID, bookingId: booking.id, seriesId: null, provider: "zoom", connectionId, state: "ready", externalId: meeting.id, joinUrl: meeting.joinUrl, syncedVersion: booking.version }, Date.now());
	return { booking, meeting };
}

describe("Zoom webhook verification", () => {
	it("answers the sandbox's url_validation challenge with the HMAC of its token, and refuses an unsigned one", async () => {
		const url = `${SINK}/zoom-${crypto.randomUUID()}`;
		// The sink cannot answer, so the sandbox refuses to save it, saying what it expected.
		const refused = await controlRequest(sandboxUrl, "/zoom/webhook", { url, secretToken: env.ZOOM_WEBHOOK_SECRET, clientId: `h1-${crypto.randomUUID()}` });
		expect(refused.status).toBe(400);
		const expected = (await refused.json()) as { plainToken: string; expectedEncryptedToken: string };
		const { deliveries } = (await control("/deliveries?provider=zoom")) as { deliveries: Array<{ url: string; headers: Record<string, string>; body: string }> };
		const challenge = deliveries.find((d) => d.url === url);
		expect(challenge).toBeDefined();
		const answer = await post({ headers: challenge!.headers, body: challenge!.body });
		expect(answer.status).toBe(200);
		expect(await answer.json()).toEqual({ plainToken: expected.plainToken, encryptedToken: expected.expectedEncryptedToken });
		// Unsigned, the answer would be our HMAC of a text of the sender's choosing: a signature for any body.
		const unsigned = await exports.default.fetch("http://slotline.test/webhooks/zoom", { method: "POST", headers: { "content-type": "application/json" }, body: challenge!.body });
		expect(unsigned.status).toBe(401);
	});

	it("accepts a signed event, and refuses forged and stale ones with 401", async () => {
		const good = await signed("meeting.updated", { object: { id: 12345678901 } });
		expect((await post(good)).status).toBe(200);
		const forged = await signed("meeting.updated", { object: { id: 12345678901 } }, { secret: "not-our-secret" });
		expect((await post(forged)).status).toBe(401);
		expect((await post({ ...good, body: good.body.replace("12345678901", "12345678902") })).status).toBe(401);
		expect((await post(good, { "x-zm-signature": "v0=nothex" })).status).toBe(401);
		const unsignedHeaders = { "content-type": "application/json" };
		expect((await exports.default.fetch("http://slotline.test/webhooks/zoom", { method: "POST", headers: unsignedHeaders, body: good.body })).status).toBe(401);
		// Rightly signed, but six minutes old (or ahead): a captured delivery played later.
		expect((await post(await signed("meeting.updated", { object: { id: 1 } }, { at: Date.now() - 6 * 60_000 }))).status).toBe(401);
		expect((await post(await signed("meeting.updated", { object: { id: 1 } }, { at: Date.now() + 6 * 60_000 }))).status).toBe(401);
	});
});

describe("Zoom events", () => {
	it("meeting.deleted in Zoom makes the meeting pending and queues its meeting.push, once however often it is replayed", async () => {
		const context = testContext();
		const { connection, email } = await connectZoom(context);
		const { booking, meeting } = await bookedMeeting(context, connection.id);
		await controlRequest(sandboxUrl, `/zoom/meetings/${meeting.id}`, undefined, "DELETE");
		const host = (await control("/zoom/users")) as Array<{ email: string; id: string }>;
		const deleted = await signed("meeting.deleted", { account_id: "acc", operator: email, object: { id: Number(meeting.id), host_id: host.find((u) => u.email === email)?.id } });
		context.recording.take();

		expect(await receive(context, deleted)).toEqual({ kind: "accepted", event: "meeting.deleted" });
		expect(await meetingById(db, booking.id)).toMatchObject({ state: "pending", externalId: null, joinUrl: null, connectionId: connection.id });
		expect(context.recording.take()).toEqual([{ type: "meeting.push", merchantId: DEMO_MERCHANT_ID, bookingId: booking.id, version: booking.version }]);
		// The same delivery again (Zoom's retry of an answer it missed, or someone replaying it): acknowledged, not acted on.
		expect(await receive(context, deleted)).toEqual({ kind: "replayed" });
		expect(context.recording.take()).toEqual([]);
		expect((await post(deleted)).status).toBe(200);
	});

	it("app_deauthorized deletes the user's tokens, address and meeting links, and the connection asks to be re-authorised", async () => {
		const context = testContext();
		const { connection, email } = await connectZoom(context);
		const { booking } = await bookedMeeting(context, connection.id);
		const removed = (await control(`/zoom/users/${encodeURIComponent(email)}/deauthorize`, { clientId: env.ZOOM_CLIENT_ID })) as { payload: Record<string, unknown> };
		expect(removed.payload.user_id).toBe(connection.externalAccountId);

		const delivery = await signed("app_deauthorized", removed.payload);
		expect((await post(delivery)).status).toBe(200);
		const row = await connectionById(db, connection.id);
		expect(row).toMatchObject({ status: "error", errorKind: "reauthorize", credentials: null, credentialsKeyId: null, accessTokenExpiresAt: null, externalAccountId: null, accountLabel: REMOVED_ACCOUNT_LABEL });
		expect(row?.statusMessage).toMatch(/removed in Zoom/);
		expect(await meetingById(db, booking.id)).toMatchObject({ state: "pending", externalId: null, joinUrl: null, connectionId: null });
		// Nothing of the Zoom user is left in the connection or meeting rows.
		const left = JSON.stringify([await env.DB.prepare("select * from calendar_connections where id = ?").bind(connection.id).all(), await db.select().from(bookingMeetings).all()]);
		expect(left).not.toContain(email);
		expect(left).not.toContain(String(removed.payload.user_id));
		// A replay does not alert anyone again or change the row.
		const before = await db.select().from(calendarConnections).where(eq(calendarConnections.id, connection.id)).get();
		expect((await post(delivery)).status).toBe(200);
		expect(await db.select().from(calendarConnections).where(eq(calendarConnections.id, connection.id)).get()).toEqual(before);
	});
});
