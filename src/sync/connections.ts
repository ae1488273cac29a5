// Connection lifecycle: connect (or reconnect the same account) once its credentials have proved to work,
// pick calendars, error states and the owner's alert, calendars that vanish, disconnect, resync, and
// draining pushes that waited for the connection to work again.
import { and, eq, gte, inArray, sql } from "drizzle-orm";
import { merchantSchedule } from "../booking/merchant-schedule";
import { maskFeedUrl } from "../calendars/ics-feed";
import type { CalendarInfo, CalendarProvider, ProviderName } from "../calendars/provider";
import { ProviderError, TokenRevokedError } from "../calendars/provider";
import type { Database } from "../db/client";
import {
	calendarsOf,
	connectionById,
	connectionsOf,
	findSameAccount,
	liveBusinessConnection,
	logOperation,
	setStatus,
	staleEventLinks,
	takePending,
	writeTargets,
} from "../db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow, PendingSelection } from "../db/queries/connections";
import { markCalendarDirty } from "../db/queries/event-links";
import { ownersOf } from "../db/queries/users";
import { bookings, calendarConnections, connectionCalendars } from "../db/schema";
import { AppError, UnprocessableError } from "../errors";
import { newId } from "../ids";
import { jobQueue } from "../jobs";
import type { CalendarPushJob, Job } from "../jobs";
import type { Mailer } from "../mail/mailer";
import { mailerFor } from "../mail/mailer";
import { decryptCredentials, openAdapter, unstoredAdapter } from "./adapters";
import { ensurePolling, isPolledProvider } from "./polling";
import type { UnstoredConnection } from "./adapters";
import { CredentialKeyError, CredentialVault } from "./credentials";
import type { ConnectionCredentials } from "./credentials";

export interface SyncContext {
	env: Env;
	db: Database;
	vault: CredentialVault;
	mailer: Mailer;
	queue: Queue<Job>;
	now: () => number;
}

/** Opens a connection's adapter; overridable so tests and the dev seed can use the same code paths. */
export function adapterFor(context: SyncContext, connection: ConnectionRow, ownAddresses?: string[]): Promise<CalendarProvider> {
	return openAdapter(context, connection, ownAddresses);
}

/** 409: the merchant has a calendar for the whole business already; only one is allowed. */
export class BusinessCalendarTakenError extends AppError {
	readonly status = 409;
	readonly code = "business-calendar-exists";
	readonly title = "The business already has a calendar";

	constructor(readonly existing: { id: string; account: string }) {
		super(`The business calendar is already ${existing.account}. Disconnect it before connecting another one.`);
	}

	override extensions(): Record<string, unknown> {
		return { connectionId: this.existing.id };
	}
}

const SEND_BATCH = 100;

async function sendJobs(context: SyncContext, jobs: CalendarPushJob[]): Promise<void> {
	for (let i = 0; i < jobs.length; i += SEND_BATCH) {
		await context.queue.sendBatch(jobs.slice(i, i + SEND_BATCH).map((body) => ({ body, contentType: "json" as const })));
	}
}

/** One calendar.push per current write target of each booking (at its current version). */
export async function enqueuePushes(context: SyncContext, bookingIds: string[]): Promise<number> {
	const jobs: CalendarPushJob[] = [];
	for (let i = 0; i < bookingIds.length; i += 50) {
		const rows = await context.db
			.select({ id: bookings.id, merchantId: bookings.merchantId, staffId: bookings.staffId, version: bookings.version })
			.from(bookings)
			.where(inArray(bookings.id, bookingIds.slice(i, i + 50)))
			.all();
		for (const row of rows) {
			for (const target of await writeTargets(context.db, row.merchantId, row.staffId)) {
				jobs.push({ type: "calendar.push", bookingId: row.id, calendarId: target.calendarId, version: row.version });
			}
		}
	}
	await sendJobs(context, jobs);
	return jobs.length;
}

/** Re-enqueues a connection's pending pushes that match `selection`. */
export async function drainPending(context: SyncContext, connectionId: string, selection: PendingSelection[]): Promise<number> {
	const bookingIds = await takePending(context.db, connectionId, selection);
	if (bookingIds.length === 0) return 0;
	return enqueuePushes(context, bookingIds);
}

/**
 * Pushes every current and future booking of the connection's owner again, and deletes the events of
 * bookings cancelled while the connection could not be written (or was disconnected). Event links keep
 * their event ids and only forget their version, so each push updates the event it already made.
 */
export async function resync(context: SyncContext, connection: ConnectionRow): Promise<number> {
	const calendars = (await calendarsOf(context.db, connection.id)).filter((c) => c.isWriteTarget);
	for (const calendar of calendars) await markCalendarDirty(context.db, calendar.id);
	const owned = connection.staffId === null ? undefined : eq(bookings.staffId, connection.staffId);
	const rows = await context.db
		.select({ id: bookings.id })
		.from(bookings)
		.where(and(eq(bookings.merchantId, connection.merchantId), eq(bookings.status, "confirmed"), gte(bookings.endsAt, context.now()), owned))
		.all();
	const pending = await takePending(context.db, connection.id, ["waiting", "failed-any"]);
	const ids = [...new Set([...rows.map((r) => r.id), ...pending])];
	// Each stale event goes through its own calendar, which may no longer be a write target.
	const stale = await staleEventLinks(context.db, connection.id);
	await sendJobs(context, stale.map((link) => ({ type: "calendar.push", bookingId: link.bookingId, calendarId: link.calendarId, version: link.version })));
	await logOperation(context.db, connection.id, "resync", "ok", `${ids.length} bookings queued, ${stale.length} cancelled events to remove`, context.now());
	return (await enqueuePushes(context, ids)) + stale.length;
}

export interface ConnectRequest {
	merchantId: string;
	staffId: string | null;
	provider: ProviderName;
	accountLabel: string;
	credentials: ConnectionCredentials;
	accessTokenExpiresAt: number | null;
	serverUrl: string | null;
	/** The account's calendars, just read with these credentials: nothing is stored before they worked. */
	calendars: CalendarInfo[];
}

/**
 * Stores a new connection, or brings back the existing one for the same account (keeping its
 * calendars and event links, so nothing is written twice), with credentials that have just worked.
 * A business-wide connection is refused while another account is the business calendar.
 */
export async function connect(context: SyncContext, request: ConnectRequest): Promise<ConnectionRow> {
	const now = context.now();
	const existing = await findSameConnection(context, request);
	if (request.staffId === null) {
		const business = await liveBusinessConnection(context.db, request.merchantId);
		if (business !== null && business.id !== existing?.id) throw new BusinessCalendarTakenError({ id: business.id, account: business.accountLabel });
	}
	const sealed = await context.vault.seal(request.credentials);
	const id = existing?.id ?? newId("con");
	const stored = { credentials: sealed.ciphertext, credentialsKeyId: sealed.keyId, accessTokenExpiresAt: request.accessTokenExpiresAt, serverUrl: request.serverUrl };
	try {
		if (existing === null) {
			await context.db.insert(calendarConnections).values({
				id,
				merchantId: request.merchantId,
				staffId: request.staffId,
				provider: request.provider,
				accountLabel: request.accountLabel,
				status: "active",
				updatedAt: now,
				...stored,
			});
		} else {
			await context.db
				.update(calendarConnections)
				.set({ ...stored, status: "active", errorKind: null, statusMessage: null, retryAttempts: 0, nextRetryAt: null, updatedAt: now })
				.where(eq(calendarConnections.id, id));
		}
	} catch (error) {
		// Two business connections raced past the check: the unique index kept the first.
		const business = request.staffId === null ? await liveBusinessConnection(context.db, request.merchantId) : null;
		if (business !== null && business.id !== id) throw new BusinessCalendarTakenError({ id: business.id, account: business.accountLabel });
		throw error;
	}
	await logOperation(context.db, id, existing === null ? "connect" : "reconnect", "ok", null, now);
	const connection = await mustConnection(context.db, id);
	const rows = await storeCalendars(context, connection, request.calendars);
	const listedIds = new Set(request.calendars.map((c) => c.id));
	// No write calendar yet, or the chosen one is no longer in the account: fall back to the main one.
	if (!rows.some((c) => c.isWriteTarget && listedIds.has(c.externalId))) {
		// A sensible default the person can change: write to, and check, the account's main calendar.
		const primary = request.calendars.find((c) => c.primary && c.writable);
		const row = rows.find((r) => r.externalId === primary?.id);
		if (row !== undefined) await chooseCalendars(context, connection, { writeCalendarId: row.id, conflictCalendarIds: row.readable ? [row.id] : [] });
		// A feed cannot be written to: it is there to block time.
		else if (request.provider === "ics" && rows[0] !== undefined) await chooseCalendars(context, connection, { writeCalendarId: null, conflictCalendarIds: [rows[0].id] });
	}
	// Work that waited for this account (revoked grant) goes out now; a reconnect after a
	// disconnect pushes everything again, updating the events it had already written.
	if (existing !== null) await resync(context, connection);
	// A reconnected account syncs its checked calendars again (and reopens their channels).
	if (existing !== null) await enqueueSyncs(context, (await calendarsOf(context.db, id)).filter((c) => c.checkConflicts).map((c) => c.id));
	// A new or re-entered password, or a feed: its poller starts (again) and reads the connection afresh.
	if (isPolledProvider(request.provider)) await ensurePolling(context.env, id);
	return mustConnection(context.db, id);
}

/**
 * The stored connection of the same account and owner. A feed's "account" is its URL, which only
 * the sealed credentials hold (the label is masked), so feeds are compared by opening them.
 */
async function findSameConnection(context: SyncContext, request: ConnectRequest): Promise<ConnectionRow | null> {
	if (request.credentials.kind !== "feed") return findSameAccount(context.db, request);
	const url = request.credentials.url;
	for (const row of await connectionsOf(context.db, request.merchantId, request.staffId)) {
		if (row.provider !== "ics" || row.credentials === null) continue;
		const stored = await decryptCredentials(context, row).catch((error: unknown) => {
			if (error instanceof CredentialKeyError || error instanceof ProviderError) return null;
			throw error;
		});
		if (stored?.kind === "feed" && stored.url === url) return row;
	}
	return null;
}

/**
 * Connects a CalDAV/iCloud account or an ICS feed: the credentials are tried first (discovery and the
 * calendar list, or one read of the feed), and only a connection that works is stored. Errors of the
 * provider (a refused password, an unreachable server) reach the caller with nothing stored.
 */
export async function connectUnstored(context: SyncContext, owner: { merchantId: string; staffId: string | null }, unstored: UnstoredConnection): Promise<ConnectionRow> {
	const calendars = await unstoredAdapter(context.env, unstored).listCalendars();
	return connect(context, {
		...owner,
		provider: unstored.provider,
		accountLabel: unstored.accountLabel,
		credentials: unstored.credentials,
		accessTokenExpiresAt: null,
		serverUrl: unstored.serverUrl,
		calendars,
	});
}

/** What a person types to connect a calendar without OAuth: a CalDAV or iCloud account, or an ICS feed's address. */
export type TypedCredentials =
	| { provider: "ics"; feedUrl: string }
	| { provider: "caldav" | "icloud"; serverUrl: string | null; username: string; password: string };

/** connectUnstored with what was typed; the feed URL may carry a secret token: it is stored sealed, and shown only masked. */
export function connectTyped(context: SyncContext, owner: { merchantId: string; staffId: string | null }, typed: TypedCredentials): Promise<ConnectionRow> {
	const unstored: UnstoredConnection =
		typed.provider === "ics"
			? { provider: "ics", credentials: { kind: "feed", url: typed.feedUrl }, serverUrl: null, accountLabel: maskFeedUrl(typed.feedUrl) }
			: { provider: typed.provider, credentials: { kind: "password", username: typed.username, password: typed.password }, serverUrl: typed.serverUrl, accountLabel: typed.username };
	return connectUnstored(context, owner, unstored);
}

async function mustConnection(db: Database, id: string): Promise<ConnectionRow> {
	const row = await connectionById(db, id);
	if (row === null) throw new Error(`connection ${id} vanished`);
	return row;
}

/** Reads the provider's calendar list into connection_calendars (keeping each calendar's choices). */
export async function refreshCalendars(context: SyncContext, connection: ConnectionRow): Promise<{ rows: ConnectionCalendarRow[]; listed: CalendarInfo[] }> {
	const adapter = await adapterFor(context, connection);
	const listed = await adapter.listCalendars();
	return { rows: await storeCalendars(context, connection, listed), listed };
}

/**
 * refreshCalendars at the admin's request, where the provider's refusal (a changed password, an outage) is
 * a normal outcome: it goes to the connection's log, a revoked grant asks for re-authorisation, and the
 * ProviderError reaches the caller to be said on the page.
 */
export async function refreshCalendarsOnRequest(context: SyncContext, connection: ConnectionRow): Promise<void> {
	try {
		await refreshCalendars(context, connection);
	} catch (error) {
		if (!(error instanceof ProviderError)) throw error;
		await logOperation(context.db, connection.id, "list-calendars", "error", errorSummary(error), context.now());
		if (error instanceof TokenRevokedError) await needsReauthorization(context, connection);
		throw error;
	}
}

/**
 * Records a calendar list: new calendars are added, known ones keep the person's choices, ones that
 * are listed again are available again, and ones no longer listed (deleted, unshared) stop blocking time.
 */
async function storeCalendars(context: SyncContext, connection: ConnectionRow, listed: CalendarInfo[]): Promise<ConnectionCalendarRow[]> {
	for (const calendar of listed) {
		const shown = { name: calendar.name, writable: calendar.writable, readable: calendar.readable, unavailableSince: null };
		await context.db
			.insert(connectionCalendars)
			.values({ id: newId("cal"), connectionId: connection.id, externalId: calendar.id, ...shown })
			.onConflictDoUpdate({ target: [connectionCalendars.connectionId, connectionCalendars.externalId], set: shown });
	}
	const listedIds = new Set(listed.map((c) => c.id));
	for (const vanished of (await calendarsOf(context.db, connection.id)).filter((c) => !listedIds.has(c.externalId))) {
		await calendarGone(context, connection, vanished, null);
	}
	await logOperation(context.db, connection.id, "list-calendars", "ok", `${listed.length} calendars`, context.now());
	return calendarsOf(context.db, connection.id);
}

/**
 * A calendar the provider no longer lets us read (404/403, or gone from the account's list): it is
 * marked unavailable for the Integrations page, its busy blocks go (it must not keep blocking time
 * with stale events), and a sync or channel in flight cannot bring them back (the generation moves).
 * Checked calendars keep being polled, so one that comes back syncs again by itself.
 */
export async function calendarGone(context: SyncContext, connection: ConnectionRow, calendar: ConnectionCalendarRow, adapter: CalendarProvider | null): Promise<void> {
	if (calendar.unavailableSince !== null) return;
	const now = context.now();
	const [moved] = await context.db
		.update(connectionCalendars)
		.set({
			unavailableSince: now,
			syncCursor: null,
			syncGeneration: sql`${connectionCalendars.syncGeneration} + 1`,
			pushChannelId: null,
			pushResourceId: null,
			pushSecretHash: null,
			pushExpiresAt: null,
		})
		.where(eq(connectionCalendars.id, calendar.id))
		.returning({ generation: connectionCalendars.syncGeneration });
	if (moved === undefined) return;
	try {
		await merchantSchedule(context.env, connection.merchantId).clearCalendar(calendar.id, moved.generation);
	} catch (error) {
		// Marked available again, so the retry (the job's, or the next listing) does all of it again
		// instead of finding the calendar already marked and its blocks still there.
		await context.db
			.update(connectionCalendars)
			.set({ unavailableSince: null })
			.where(and(eq(connectionCalendars.id, calendar.id), eq(connectionCalendars.syncGeneration, moved.generation)));
		throw error;
	}
	await logOperation(context.db, connection.id, "calendar-unavailable", "error", `${calendar.name} was deleted or unshared; it no longer blocks time`, now);
	if (adapter === null || adapter.push === null || calendar.pushChannelId === null) return;
	try {
		await adapter.push.stop({ id: calendar.pushChannelId, resourceId: calendar.pushResourceId, expiresAt: calendar.pushExpiresAt ?? 0 });
	} catch (error) {
		await logOperation(context.db, connection.id, "stop-push", "error", errorSummary(error), context.now());
	}
}

export interface CalendarChoice {
	/** connection_calendars.id Slotline writes to, or null to write nowhere through this connection. */
	writeCalendarId: string | null;
	/** connection_calendars.ids whose events block time. */
	conflictCalendarIds: string[];
}

/**
 * Applies the person's choice. A write calendar picked while the connection is in "calendar
 * unavailable" clears the error (a new one, or the same one restored) and drains the pushes that
 * waited for it; a new write calendar gets every current and future booking.
 */
export async function chooseCalendars(context: SyncContext, connection: ConnectionRow, choice: CalendarChoice): Promise<void> {
	const recovering = connection.status === "error" && connection.errorKind === "calendar-unavailable";
	// The lost calendar may be back (restored, reshared): read the list so it counts as writable again.
	if (recovering) {
		await refreshCalendars(context, connection).catch(async (error: unknown) => {
			await logOperation(context.db, connection.id, "list-calendars", "error", errorSummary(error), context.now());
		});
	}
	const calendars = await calendarsOf(context.db, connection.id);
	const byId = new Map(calendars.map((c) => [c.id, c]));
	const write = choice.writeCalendarId === null ? null : byId.get(choice.writeCalendarId);
	if (write === undefined) throw new UnprocessableError("unknown-calendar", "The write calendar is not one of this connection's calendars.");
	if (write !== null && !write.writable) throw new UnprocessableError("calendar-read-only", `${write.name} cannot be written to.`);
	for (const id of choice.conflictCalendarIds) {
		const calendar = byId.get(id);
		if (calendar === undefined) throw new UnprocessableError("unknown-calendar", "A conflict calendar is not one of this connection's calendars.");
		if (!calendar.readable) {
			throw new UnprocessableError("calendar-not-readable", `${calendar.name} belongs to someone else; Slotline can only check calendars the account owns for conflicts.`);
		}
	}
	const changedWrite = calendars.find((c) => c.isWriteTarget)?.id !== write?.id;
	await context.db.batch([
		context.db.update(connectionCalendars).set({ isWriteTarget: false, checkConflicts: false }).where(eq(connectionCalendars.connectionId, connection.id)),
		...(write === null ? [] : [context.db.update(connectionCalendars).set({ isWriteTarget: true }).where(eq(connectionCalendars.id, write.id))]),
		...(choice.conflictCalendarIds.length === 0
			? []
			: [context.db.update(connectionCalendars).set({ checkConflicts: true }).where(inArray(connectionCalendars.id, choice.conflictCalendarIds))]),
	]);
	await logOperation(context.db, connection.id, "choose-calendars", "ok", write === null ? "no write calendar" : `writes to ${write.name}`, context.now());
	if (recovering && write !== null) await setStatus(context.db, connection.id, "active", null, context.now());
	// A new write calendar gets everything (which also takes what waited); the same one, restored, gets what waited.
	if (changedWrite && write !== null) await resync(context, { ...connection, status: "active" });
	else if (recovering && write !== null) await drainPending(context, connection.id, ["waiting"]);
	// Inbound sync: a calendar that became checked gets its first sync (which opens its push channel);
	// one that no longer is loses its busy blocks and channel.
	const toggled = calendars.filter((c) => c.checkConflicts !== choice.conflictCalendarIds.includes(c.id));
	await enqueueSyncs(context, toggled.map((c) => c.id));
	// Its poller reads the new choice now rather than from its cached copy (one with nothing checked stops).
	if (isPolledProvider(connection.provider) && toggled.length > 0) await ensurePolling(context.env, connection.id);
}

/** One calendar.sync per calendar, for the inbound side (src/sync/inbound.ts). */
async function enqueueSyncs(context: SyncContext, calendarIds: string[]): Promise<void> {
	for (let i = 0; i < calendarIds.length; i += SEND_BATCH) {
		const jobs = calendarIds.slice(i, i + SEND_BATCH).map((calendarId) => ({ body: { type: "calendar.sync" as const, calendarId, reason: "connect" as const }, contentType: "json" as const }));
		await context.queue.sendBatch(jobs);
	}
}

/** What the person is asked to do when the provider refuses the stored credentials. */
function reauthorizationMessage(connection: ConnectionRow): string {
	switch (connection.provider) {
		case "icloud":
			return `iCloud refused the app-specific password for ${connection.accountLabel}. App-specific passwords stop working when the Apple ID password changes or they are revoked; make a new one at appleid.apple.com and re-enter it here.`;
		case "caldav":
			return `The calendar server refused the saved password for ${connection.accountLabel}. Re-enter the password to resume syncing.`;
		default:
			return `Slotline lost access to ${connection.accountLabel}. Reconnect this calendar to resume syncing.`;
	}
}

/** The grant is gone: Error with a request to re-authorise, and the owner is told once. */
export async function needsReauthorization(context: SyncContext, connection: ConnectionRow): Promise<void> {
	if (connection.status === "error" && connection.errorKind === "reauthorize") return;
	const message = reauthorizationMessage(connection);
	await setStatus(context.db, connection.id, "error", { kind: "reauthorize", message }, context.now());
	await alertOwners(context, connection, message);
}

/** The write calendar is gone or read-only: Error naming it; pushes wait until another is picked. */
export async function calendarUnavailable(context: SyncContext, connection: ConnectionRow, calendar: ConnectionCalendarRow): Promise<void> {
	if (connection.status === "error" && connection.errorKind === "calendar-unavailable") return;
	const message = `The calendar "${calendar.name}" was deleted or can no longer be written to. Pick another calendar for bookings.`;
	await context.db.update(connectionCalendars).set({ writable: false }).where(eq(connectionCalendars.id, calendar.id));
	await setStatus(context.db, connection.id, "error", { kind: "calendar-unavailable", message }, context.now());
	await alertOwners(context, connection, message);
}

/** Pushes exhausted their retries: Error until they are retried. */
export async function pushesFailed(context: SyncContext, connection: ConnectionRow, detail: string): Promise<void> {
	if (connection.status !== "active") return;
	await setStatus(context.db, connection.id, "error", { kind: "push-failed", message: `Some bookings could not be written to the calendar (${detail}). Retry them from the Integrations page.` }, context.now());
}

/** The admin's retry: every failed push (also 4xx ones that failed for good) and every waiting one. */
export async function retryFailed(context: SyncContext, connection: ConnectionRow): Promise<number> {
	return retry(context, connection, ["failed-any", "waiting"], "retry-failed");
}

/**
 * The cron's retry of a push-failed connection: only pushes that may succeed by trying again (they ran
 * out of retries); a 4xx that cannot succeed stays failed until the admin retries it by hand.
 */
export async function retryRetryable(context: SyncContext, connection: ConnectionRow): Promise<number> {
	return retry(context, connection, ["failed-retryable", "waiting"], "auto-retry");
}

async function retry(context: SyncContext, connection: ConnectionRow, selection: PendingSelection[], operation: string): Promise<number> {
	if (connection.status === "error" && connection.errorKind === "push-failed") await setStatus(context.db, connection.id, "active", null, context.now());
	const count = await drainPending(context, connection.id, selection);
	await logOperation(context.db, connection.id, operation, "ok", `${count} pushes queued`, context.now());
	return count;
}

/**
 * Stops push channels (best effort), deletes the stored credentials and stops writing. Events already
 * written stay in the calendar and every booking stays in Slotline. The database goes first, so a sync
 * or channel renewal in flight finds the calendar's generation moved and cannot write anything back;
 * the calendars' busy blocks go from the merchant's object after the channels. If the object cannot be
 * reached this throws, unlogged, with the rest done; disconnecting again clears them, and so does
 * reconnecting (its first sync is a full one, which replaces them). `reason`, when Slotline rather than
 * a person disconnected it, goes into the log line.
 */
export async function disconnect(context: SyncContext, connection: ConnectionRow, reason: string | null = null): Promise<void> {
	const calendars = await calendarsOf(context.db, connection.id);
	const watched = calendars.filter((c) => c.pushChannelId !== null);
	// Opened before the credentials are deleted: stopping the channels needs them.
	const adapter = watched.length > 0 && connection.credentials !== null ? await adapterFor(context, connection).catch(() => null) : null;
	const now = context.now();
	const [, moved] = await context.db.batch([
		context.db
			.update(calendarConnections)
			.set({ status: "disconnected", errorKind: null, statusMessage: null, credentials: null, credentialsKeyId: null, accessTokenExpiresAt: null, updatedAt: now })
			.where(eq(calendarConnections.id, connection.id)),
		context.db
			.update(connectionCalendars)
			.set({ pushChannelId: null, pushResourceId: null, pushSecretHash: null, pushExpiresAt: null, syncCursor: null, changeTag: null, syncGeneration: sql`${connectionCalendars.syncGeneration} + 1` })
			.where(eq(connectionCalendars.connectionId, connection.id))
			.returning({ id: connectionCalendars.id, generation: connectionCalendars.syncGeneration }),
	]);
	for (const calendar of watched) {
		if (adapter === null) {
			await logOperation(context.db, connection.id, "stop-push", "error", `${calendar.name}: the stored credentials could not be opened; its channel lapses by itself`, context.now());
			continue;
		}
		try {
			await adapter.push?.stop({ id: calendar.pushChannelId ?? "", resourceId: calendar.pushResourceId, expiresAt: calendar.pushExpiresAt ?? 0 });
		} catch (error) {
			await logOperation(context.db, connection.id, "stop-push", "error", errorSummary(error), context.now());
		}
	}
	// A disconnected calendar no longer blocks time; a reconnect starts from a full sync.
	const schedule = merchantSchedule(context.env, connection.merchantId);
	await Promise.all(moved.map((calendar) => schedule.clearCalendar(calendar.id, calendar.generation)));
	await logOperation(context.db, connection.id, "disconnect", "ok", reason, now);
	// Its poller finds the connection gone and stops, instead of probing with the credentials it cached.
	if (isPolledProvider(connection.provider)) await ensurePolling(context.env, connection.id);
}

/**
 * A deactivated staff member's calendars stop syncing: each of their connections not yet disconnected
 * is disconnected exactly as the Disconnect button does (their access to the merchant is gone, so
 * nobody could otherwise stop it, and their external busy time must stop shaping anyone's day).
 * Returns how many were disconnected.
 */
export async function disconnectStaffConnections(context: SyncContext, merchantId: string, staffId: string): Promise<number> {
	const live = (await connectionsOf(context.db, merchantId, staffId)).filter((row) => row.status !== "disconnected");
	for (const row of live) await disconnect(context, row, "The staff member was deactivated");
	return live.length;
}

/**
 * Reads the staff member's checked CalDAV, iCloud and ICS calendars again in full after their
 * addresses changed: which events they declined depends on those addresses, and an incremental sync
 * would only look at events that changed since.
 */
export async function resyncMatchedByAddress(context: SyncContext, merchantId: string, staffId: string): Promise<void> {
	const matched = (await connectionsOf(context.db, merchantId, staffId)).filter((row) => row.status !== "disconnected" && (row.provider === "caldav" || row.provider === "icloud" || row.provider === "ics"));
	const calendarIds: string[] = [];
	for (const connection of matched) calendarIds.push(...(await calendarsOf(context.db, connection.id)).filter((c) => c.checkConflicts).map((c) => c.id));
	for (let i = 0; i < calendarIds.length; i += SEND_BATCH) {
		await context.queue.sendBatch(calendarIds.slice(i, i + SEND_BATCH).map((calendarId) => ({ body: { type: "calendar.sync" as const, calendarId, reason: "resync" as const }, contentType: "json" as const })));
	}
}

async function alertOwners(context: SyncContext, connection: ConnectionRow, message: string): Promise<void> {
	const owners = await ownersOf(context.db, connection.merchantId);
	const url = new URL("/admin/integrations", context.env.APP_URL).toString();
	for (const owner of owners) {
		try {
			await context.mailer.send({ to: owner.email, subject: `Calendar sync needs attention (${owner.merchantName})`, text: `${message}\n\nOpen ${url} to fix it.\n` });
		} catch (error) {
			await logOperation(context.db, connection.id, "alert-owner", "error", errorSummary(error), context.now());
		}
	}
}

/**
 * An error for the connection log. Typed errors carry only a provider, status and code (see
 * calendars/provider.ts) or a message written for people; anything else may quote what it failed on
 * (a parser quoting an event's text, say), so only its class is kept.
 */
export function errorSummary(error: unknown): string {
	if (error instanceof ProviderError || error instanceof AppError || error instanceof CredentialKeyError) return `${error.name}: ${error.message}`.slice(0, 500);
	return error instanceof Error ? error.name : "unknown error";
}

/** The context sync code runs in, from the Worker's bindings. */
export function syncContextFor(env: Env, db: Database, mailer: Mailer = mailerFor(env)): SyncContext {
	return { env, db, vault: new CredentialVault(env.ENCRYPTION_KEYS), mailer, queue: jobQueue(env), now: () => Date.now() };
}
