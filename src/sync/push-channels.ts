// Push channels of checked calendars (Google events.watch, Graph subscriptions): opened when a calendar
// is checked, renewed before they expire, stopped when it no longer is. Addresses are under APP_URL.
import { and, eq, isNull } from "drizzle-orm";
import type { CalendarProvider, PushSubscription, WatchRequest } from "../calendars/provider";
import { ProviderError } from "../calendars/provider";
import type { ConnectionCalendarRow } from "../db/queries/connections";
import { connectionCalendars } from "../db/schema";
import type { SyncContext } from "./context";
import { hashPushSecret, newPushSecret } from "./push-secret";

/** Google's default and practical ceiling; Graph caps it at 10,080 minutes in the adapter. */
export const PUSH_TTL_SECONDS = 7 * 24 * 3600;
/** Renew this long before expiry: the cron runs every 5 minutes, so several chances remain. */
export const RENEW_BEFORE_MS = 24 * 3600_000;

/** Inbound sync context: the sync context plus where providers should deliver (tests point it at the sandbox). */
export interface InboundContext extends SyncContext {
	/** Base URL of this app as providers reach it; defaults to APP_URL. */
	webhookBaseUrl?: string;
}

export function webhookUrls(context: InboundContext): { google: string; microsoft: string; lifecycle: string } {
	const base = (context.webhookBaseUrl ?? context.env.APP_URL).replace(/\/$/, "");
	return { google: `${base}/webhooks/google`, microsoft: `${base}/webhooks/microsoft`, lifecycle: `${base}/webhooks/microsoft/lifecycle` };
}

function watchRequest(context: InboundContext, adapter: CalendarProvider, secret: string): WatchRequest {
	const urls = webhookUrls(context);
	return { address: adapter.name === "google" ? urls.google : urls.microsoft, lifecycleAddress: urls.lifecycle, secret, ttlSeconds: PUSH_TTL_SECONDS };
}

export function subscriptionOf(calendar: ConnectionCalendarRow): PushSubscription | null {
	if (calendar.pushChannelId === null) return null;
	return { id: calendar.pushChannelId, resourceId: calendar.pushResourceId, expiresAt: calendar.pushExpiresAt ?? 0 };
}

export type PushState = "none" | "kept" | "opened" | "renewed" | "raced";

/**
 * Makes sure a checked calendar of a push-capable provider has a live channel: opens one if it has
 * none, renews one that expires within RENEW_BEFORE_MS (or was marked due by a lifecycle event), and
 * opens a new one when the provider no longer knows the old.
 *
 * Two syncs of one calendar may run this at once. The new channel is stored only if the row still
 * holds the channel this call started from, in the same generation (not disconnected, unchecked or
 * lost meanwhile); the loser stops the channel it made instead of leaving it delivering forever.
 */
export async function ensurePush(context: InboundContext, adapter: CalendarProvider, calendar: ConnectionCalendarRow): Promise<PushState> {
	if (adapter.push === null) return "none";
	const current = subscriptionOf(calendar);
	if (current !== null && current.expiresAt - context.now() > RENEW_BEFORE_MS) return "kept";
	const secret = newPushSecret();
	let next: PushSubscription;
	let state: PushState;
	if (current === null) {
		next = await adapter.push.watch(calendar.externalId, watchRequest(context, adapter, secret));
		state = "opened";
	} else {
		try {
			next = await adapter.push.renew(calendar.externalId, current, watchRequest(context, adapter, secret));
			state = "renewed";
		} catch (error) {
			// The provider forgot the subscription (Graph 404): open a fresh one instead.
			if (!(error instanceof ProviderError) || error.status !== 404) throw error;
			next = await adapter.push.watch(calendar.externalId, watchRequest(context, adapter, secret));
			state = "opened";
		}
	}
	// Graph renews in place and keeps the clientState it was created with: its hash stays.
	const secretHash = next.id === current?.id ? calendar.pushSecretHash : await hashPushSecret(secret);
	const stored = await context.db
		.update(connectionCalendars)
		.set({ pushChannelId: next.id, pushResourceId: next.resourceId, pushSecretHash: secretHash, pushExpiresAt: next.expiresAt })
		.where(
			and(
				eq(connectionCalendars.id, calendar.id),
				current === null ? isNull(connectionCalendars.pushChannelId) : eq(connectionCalendars.pushChannelId, current.id),
				eq(connectionCalendars.syncGeneration, calendar.syncGeneration),
				eq(connectionCalendars.checkConflicts, true),
			),
		)
		.returning({ id: connectionCalendars.id });
	if (stored.length > 0) return state;
	// Lost the race (or the calendar left meanwhile). A subscription renewed in place is the shared one: keep it.
	if (next.id !== current?.id) await adapter.push.stop(next);
	return "raced";
}

/** Stops the calendar's channel (best effort: a failure is the caller's to log) and forgets it. */
export async function stopPush(context: InboundContext, adapter: CalendarProvider, calendar: ConnectionCalendarRow): Promise<void> {
	const current = subscriptionOf(calendar);
	if (current === null) return;
	await context.db
		.update(connectionCalendars)
		.set({ pushChannelId: null, pushResourceId: null, pushSecretHash: null, pushExpiresAt: null })
		.where(eq(connectionCalendars.id, calendar.id));
	await adapter.push?.stop(current);
}
