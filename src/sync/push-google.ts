// Google push notifications (events.watch channels): verify the channel and its token, and leave the
// reading to a queued calendar.sync. A notification that does not verify costs one indexed lookup and
// never touches a credential: channels nobody knows are left to lapse (≤ 7 days).
import { eq } from "drizzle-orm";
import { connectionCalendars } from "../db/schema";
import type { CalendarSyncJob } from "../jobs";
import { logLine } from "../log";
import { LogThrottle } from "../log-throttle";
import type { InboundContext } from "./push-channels";
import { pushSecretMatches } from "./push-secret";

/** Google's limits (docs/providers.md A5): a longer channel id or token is no channel of ours, and is refused unread. */
const MAX_CHANNEL_ID_LENGTH = 64;
const MAX_CHANNEL_TOKEN_LENGTH = 256;

export type GoogleVerdict =
	/** Missing or oversized headers, or a token that does not match the channel's secret. */
	| { kind: "refused" }
	/**
	 * The channel id matches nothing we store: a forgery, or a channel of ours whose record was lost.
	 * Neither can be told from the other, so nothing is done about it beyond a (throttled) log line.
	 */
	| { kind: "unknown"; channelId: string }
	/** The "sync" message that only confirms a new channel; the initial sync runs on its own. */
	| { kind: "confirmed" }
	| { kind: "queued"; job: CalendarSyncJob };

/** Per isolate: one line per unknown channel an hour, and 200 at most, however many notifications arrive. */
const unknownChannels = new LogThrottle({ intervalMs: 3600_000, maxKeysPerInterval: 200 });

/** Verifies one notification from its headers and queues the calendar's sync. */
export async function receiveGoogleNotification(context: InboundContext, headers: Headers): Promise<GoogleVerdict> {
	const channelId = headers.get("x-goog-channel-id");
	if (channelId === null || channelId === "" || channelId.length > MAX_CHANNEL_ID_LENGTH) return { kind: "refused" };
	const calendar = await context.db.query.connectionCalendars.findFirst({ where: eq(connectionCalendars.pushChannelId, channelId), columns: { id: true, pushSecretHash: true } });
	if (calendar === undefined) {
		if (unknownChannels.allow(channelId, context.now())) logLine("warn", "notification for an unknown Google channel", { channelId });
		return { kind: "unknown", channelId };
	}
	const token = headers.get("x-goog-channel-token");
	if (token === null || token.length > MAX_CHANNEL_TOKEN_LENGTH || !(await pushSecretMatches(token, calendar.pushSecretHash))) return { kind: "refused" };
	if (headers.get("x-goog-resource-state") === "sync") return { kind: "confirmed" };
	const job: CalendarSyncJob = { type: "calendar.sync", calendarId: calendar.id, reason: "push" };
	await context.queue.send(job, { contentType: "json" });
	return { kind: "queued", job };
}
