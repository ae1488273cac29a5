// Microsoft Graph change and lifecycle notifications: the validation handshake, clientState checked on
// every item (constant time), a 202 within Graph's 3 seconds, and the work itself left to the queue.
import { eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { connectionCalendars } from "../../db/schema";
import type { CalendarSyncJob } from "../../jobs";
import { syncContextFor } from "../../sync/connections";
import type { InboundContext } from "../../sync/push-channels";
import { pushSecretMatches } from "../../sync/push-secret";
import type { AppEnv } from "../context";

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

export interface GraphVerdict {
	status: 202 | 400 | 401;
	/** Jobs queued (one per calendar, however many items named it). */
	queued: CalendarSyncJob[];
}

/**
 * Checks each item against the subscription it names; valid items become calendar.sync jobs.
 * A lifecycle item first adjusts the stored subscription: reauthorizationRequired marks it due for
 * renewal, subscriptionRemoved forgets it (the sync opens a new one), and both of those and missed
 * ask for a full resync where notifications may have been lost. Before anything is verified the
 * whole batch costs one query, however many items it holds: the subscriptions it names, read at once.
 */
export async function receiveGraphNotifications(context: InboundContext, body: unknown, lifecycle: boolean): Promise<GraphVerdict> {
	const parsed = notificationBody.safeParse(body);
	if (!parsed.success) return { status: 400, queued: [] };
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
		const reason = lifecycle ? await applyLifecycle(context, calendar.id, item) : "push";
		if (reason === null) continue;
		// A resync covers a push for the same calendar, never the other way round.
		if (jobs.get(calendar.id)?.reason !== "resync") jobs.set(calendar.id, { type: "calendar.sync", calendarId: calendar.id, reason });
	}
	if (forged > 0 && jobs.size === 0) return { status: 401, queued: [] };
	const queued = [...jobs.values()];
	if (queued.length > 0) await context.queue.sendBatch(queued.map((job) => ({ body: job, contentType: "json" as const })));
	return { status: 202, queued };
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

/** Graph's handshake: the decoded validationToken back as text/plain, 200. */
function validationAnswer(c: Context<AppEnv>): Response | null {
	const token = c.req.query("validationToken");
	if (token === undefined) return null;
	return c.text(token, 200, { "content-type": "text/plain; charset=utf-8" });
}

async function handle(c: Context<AppEnv>, lifecycle: boolean): Promise<Response> {
	const handshake = validationAnswer(c);
	if (handshake !== null) return handshake;
	let body: unknown;
	try {
		body = await c.req.json();
	} catch {
		return c.body(null, 400);
	}
	const verdict = await receiveGraphNotifications(syncContextFor(c.env, c.var.db, c.var.mailer), body, lifecycle);
	return c.body(null, verdict.status);
}

/** A batch of 1,000 items is well under this; anything larger is not read, let alone parsed. */
const notificationLimit = bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.body(null, 413) });

export const microsoftWebhook = new Hono<AppEnv>()
	.post("/microsoft", notificationLimit, (c) => handle(c, false))
	.post("/microsoft/lifecycle", notificationLimit, (c) => handle(c, true));
