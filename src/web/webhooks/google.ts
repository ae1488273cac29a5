// Google push notifications (events.watch channels): verify the channel and its token, answer at
// once, and leave the reading to a queued calendar.sync. Channels nobody knows are stopped.
import { eq, or } from "drizzle-orm";
import { Hono } from "hono";
import { connectionById, logOperation } from "../../db/queries/connections";
import { connectionCalendars } from "../../db/schema";
import { adapterFor, errorSummary, syncContextFor } from "../../sync/connections";
import type { InboundContext } from "../../sync/push-channels";
import { pushSecretMatches } from "../../sync/push-secret";
import type { AppEnv } from "../context";

/**
 * A channel we do not know may be one whose creation has not been stored yet (the first message races
 * the watch response): look again after this long before stopping it.
 */
export const UNKNOWN_CHANNEL_GRACE_MS = 5_000;

export interface GoogleVerdict {
	status: 200 | 401;
	/** Set when the channel id matches nothing we store: worth stopping at Google. */
	unknown: { channelId: string; resourceId: string | null; resourceUri: string | null } | null;
	queued: boolean;
}

/** Verifies one notification from its headers and queues the calendar's sync. */
export async function receiveGoogleNotification(context: InboundContext, headers: Headers): Promise<GoogleVerdict> {
	const channelId = headers.get("x-goog-channel-id");
	if (channelId === null || channelId === "") return { status: 401, unknown: null, queued: false };
	const calendar = await context.db.query.connectionCalendars.findFirst({ where: eq(connectionCalendars.pushChannelId, channelId) });
	if (calendar === undefined) {
		return { status: 401, unknown: { channelId, resourceId: headers.get("x-goog-resource-id"), resourceUri: headers.get("x-goog-resource-uri") }, queued: false };
	}
	if (!(await pushSecretMatches(headers.get("x-goog-channel-token"), calendar.pushSecretHash))) return { status: 401, unknown: null, queued: false };
	// "sync" only confirms a new channel; the initial sync runs on its own.
	if (headers.get("x-goog-resource-state") === "sync") return { status: 200, unknown: null, queued: false };
	await context.queue.send({ type: "calendar.sync", calendarId: calendar.id, reason: "push" }, { contentType: "json" });
	return { status: 200, unknown: null, queued: true };
}

/** The calendar id inside a resource URI (…/calendars/{id}/events…). */
function calendarIdOf(resourceUri: string | null): string | null {
	const match = resourceUri === null ? null : /\/calendars\/([^/?]+)\/events/.exec(resourceUri);
	if (match?.[1] === undefined) return null;
	try {
		return decodeURIComponent(match[1]);
	} catch {
		return null;
	}
}

/**
 * Best effort: stops a channel nobody stores, with the credentials of a Google connection that holds
 * the watched calendar (found by resource id or by the calendar in the resource URI). Without one
 * there is nothing to authenticate with, and the channel simply expires.
 */
export async function stopUnknownChannel(context: InboundContext, unknown: NonNullable<GoogleVerdict["unknown"]>, graceMs = UNKNOWN_CHANNEL_GRACE_MS): Promise<boolean> {
	if (graceMs > 0) await new Promise((resolve) => setTimeout(resolve, graceMs));
	const known = await context.db.query.connectionCalendars.findFirst({ where: eq(connectionCalendars.pushChannelId, unknown.channelId), columns: { id: true } });
	if (known !== undefined) return false;
	const externalId = calendarIdOf(unknown.resourceUri);
	const matches = [
		...(unknown.resourceId === null ? [] : [eq(connectionCalendars.pushResourceId, unknown.resourceId)]),
		...(externalId === null ? [] : [eq(connectionCalendars.externalId, externalId)]),
	];
	if (matches.length === 0) return false;
	const candidates = await context.db.select().from(connectionCalendars).where(or(...matches)).limit(20).all();
	for (const calendar of candidates) {
		const connection = await connectionById(context.db, calendar.connectionId);
		if (connection === null || connection.provider !== "google" || connection.status !== "active") continue;
		try {
			const adapter = await adapterFor(context, connection);
			await adapter.push?.stop({ id: unknown.channelId, resourceId: unknown.resourceId, expiresAt: 0 });
			await logOperation(context.db, connection.id, "stop-push", "ok", "stopped a channel nobody knows", context.now());
			return true;
		} catch (error) {
			await logOperation(context.db, connection.id, "stop-push", "error", errorSummary(error), context.now());
		}
	}
	return false;
}

export const googleWebhook = new Hono<AppEnv>().post("/google", async (c) => {
	const context = syncContextFor(c.env, c.var.db, c.var.mailer);
	const verdict = await receiveGoogleNotification(context, c.req.raw.headers);
	if (verdict.unknown !== null) c.executionCtx.waitUntil(stopUnknownChannel(context, verdict.unknown).catch(() => false));
	return c.body(null, verdict.status);
});
