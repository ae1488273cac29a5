// Zoom's webhooks (docs/integrations.md 3.5): verify the signature and its timestamp, answer the
// url_validation challenge, act once per delivery (a replay inside the window is acknowledged, not acted
// on), and handle what Zoom tells us: the app removed by a user (delete their tokens and data) and a
// meeting the host deleted in Zoom (make it again). The route (src/web/webhooks/zoom.ts) maps the verdict.
import { and, eq, lt, ne, sql } from "drizzle-orm";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { logOperation } from "../db/queries/connections";
import { bookingMeetings, bookings, calendarConnections, zoomWebhookReceipts } from "../db/schema";
import type { MeetingPushJob } from "../jobs";
import { needsReauthorization } from "../sync/connection-health";
import type { SyncContext } from "../sync/context";

/** How far a delivery's timestamp may be from our clock (Zoom names none; 5 minutes is the usual window). */
export const ZOOM_WEBHOOK_WINDOW_MS = 5 * 60_000;

/** The deauthorised account, as the Integrations page shows it once its address is deleted. */
export const REMOVED_ACCOUNT_LABEL = "Zoom account (removed in Zoom)";

const DEAUTHORIZED_MESSAGE =
	"Zoom access was removed in Zoom (the Slotline app was removed from the Zoom account), so Slotline deleted the tokens and meeting links it held for it. Reconnect Zoom to make meeting links again; bookings waiting for a link get it then.";

export interface ZoomDelivery {
	/** x-zm-request-timestamp: Unix seconds. */
	timestamp: string | null;
	/** x-zm-signature: "v0=" and the hex HMAC. */
	signature: string | null;
	/** The body exactly as received: the signature covers these bytes. */
	rawBody: string;
}

export type ZoomVerdict =
	/** Not JSON, or not an event. */
	| { kind: "malformed" }
	/** No signature, or one our secret did not make. */
	| { kind: "forged" }
	/** Signed, but outside the window: possibly a captured delivery played again later. */
	| { kind: "stale" }
	/** The challenge Zoom sends when the endpoint is saved and every 72 hours: answered with our HMAC of its token. */
	| { kind: "validation"; answer: { plainToken: string; encryptedToken: string } }
	/** A delivery acted on already (a replay inside the window): acknowledged, nothing done. */
	| { kind: "replayed" }
	| { kind: "accepted"; event: string };

interface ZoomEvent {
	event: string;
	payload: Record<string, unknown>;
}

/** Verifies one delivery and acts on it, at most once. */
export async function receiveZoomWebhook(context: SyncContext, delivery: ZoomDelivery): Promise<ZoomVerdict> {
	// Without a secret (not configured) nothing can be verified, so nothing is accepted.
	if (context.env.ZOOM_WEBHOOK_SECRET === "") return { kind: "forged" };
	const key = await hmacKey(context.env.ZOOM_WEBHOOK_SECRET);
	const signature = signatureBytes(delivery.signature);
	const seconds = delivery.timestamp === null || !/^\d{1,12}$/.test(delivery.timestamp) ? null : Number(delivery.timestamp);
	if (signature === null || seconds === null) return { kind: "forged" };
	// The challenge is signed too, and must be: its answer is our HMAC of a token the sender picks.
	const message = new TextEncoder().encode(`v0:${delivery.timestamp}:${delivery.rawBody}`);
	if (!(await crypto.subtle.verify("HMAC", key, signature, message))) return { kind: "forged" };
	if (Math.abs(context.now() - seconds * 1000) > ZOOM_WEBHOOK_WINDOW_MS) return { kind: "stale" };
	const event = parseEvent(delivery.rawBody);
	if (event === null) return { kind: "malformed" };
	if (event.event === "endpoint.url_validation") {
		const plainToken = event.payload.plainToken;
		if (typeof plainToken !== "string" || plainToken === "") return { kind: "malformed" };
		return { kind: "validation", answer: { plainToken, encryptedToken: await hmacHex(key, plainToken) } };
	}
	const receipt = encodeHexLowerCase(signature);
	if (!(await claimDelivery(context, receipt, seconds * 1000 + ZOOM_WEBHOOK_WINDOW_MS))) return { kind: "replayed" };
	try {
		await act(context, event);
	} catch (error) {
		// Not done: Zoom's retry (or this replay) must be able to act on it.
		await context.db.delete(zoomWebhookReceipts).where(eq(zoomWebhookReceipts.signature, receipt));
		throw error;
	}
	return { kind: "accepted", event: event.event };
}

async function act(context: SyncContext, event: ZoomEvent): Promise<void> {
	switch (event.event) {
		case "app_deauthorized": {
			const userId = event.payload.user_id;
			if (typeof userId === "string" && userId !== "") await forgetZoomUser(context, userId);
			return;
		}
		case "meeting.deleted": {
			const object = event.payload.object as { id?: unknown } | undefined;
			const id = object?.id;
			if (typeof id === "number" || (typeof id === "string" && id !== "")) await meetingDeletedInZoom(context, String(id));
			return;
		}
		// meeting.updated and the rest: the booking in Slotline is what the meeting follows, so a change made
		// in Zoom is not copied back (the next change of the booking writes its time again).
		default:
			return;
	}
}

/**
 * Records the delivery as acted on; false when it was already (a replay). Receipts past their window go
 * here too: a delivery that old is refused as stale before its receipt would be looked at.
 */
async function claimDelivery(context: SyncContext, signature: string, expiresAt: number): Promise<boolean> {
	await context.db.delete(zoomWebhookReceipts).where(lt(zoomWebhookReceipts.expiresAt, context.now()));
	const claimed = await context.db.insert(zoomWebhookReceipts).values({ signature, expiresAt }).onConflictDoNothing().returning({ signature: zoomWebhookReceipts.signature });
	return claimed.length > 0;
}

/**
 * The user removed the app in Zoom; their tokens are dead already. As Zoom requires, everything of theirs is
 * deleted: the sealed tokens, the account's address and id, and the ids and join links of the meetings made
 * with it (those meetings wait, pending, for a new Zoom connection). The connection stays, asking to be
 * re-authorised, so the admin sees what happened and reconnecting picks the waiting meetings up.
 */
export async function forgetZoomUser(context: SyncContext, userId: string): Promise<number> {
	const now = context.now();
	const rows = await context.db
		.update(calendarConnections)
		.set({ credentials: null, credentialsKeyId: null, accessTokenExpiresAt: null, refreshLeaseUntil: null, accountLabel: REMOVED_ACCOUNT_LABEL, externalAccountId: null, updatedAt: now })
		.where(and(eq(calendarConnections.provider, "zoom"), eq(calendarConnections.externalAccountId, userId)))
		.returning();
	for (const connection of rows) {
		await context.db
			.update(bookingMeetings)
			.set({
				// A cancelled booking's meeting stays deleted; every other waits for a Zoom connection.
				state: sql`case when ${bookingMeetings.state} = 'deleted' then 'deleted' else 'pending' end`,
				externalId: null,
				joinUrl: null,
				connectionId: null,
				intentAt: null,
				error: null,
				updatedAt: now,
			})
			.where(eq(bookingMeetings.connectionId, connection.id));
		await logOperation(context.db, connection.id, "deauthorized", "error", "The app was removed in Zoom; its tokens and meeting links were deleted", now);
		if (connection.status !== "disconnected") await needsReauthorization(context, connection, DEAUTHORIZED_MESSAGE);
	}
	return rows.length;
}

/**
 * The host deleted one of our meetings in Zoom: the booking still needs one, so its row forgets the dead
 * meeting and a meeting.push makes a new one (its new link reaches the customer by the follow-up email).
 */
async function meetingDeletedInZoom(context: SyncContext, meetingId: string): Promise<void> {
	const rows = await context.db
		.update(bookingMeetings)
		.set({ state: "pending", externalId: null, joinUrl: null, intentAt: null, updatedAt: context.now() })
		.where(and(eq(bookingMeetings.provider, "zoom"), eq(bookingMeetings.externalId, meetingId), ne(bookingMeetings.state, "deleted")))
		.returning({ merchantId: bookingMeetings.merchantId, bookingId: bookingMeetings.bookingId });
	for (const row of rows) {
		const booking = await context.db.query.bookings.findFirst({ where: eq(bookings.id, row.bookingId), columns: { version: true } });
		if (booking === undefined) continue;
		const job: MeetingPushJob = { type: "meeting.push", merchantId: row.merchantId, bookingId: row.bookingId, version: booking.version };
		await context.queue.send(job, { contentType: "json" });
	}
}

function parseEvent(rawBody: string): ZoomEvent | null {
	try {
		const body = JSON.parse(rawBody) as { event?: unknown; payload?: unknown };
		if (typeof body.event !== "string" || typeof body.payload !== "object" || body.payload === null) return null;
		return { event: body.event, payload: body.payload as Record<string, unknown> };
	} catch {
		return null;
	}
}

/** "v0=" and 64 hex digits (an HMAC-SHA256), as bytes; null for anything else. */
function signatureBytes(header: string | null): Uint8Array<ArrayBuffer> | null {
	const match = header === null ? null : /^v0=([0-9a-fA-F]{64})$/.exec(header);
	if (match === null) return null;
	const hex = match[1] ?? "";
	const bytes = new Uint8Array(32);
	for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
	return bytes;
}

function hmacKey(secret: string): Promise<CryptoKey> {
	return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

async function hmacHex(key: CryptoKey, text: string): Promise<string> {
	return encodeHexLowerCase(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text))));
}
