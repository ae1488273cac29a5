// Microsoft Graph change and lifecycle notifications: clientState checked on every item (constant time),
// lifecycle events applied to the stored subscription, and the reading left to queued calendar.sync jobs.
import { eq, sql } from "drizzle-orm";
import { z } from "zod";
import { connectionCalendars } from "../db/schema";
import { sendJobs } from "../jobs";
import type { CalendarSyncJob } from "../jobs";
import type { InboundContext } from "./push-channels";
import { pushSecretMatches } from "./push-secret";

const notificationBody = z.object({
	value: z
		.array(
			z.looseObject({
				subscriptionId: z.string(),
				clientState: z.string().optional(),
				lifecycleEvent: z.string().optional(),
			}),
		)
		.max(1000),
});

type Notification = z.infer<typeof notificationBody>["value"][number];

export type GraphVerdict =
	/** Not a notification batch at all. */
	| { kind: "malformed" }
	/** Some items did not verify and none did: nothing was changed or queued. */
	| { kind: "forged" }
	/** Jobs queued (one per calendar, however many items named it); forged items riding along are dropped. */
	| { kind: "accepted"; queued: CalendarSyncJob[] };

/** Change notifications (/webhooks/microsoft): each verified item queues its calendar's sync. */
export function receiveGraphNotifications(context: InboundContext, body: unknown): Promise<GraphVerdict> {
	return receive(context, body, () => Promise.resolve("push"));
}

/**
 * Lifecycle notifications (/webhooks/microsoft/lifecycle): each verified item first adjusts the stored
 * subscription: reauthorizationRequired marks it due for renewal and asks for an incremental sync (which
 * renews it; nothing was lost), subscriptionRemoved forgets it (the sync opens a new one), and that and
 * missed ask for a full resync, since notifications may have been lost.
 */
export function receiveGraphLifecycle(context: InboundContext, body: unknown): Promise<GraphVerdict> {
	return receive(context, body, (calendarId, item) => applyLifecycle(context, calendarId, item));
}

/**
 * Checks each item against the subscription it names; valid items become calendar.sync jobs with the
 * reason `reasonFor` gives (null: no job). Before anything is verified the whole batch costs one
 * query, however many items it holds: the subscriptions it names, read at once.
 */
async function receive(
	context: InboundContext,
	body: unknown,
	reasonFor: (calendarId: string, item: Notification) => Promise<CalendarSyncJob["reason"] | null>,
): Promise<GraphVerdict> {
	const parsed = notificationBody.safeParse(body);
	if (!parsed.success) return { kind: "malformed" };
	const named = [...new Set(parsed.data.value.map((item) => item.subscriptionId))];
	const stored = await context.db
		.select({ id: connectionCalendars.id, pushChannelId: connectionCalendars.pushChannelId, pushSecretHash: connectionCalendars.pushSecretHash })
		.from(connectionCalendars)
		// One bound JSON array rather than one parameter per id: D1 binds at most 100 parameters.
		.where(sql`${connectionCalendars.pushChannelId} in (select value from json_each(${JSON.stringify(named)}))`)
		.all();
	const bySubscription = new Map(stored.map((calendar) => [calendar.pushChannelId, calendar]));
	const jobs = new Map<string, CalendarSyncJob>();
	let forged = 0;
	for (const item of parsed.data.value) {
		const calendar = bySubscription.get(item.subscriptionId);
		if (calendar === undefined || !(await pushSecretMatches(item.clientState, calendar.pushSecretHash))) {
			forged++;
			continue;
		}
		const reason = await reasonFor(calendar.id, item);
		if (reason === null) continue;
		// A resync covers a push for the same calendar, never the other way round.
		if (jobs.get(calendar.id)?.reason !== "resync") jobs.set(calendar.id, { type: "calendar.sync", calendarId: calendar.id, reason });
	}
	if (forged > 0 && jobs.size === 0) return { kind: "forged" };
	const queued = [...jobs.values()];
	await sendJobs(context.queue, queued);
	return { kind: "accepted", queued };
}

async function applyLifecycle(context: InboundContext, calendarId: string, item: Notification): Promise<CalendarSyncJob["reason"] | null> {
	switch (item.lifecycleEvent) {
		case "reauthorizationRequired":
			// Due now: the sync renews it (a renewal that fails for lack of access puts the connection in Error).
			await context.db.update(connectionCalendars).set({ pushExpiresAt: 0 }).where(eq(connectionCalendars.id, calendarId));
			return "push";
		case "subscriptionRemoved":
			await context.db
				.update(connectionCalendars)
				.set({ pushChannelId: null, pushResourceId: null, pushSecretHash: null, pushExpiresAt: null })
				.where(eq(connectionCalendars.id, calendarId));
			return "resync";
		case "missed":
			return "resync";
		default:
			return null;
	}
}
