// Inbound sync: the calendar.sync handler. Reads a checked calendar's changes through its adapter
// (incremental from the stored cursor, a full resync of the window when the provider refuses it) and
// hands them to the merchant's Durable Object as busy blocks (busy-store.ts), keeping its push channel
// alive on the way.
import { eq } from "drizzle-orm";
import type { CalendarProvider, SyncResult } from "../calendars/provider";
import { CalendarUnavailableError, ProviderError, SyncCursorExpiredError, TokenRevokedError } from "../calendars/provider";
import { calendarById, connectionById, logOperation, markSynced } from "../db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow } from "../db/queries/connections";
import { merchants, staff } from "../db/schema";
import type { CalendarSyncJob } from "../jobs";
import { applySyncResult, clearCalendarBlocks } from "./busy-store";
import type { BlockOwner } from "./feed-batch";
import { calendarGone } from "./connection-calendars";
import { needsReauthorization } from "./connection-health";
import { adapterFor } from "./context";
import { errorSummary } from "./error-summary";
import { ensurePolling } from "./polling";
import { ensurePush, stopPush } from "./push-channels";
import { syncWindow } from "./window";
import type { InboundContext } from "./push-channels";

export { SYNC_AHEAD_MS, SYNC_PAST_MS, syncWindow } from "./window";
/**
 * Incremental feeds only report changes, so an old event that slides into the 365-day horizon would
 * never show up; a daily full resync of the (moved) window picks those up.
 */
export const FULL_RESYNC_AFTER_MS = 24 * 3600_000;

export type SyncOutcome = "synced" | "unchanged" | "raced" | "skipped" | "unchecked" | "revoked" | "unavailable" | "failed";

export interface SyncReport {
	outcome: SyncOutcome;
	full: boolean;
	blocks: number;
}

/**
 * The stored cursor is the adapter's cursor prefixed with when the last full sync ran
 * ("<epoch ms>:<cursor>"), so the runner knows when the window needs a full pass again.
 */
export function parseStoredCursor(stored: string | null): { fullAt: number; cursor: string } | null {
	const match = stored === null ? null : /^(\d+):([\s\S]*)$/.exec(stored);
	if (match === null) return null;
	return { fullAt: Number(match[1]), cursor: match[2] ?? "" };
}

function storedCursor(fullAt: number, cursor: string): string {
	return `${fullAt}:${cursor}`;
}

/** Whose time the calendar's events take, and the zone their all-day dates are read in. */
async function ownerOf(context: InboundContext, connection: ConnectionRow): Promise<BlockOwner> {
	if (connection.staffId !== null) {
		const member = await context.db.query.staff.findFirst({ where: eq(staff.id, connection.staffId), columns: { timezone: true } });
		if (member !== undefined) return { merchantId: connection.merchantId, staffId: connection.staffId, timeZone: member.timezone };
	}
	const merchant = await context.db.query.merchants.findFirst({ where: eq(merchants.id, connection.merchantId), columns: { timezone: true } });
	return { merchantId: connection.merchantId, staffId: connection.staffId, timeZone: merchant?.timezone ?? "UTC" };
}

/**
 * Handles one calendar.sync. Idempotent: a replayed or duplicate message finds nothing new (or loses
 * the cursor race) and changes nothing. Throws only for failures worth a queue retry.
 */
export async function runCalendarSync(context: InboundContext, job: CalendarSyncJob): Promise<SyncReport> {
	const nothing = (outcome: SyncOutcome): SyncReport => ({ outcome, full: false, blocks: 0 });
	const calendar = await calendarById(context.db, job.calendarId);
	if (calendar === null) return nothing("skipped");
	const connection = await connectionById(context.db, calendar.connectionId);
	// Without a usable grant there is nothing to read; re-authorising brings the connection back.
	if (connection === null || connection.status === "disconnected" || connection.errorKind === "reauthorize") return nothing("skipped");
	let adapter: CalendarProvider | undefined;
	try {
		adapter = await adapterFor(context, connection);
		if (!calendar.checkConflicts) {
			await clearCalendarBlocks(context.env, connection.merchantId, calendar.id);
			if (calendar.pushChannelId !== null) await stopPushQuietly(context, adapter, calendar);
			return nothing("unchecked");
		}
		// An unavailable calendar is only polled until it comes back; opening a channel on it would fail every time.
		// A poller's sync (every 15-30 s) leaves a failed channel to the cron's, which tries it every 5 minutes.
		if (calendar.unavailableSince === null && job.reason !== "poll") await keepPushAlive(context, adapter, connection, calendar);
		return await syncChecked(context, adapter, connection, calendar, job);
	} catch (error) {
		return handleFailure(context, connection, calendar, adapter ?? null, error);
	}
}

async function syncChecked(context: InboundContext, adapter: CalendarProvider, connection: ConnectionRow, calendar: ConnectionCalendarRow, job: CalendarSyncJob): Promise<SyncReport> {
	const now = context.now();
	const owner = await ownerOf(context, connection);
	const window = syncWindow(now, owner.timeZone);
	const stored = parseStoredCursor(calendar.syncCursor);
	// "resync" (a lifecycle event, an admin) and a window that has not had a full pass for a day start over.
	const wantFull = stored === null || job.reason === "resync" || now - stored.fullAt > FULL_RESYNC_AFTER_MS;
	let result: SyncResult;
	try {
		result = await adapter.syncEvents(calendar.externalId, wantFull ? null : (stored?.cursor ?? null), window);
	} catch (error) {
		if (!(error instanceof SyncCursorExpiredError)) throw error;
		// 410 / syncStateNotFound / refused sync-token: wipe and read the whole window again.
		await logOperation(context.db, connection.id, "sync", "retry", `${calendar.name}: cursor refused (${error.code}), full resync`, now);
		result = await adapter.syncEvents(calendar.externalId, null, window);
	}
	const fullAt = result.full ? now : (stored?.fullAt ?? now);
	const start = { cursor: calendar.syncCursor, generation: calendar.syncGeneration };
	const outcome = await applySyncResult(context.env, calendar.id, owner, start, result, storedCursor(fullAt, result.cursor), now);
	if (!outcome.applied) return { outcome: "raced", full: result.full, blocks: 0 };
	await markSynced(context.db, connection.id, now);
	if (calendar.unavailableSince !== null) await logOperation(context.db, connection.id, "sync", "ok", `${calendar.name} is available again`, now);
	if (result.full) await logOperation(context.db, connection.id, "sync", "ok", `${calendar.name}: full sync, ${outcome.blocks} busy blocks`, now);
	// Bad items are skipped (the rest synced); the connection's log says which (UID and category only:
	// never the item's text, which can hold an event's title or description), so a person can fix them.
	if (result.unreadable.length > 0) {
		const shown = result.unreadable
			.slice(0, 3)
			.map((item) => `${printable(item.id ?? "(no UID)")} (${item.problem})`)
			.join("; ");
		const more = result.unreadable.length > 3 ? ` (and ${result.unreadable.length - 3} more)` : "";
		await logOperation(context.db, connection.id, "import", "error", `${calendar.name}: ${result.unreadable.length} item(s) could not be read and were skipped: ${shown}${more}`, now);
	}
	const changed = result.full || result.changed.length > 0 || result.removed.length > 0;
	return { outcome: changed ? "synced" : "unchanged", full: result.full, blocks: outcome.blocks };
}

/** A UID for a log line: printable, and short. */
function printable(id: string): string {
	return id.replace(/[^\x20-\x7e]/g, "?").slice(0, 100);
}

/**
 * A broken or refused channel must not stop the sync: the connection's poller (poller.ts) reads the
 * calendar instead. Nor does a refused channel say the calendar is gone: only the sync's own read can.
 */
async function keepPushAlive(context: InboundContext, adapter: CalendarProvider, connection: ConnectionRow, calendar: ConnectionCalendarRow): Promise<void> {
	try {
		const state = await ensurePush(context, adapter, calendar);
		if (state === "opened" || state === "renewed") await logOperation(context.db, connection.id, "push", "ok", `${calendar.name}: channel ${state}`, context.now());
	} catch (error) {
		// A revoked grant is the sync's problem too; anything else only the channel's.
		if (error instanceof TokenRevokedError) throw error;
		const message = `${calendar.name}: push notifications are unavailable (${errorSummary(error)}); its changes are polled instead`;
		await logOperation(context.db, connection.id, "push", "error", message, context.now());
		await ensurePolling(context.env, connection.id);
	}
}

async function stopPushQuietly(context: InboundContext, adapter: CalendarProvider, calendar: ConnectionCalendarRow): Promise<void> {
	try {
		await stopPush(context, adapter, calendar);
	} catch (error) {
		await logOperation(context.db, calendar.connectionId, "stop-push", "error", errorSummary(error), context.now());
	}
}

async function handleFailure(context: InboundContext, connection: ConnectionRow, calendar: ConnectionCalendarRow, adapter: CalendarProvider | null, error: unknown): Promise<SyncReport> {
	const nothing = (outcome: SyncOutcome): SyncReport => ({ outcome, full: false, blocks: 0 });
	if (error instanceof TokenRevokedError) {
		await needsReauthorization(context, connection);
		return nothing("revoked");
	}
	if (error instanceof CalendarUnavailableError) {
		// Deleted or unshared: its events must stop blocking time, and the Integrations page says so.
		await calendarGone(context, connection, calendar, adapter);
		return nothing("unavailable");
	}
	if (error instanceof ProviderError && !error.retryable) {
		await logOperation(context.db, connection.id, "sync", "error", errorSummary(error), context.now());
		return nothing("failed");
	}
	// Rate limits, 5xx, timeouts, D1 hiccups: the queue retries with backoff (honouring Retry-After).
	throw error;
}
