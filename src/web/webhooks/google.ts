// Google push notifications (events.watch channels): verify the channel and its token, answer at
// once, and leave the reading to a queued calendar.sync. A notification that does not verify costs one
// indexed lookup and never touches a credential: channels nobody knows are left to lapse (≤ 7 days).
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { connectionCalendars } from "../../db/schema";
import { logLine } from "../../log";
import { LogThrottle } from "../../log-throttle";
import { syncContextFor } from "../../sync/connections";
import type { InboundContext } from "../../sync/push-channels";
import { pushSecretMatches } from "../../sync/push-secret";
import type { AppEnv } from "../context";

/** Google's limits (docs/providers.md A5): a longer channel id or token is no channel of ours, and is refused unread. */
const MAX_CHANNEL_ID_LENGTH = 64;
const MAX_CHANNEL_TOKEN_LENGTH = 256;

export interface GoogleVerdict {
	status: 200 | 401;
	/**
	 * Set when the channel id matches nothing we store: a forgery, or a channel of ours whose record was
	 * lost. Neither can be told from the other, so nothing is done about it beyond a (throttled) log line.
	 */
	unknown: { channelId: string } | null;
	queued: boolean;
}

/** Verifies one notification from its headers and queues the calendar's sync. */
export async function receiveGoogleNotification(context: InboundContext, headers: Headers): Promise<GoogleVerdict> {
	const refused: GoogleVerdict = { status: 401, unknown: null, queued: false };
	const channelId = headers.get("x-goog-channel-id");
	if (channelId === null || channelId === "" || channelId.length > MAX_CHANNEL_ID_LENGTH) return refused;
	const calendar = await context.db.query.connectionCalendars.findFirst({ where: eq(connectionCalendars.pushChannelId, channelId), columns: { id: true, pushSecretHash: true } });
	if (calendar === undefined) return { ...refused, unknown: { channelId } };
	const token = headers.get("x-goog-channel-token");
	if (token === null || token.length > MAX_CHANNEL_TOKEN_LENGTH || !(await pushSecretMatches(token, calendar.pushSecretHash))) return refused;
	// "sync" only confirms a new channel; the initial sync runs on its own.
	if (headers.get("x-goog-resource-state") === "sync") return { status: 200, unknown: null, queued: false };
	await context.queue.send({ type: "calendar.sync", calendarId: calendar.id, reason: "push" }, { contentType: "json" });
	return { status: 200, unknown: null, queued: true };
}

/** Per isolate: one line per unknown channel an hour, and 200 at most, however many notifications arrive. */
const unknownChannels = new LogThrottle({ intervalMs: 3600_000, maxKeysPerInterval: 200 });

export const googleWebhook = new Hono<AppEnv>().post("/google", async (c) => {
	const context = syncContextFor(c.env, c.var.db, c.var.mailer);
	const verdict = await receiveGoogleNotification(context, c.req.raw.headers);
	if (verdict.unknown !== null && unknownChannels.allow(verdict.unknown.channelId, Date.now())) {
		logLine("warn", "notification for an unknown Google channel", { channelId: verdict.unknown.channelId });
	}
	return c.body(null, verdict.status);
});
