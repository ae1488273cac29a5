// The cron's calendar upkeep: a safety-net sync of every checked Google and Microsoft calendar (which
// also renews push channels nearing expiry), the pollers of the other calendars restarted if they
// stopped, access tokens refreshed before they lapse, errored connections retried with backoff, and
// credentials re-sealed under the current key. Push only shortens latency; this is what makes inbound
// sync correct when pushes are lost.
import { and, eq, inArray, isNotNull, lt, ne, notInArray, or, isNull, lte } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import { TokenRevokedError } from "../calendars/provider";
import { calendarsOf, isCalendarConnection, logOperation, setStatus } from "../db/queries/connections";
import type { ConnectionRow } from "../db/queries/connections";
import { calendarConnections, connectionCalendars } from "../db/schema";
import { sendJobs } from "../jobs";
import type { CalendarSyncJob } from "../jobs";
import { decryptCredentials, openCredentials } from "./adapters";
import { refreshCalendars } from "./connection-calendars";
import { needsReauthorization, retryRetryable } from "./connection-health";
import { drainPending } from "./connection-jobs";
import { errorSummary } from "./error-summary";
import type { SyncContext } from "./context";
import { POLLED_PROVIDERS, ensurePolling, isPolled } from "./polling";
import { StoredTokenSource } from "./tokens";

/** Refresh access tokens expiring within this; also keeps idle Microsoft grants from lapsing after 90 days. */
export const TOKEN_REFRESH_AHEAD_MS = 10 * 60_000;
/** Tokens refreshed per cron run, so one run stays far inside its CPU budget. */
const TOKEN_REFRESHES_PER_RUN = 50;
/** Retry an errored connection after 5 min, 10, 20 … up to 6 hours. */
const RETRY_BASE_MS = 5 * 60_000;
const RETRY_MAX_MS = 6 * 3600_000;
/** A connection that stayed healthy this long after its last automatic retry starts its backoff afresh. */
const RETRY_FORGET_MS = 24 * 3600_000;
/** Pollers ensured at once. */
const ENSURE_BATCH = 50;
/** Credentials re-sealed per cron run (each is one decrypt, one encrypt and one write). */
const RESEALS_PER_RUN = 50;

/**
 * Connections the provider still lets us use: everything but disconnected ones and those whose grant
 * or password was refused (those wait for the person). An errored connection that can still read
 * (failed pushes, a lost write calendar) keeps being synced, and keeps its channels and tokens alive.
 */
function usable(): SQL {
	return and(ne(calendarConnections.status, "disconnected"), or(isNull(calendarConnections.errorKind), ne(calendarConnections.errorKind, "reauthorize"))) as SQL;
}

export function retryBackoffMs(attempts: number): number {
	return Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts));
}

/**
 * One calendar.sync ("cron") per checked Google and Microsoft calendar of every usable connection (a
 * push may be lost; the sync also renews channels and retries ones that could not be opened); returns
 * how many. Calendars that cannot push have their pollers, which ensurePollers keeps running.
 */
export async function enqueueSafetyNetSyncs(context: SyncContext): Promise<number> {
	const rows = await context.db
		.select({ id: connectionCalendars.id })
		.from(connectionCalendars)
		.innerJoin(calendarConnections, eq(connectionCalendars.connectionId, calendarConnections.id))
		.where(and(eq(connectionCalendars.checkConflicts, true), notInArray(calendarConnections.provider, [...POLLED_PROVIDERS]), usable()))
		.all();
	const jobs: CalendarSyncJob[] = rows.map((r) => ({ type: "calendar.sync", calendarId: r.id, reason: "cron" }));
	await sendJobs(context.queue, jobs);
	return jobs.length;
}

/**
 * Restarts the poller of every usable connection with a polled calendar (polling.ts) whose schedule
 * stopped (ensure is idempotent: a running one only re-reads its connection); returns how many.
 */
export async function ensurePollers(context: SyncContext): Promise<number> {
	const rows = await context.db
		.select({
			connectionId: calendarConnections.id,
			provider: calendarConnections.provider,
			checkConflicts: connectionCalendars.checkConflicts,
			readable: connectionCalendars.readable,
			pushChannelId: connectionCalendars.pushChannelId,
			lastSyncedAt: connectionCalendars.lastSyncedAt,
			unavailableSince: connectionCalendars.unavailableSince,
		})
		.from(connectionCalendars)
		.innerJoin(calendarConnections, eq(connectionCalendars.connectionId, calendarConnections.id))
		.where(and(eq(connectionCalendars.checkConflicts, true), usable()))
		.all();
	const polled = [...new Set(rows.filter((row) => isPolled(row.provider, row)).map((row) => row.connectionId))];
	for (let i = 0; i < polled.length; i += ENSURE_BATCH) {
		await Promise.all(polled.slice(i, i + ENSURE_BATCH).map((id) => ensurePolling(context.env, id)));
	}
	return polled.length;
}

/**
 * Refreshes OAuth access tokens that expire soon (Google, Microsoft, Zoom: its hour-long tokens stay fresh
 * for the meeting jobs, and its refresh token never idles out); a dead grant puts its connection in Error.
 */
export async function refreshExpiringTokens(context: SyncContext): Promise<number> {
	const due = await context.db
		.select()
		.from(calendarConnections)
		.where(
			and(
				usable(),
				inArray(calendarConnections.provider, ["google", "microsoft", "zoom"]),
				isNotNull(calendarConnections.accessTokenExpiresAt),
				lt(calendarConnections.accessTokenExpiresAt, context.now() + TOKEN_REFRESH_AHEAD_MS),
			),
		)
		.limit(TOKEN_REFRESHES_PER_RUN)
		.all();
	let refreshed = 0;
	for (const connection of due) {
		try {
			const { credentials, stored } = await openCredentials(context, connection);
			if (credentials.kind !== "oauth" || (connection.provider !== "google" && connection.provider !== "microsoft" && connection.provider !== "zoom")) continue;
			await new StoredTokenSource(context, { ...stored, provider: connection.provider }, credentials).refresh();
			refreshed++;
		} catch (error) {
			if (error instanceof TokenRevokedError) await needsReauthorization(context, connection);
			else await logOperation(context.db, connection.id, "refresh-token", "error", errorSummary(error), context.now());
		}
	}
	return refreshed;
}

/**
 * Retries connections in Error that can heal without the person (failed pushes, a write calendar
 * that may be back), each on its own backoff. Ones needing re-authorisation wait for the person.
 */
export async function retryErroredConnections(context: SyncContext): Promise<number> {
	const now = context.now();
	// Healthy for a day since the last automatic retry: forget the attempts.
	await context.db
		.update(calendarConnections)
		.set({ retryAttempts: 0, nextRetryAt: null })
		.where(and(eq(calendarConnections.status, "active"), isNotNull(calendarConnections.nextRetryAt), lt(calendarConnections.nextRetryAt, now - RETRY_FORGET_MS)));
	const due = await context.db
		.select()
		.from(calendarConnections)
		.where(
			and(
				eq(calendarConnections.status, "error"),
				ne(calendarConnections.errorKind, "reauthorize"),
				or(isNull(calendarConnections.nextRetryAt), lte(calendarConnections.nextRetryAt, now)),
			),
		)
		.all();
	for (const connection of due) {
		try {
			await retryConnection(context, connection);
		} catch (error) {
			if (error instanceof TokenRevokedError) await needsReauthorization(context, connection);
			else await logOperation(context.db, connection.id, "auto-retry", "error", errorSummary(error), now);
		}
		const attempts = connection.retryAttempts + 1;
		await context.db
			.update(calendarConnections)
			.set({ retryAttempts: attempts, nextRetryAt: now + retryBackoffMs(attempts - 1) })
			.where(eq(calendarConnections.id, connection.id));
	}
	return due.length;
}

async function retryConnection(context: SyncContext, connection: ConnectionRow): Promise<void> {
	// Zoom has no calendars: only its waiting work can be retried (its meetings retry through their own jobs).
	if (connection.errorKind === "push-failed" || !isCalendarConnection(connection)) {
		await retryRetryable(context, connection);
		return;
	}
	// calendar-unavailable: is the write calendar listed and writable again?
	const { listed } = await refreshCalendars(context, connection);
	const target = (await calendarsOf(context.db, connection.id)).find((c) => c.isWriteTarget);
	const back = target !== undefined && listed.some((c) => c.id === target.externalId && c.writable);
	if (!back) {
		await logOperation(context.db, connection.id, "auto-retry", "retry", "the write calendar is still unavailable", context.now());
		return;
	}
	await setStatus(context.db, connection.id, "active", null, context.now());
	await drainPending(context, connection.id, ["waiting"]);
	await logOperation(context.db, connection.id, "auto-retry", "ok", "the write calendar is back", context.now());
}

/**
 * Re-seals credentials still under an older key of ENCRYPTION_KEYS (and moves legacy plain ICS feed
 * URLs into the sealed credentials). Using a connection does this too; this reaches the idle ones, so
 * once it has run through them the old key can be removed. Returns how many were re-sealed.
 */
export async function resealOldCredentials(context: SyncContext): Promise<number> {
	const due = await context.db
		.select()
		.from(calendarConnections)
		.where(
			and(
				isNotNull(calendarConnections.credentials),
				or(ne(calendarConnections.credentialsKeyId, context.vault.currentKeyId), and(eq(calendarConnections.provider, "ics"), isNotNull(calendarConnections.serverUrl))),
			),
		)
		.limit(RESEALS_PER_RUN)
		.all();
	let resealed = 0;
	for (const connection of due) {
		try {
			await decryptCredentials(context, connection);
			resealed++;
		} catch (error) {
			// A record whose key is already gone from the keyring: only the person can fix it, by reconnecting.
			await logOperation(context.db, connection.id, "reseal-credentials", "error", errorSummary(error), context.now());
		}
	}
	return resealed;
}
