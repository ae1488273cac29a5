// Connection lifecycle: connect (or reconnect the same account), pick calendars, error states and the
// owner's alert, disconnect, resync, and draining pushes that waited for the connection to work again.
import { and, eq, gte, inArray } from "drizzle-orm";
import type { CalendarInfo, CalendarProvider } from "../calendars/provider";
import type { Database } from "../db/client";
import { calendarsOf, connectionById, findSameAccount, logOperation, setStatus, takePending, writeTargets } from "../db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow, PendingState } from "../db/queries/connections";
import { markCalendarDirty } from "../db/queries/event-links";
import { bookings, busyBlocks, calendarConnections, connectionCalendars, memberships, merchants, users } from "../db/schema";
import type { CalendarProvider as ProviderName } from "../db/schema";
import { UnprocessableError } from "../errors";
import { newId } from "../ids";
import { jobQueue } from "../jobs";
import type { CalendarPushJob, Job } from "../jobs";
import type { Mailer } from "../mail/mailer";
import { mailerFor } from "../mail/mailer";
import { openAdapter } from "./adapters";
import { CredentialVault } from "./credentials";
import type { ConnectionCredentials } from "./credentials";
import { storeCredentials } from "./tokens";

export interface SyncContext {
	env: Env;
	db: Database;
	vault: CredentialVault;
	mailer: Mailer;
	queue: Queue<Job>;
	now: () => number;
}

/** Opens a connection's adapter; overridable so tests and the dev seed can use the same code paths. */
export function adapterFor(context: SyncContext, connection: ConnectionRow): Promise<CalendarProvider> {
	return openAdapter(context, connection);
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

/** Re-enqueues a connection's pending pushes (all of them, or only those in `states`). */
export async function drainPending(context: SyncContext, connectionId: string, states: PendingState[]): Promise<number> {
	const bookingIds = await takePending(context.db, connectionId, states);
	if (bookingIds.length === 0) return 0;
	return enqueuePushes(context, bookingIds);
}

/**
 * Pushes every current and future booking of the connection's owner again. Event links keep their
 * event ids and only forget their version, so each push updates the event it already made.
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
	const pending = await takePending(context.db, connection.id, ["waiting", "failed"]);
	const ids = [...new Set([...rows.map((r) => r.id), ...pending])];
	await logOperation(context.db, connection.id, "resync", "ok", `${ids.length} bookings queued`, context.now());
	return enqueuePushes(context, ids);
}

export interface ConnectRequest {
	merchantId: string;
	staffId: string | null;
	provider: ProviderName;
	accountLabel: string;
	credentials: ConnectionCredentials;
	accessTokenExpiresAt: number | null;
	serverUrl: string | null;
}

/**
 * Stores a new connection, or brings back the existing one for the same account (keeping its
 * calendars and event links, so nothing is written twice), then reads its calendar list.
 */
export async function connect(context: SyncContext, request: ConnectRequest): Promise<ConnectionRow> {
	const now = context.now();
	const existing = await findSameAccount(context.db, request);
	const id = existing?.id ?? newId("con");
	if (existing === null) {
		await context.db.insert(calendarConnections).values({
			id,
			merchantId: request.merchantId,
			staffId: request.staffId,
			provider: request.provider,
			accountLabel: request.accountLabel,
			status: "active",
			serverUrl: request.serverUrl,
			updatedAt: now,
		});
	} else {
		await context.db.update(calendarConnections).set({ serverUrl: request.serverUrl }).where(eq(calendarConnections.id, id));
	}
	await storeCredentials(context.db, context.vault, id, request.credentials, request.accessTokenExpiresAt, now);
	await setStatus(context.db, id, "active", null, now);
	await logOperation(context.db, id, existing === null ? "connect" : "reconnect", "ok", null, now);
	const connection = await mustConnection(context.db, id);
	const { rows, listed } = await refreshCalendars(context, connection);
	const listedIds = new Set(listed.map((c) => c.id));
	// No write calendar yet, or the chosen one is no longer in the account: fall back to the main one.
	if (!rows.some((c) => c.isWriteTarget && listedIds.has(c.externalId))) {
		// A sensible default the person can change: write to, and check, the account's main calendar.
		const primary = listed.find((c) => c.primary && c.writable);
		const row = rows.find((r) => r.externalId === primary?.id);
		if (row !== undefined) await chooseCalendars(context, connection, { writeCalendarId: row.id, conflictCalendarIds: [row.id] });
	}
	// Work that waited for this account (revoked grant) goes out now; a reconnect after a
	// disconnect pushes everything again, updating the events it had already written.
	if (existing !== null) await resync(context, connection);
	// A reconnected account syncs its checked calendars again (and reopens their channels).
	if (existing !== null) await enqueueSyncs(context, (await calendarsOf(context.db, id)).filter((c) => c.checkConflicts).map((c) => c.id));
	return mustConnection(context.db, id);
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
	for (const calendar of listed) {
		await context.db
			.insert(connectionCalendars)
			.values({ id: newId("cal"), connectionId: connection.id, externalId: calendar.id, name: calendar.name, writable: calendar.writable })
			.onConflictDoUpdate({ target: [connectionCalendars.connectionId, connectionCalendars.externalId], set: { name: calendar.name, writable: calendar.writable } });
	}
	await logOperation(context.db, connection.id, "list-calendars", "ok", `${listed.length} calendars`, context.now());
	return { rows: await calendarsOf(context.db, connection.id), listed };
}

export interface CalendarChoice {
	/** connection_calendars.id Slotline writes to, or null to write nowhere through this connection. */
	writeCalendarId: string | null;
	/** connection_calendars.ids whose events block time. */
	conflictCalendarIds: string[];
}

/**
 * Applies the person's choice. A new write calendar clears a "calendar unavailable" error and
 * drains the pushes that waited for it; every current and future booking goes to the new calendar.
 */
export async function chooseCalendars(context: SyncContext, connection: ConnectionRow, choice: CalendarChoice): Promise<void> {
	const calendars = await calendarsOf(context.db, connection.id);
	const byId = new Map(calendars.map((c) => [c.id, c]));
	const write = choice.writeCalendarId === null ? null : byId.get(choice.writeCalendarId);
	if (write === undefined) throw new UnprocessableError("unknown-calendar", "The write calendar is not one of this connection's calendars.");
	if (write !== null && !write.writable) throw new UnprocessableError("calendar-read-only", `${write.name} cannot be written to.`);
	for (const id of choice.conflictCalendarIds) {
		if (!byId.has(id)) throw new UnprocessableError("unknown-calendar", "A conflict calendar is not one of this connection's calendars.");
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
	if (connection.status === "error" && connection.errorKind === "calendar-unavailable" && write !== null) {
		await setStatus(context.db, connection.id, "active", null, context.now());
	}
	if (changedWrite && write !== null) await resync(context, { ...connection, status: "active" });
	// Inbound sync: a calendar that became checked gets its first sync (which opens its push channel);
	// one that no longer is loses its busy blocks and channel.
	const toggled = calendars.filter((c) => c.checkConflicts !== choice.conflictCalendarIds.includes(c.id));
	await enqueueSyncs(context, toggled.map((c) => c.id));
}

/** One calendar.sync per calendar, for the inbound side (src/sync/inbound.ts). */
async function enqueueSyncs(context: SyncContext, calendarIds: string[]): Promise<void> {
	for (let i = 0; i < calendarIds.length; i += SEND_BATCH) {
		const jobs = calendarIds.slice(i, i + SEND_BATCH).map((calendarId) => ({ body: { type: "calendar.sync" as const, calendarId, reason: "connect" as const }, contentType: "json" as const }));
		await context.queue.sendBatch(jobs);
	}
}

/** The grant is gone: Error with a request to re-authorise, and the owner is told once. */
export async function needsReauthorization(context: SyncContext, connection: ConnectionRow): Promise<void> {
	if (connection.status === "error" && connection.errorKind === "reauthorize") return;
	const message = `Slotline lost access to ${connection.accountLabel}. Reconnect this calendar to resume syncing.`;
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

/** Pushes exhausted their retries: Error until the admin retries them. */
export async function pushesFailed(context: SyncContext, connection: ConnectionRow, detail: string): Promise<void> {
	if (connection.status !== "active") return;
	await setStatus(context.db, connection.id, "error", { kind: "push-failed", message: `Some bookings could not be written to the calendar (${detail}). Retry them from the Integrations page.` }, context.now());
}

/** Retries the connection's failed pushes and clears a push-failed error. */
export async function retryFailed(context: SyncContext, connection: ConnectionRow): Promise<number> {
	if (connection.status === "error" && connection.errorKind === "push-failed") await setStatus(context.db, connection.id, "active", null, context.now());
	const count = await drainPending(context, connection.id, ["failed", "waiting"]);
	await logOperation(context.db, connection.id, "retry-failed", "ok", `${count} pushes queued`, context.now());
	return count;
}

/**
 * Stops push channels (best effort), deletes the stored credentials and stops writing. Events already
 * written stay in the calendar and every booking stays in Slotline.
 */
export async function disconnect(context: SyncContext, connection: ConnectionRow): Promise<void> {
	const calendars = await calendarsOf(context.db, connection.id);
	const watched = calendars.filter((c) => c.pushChannelId !== null);
	if (watched.length > 0 && connection.credentials !== null) {
		try {
			const adapter = await adapterFor(context, connection);
			for (const calendar of watched) {
				await adapter.push?.stop({ id: calendar.pushChannelId ?? "", resourceId: calendar.pushResourceId, expiresAt: calendar.pushExpiresAt ?? 0 });
			}
		} catch (error) {
			await logOperation(context.db, connection.id, "stop-push", "error", errorSummary(error), context.now());
		}
	}
	const now = context.now();
	await context.db.batch([
		context.db
			.update(calendarConnections)
			.set({ status: "disconnected", errorKind: null, statusMessage: null, credentials: null, credentialsKeyId: null, accessTokenExpiresAt: null, updatedAt: now })
			.where(eq(calendarConnections.id, connection.id)),
		// A disconnected calendar no longer blocks time; a reconnect starts from a full sync.
		context.db.delete(busyBlocks).where(
			inArray(
				busyBlocks.calendarId,
				context.db.select({ id: connectionCalendars.id }).from(connectionCalendars).where(eq(connectionCalendars.connectionId, connection.id)),
			),
		),
		context.db
			.update(connectionCalendars)
			.set({ pushChannelId: null, pushResourceId: null, pushSecretHash: null, pushExpiresAt: null, syncCursor: null, changeTag: null })
			.where(eq(connectionCalendars.connectionId, connection.id)),
	]);
	await logOperation(context.db, connection.id, "disconnect", "ok", null, now);
}

async function alertOwners(context: SyncContext, connection: ConnectionRow, message: string): Promise<void> {
	const owners = await context.db
		.select({ email: users.email, merchantName: merchants.name })
		.from(memberships)
		.innerJoin(users, eq(users.id, memberships.userId))
		.innerJoin(merchants, eq(merchants.id, memberships.merchantId))
		.where(and(eq(memberships.merchantId, connection.merchantId), eq(memberships.role, "owner")))
		.all();
	const url = new URL("/admin/integrations", context.env.APP_URL).toString();
	for (const owner of owners) {
		try {
			await context.mailer.send({ to: owner.email, subject: `Calendar sync needs attention (${owner.merchantName})`, text: `${message}\n\nOpen ${url} to fix it.\n` });
		} catch (error) {
			await logOperation(context.db, connection.id, "alert-owner", "error", errorSummary(error), context.now());
		}
	}
}

/** An error for the connection log: its class and message, which never hold credentials (see calendars/provider.ts). */
export function errorSummary(error: unknown): string {
	return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : "unknown error";
}

/** The context sync code runs in, from the Worker's bindings. */
export function syncContextFor(env: Env, db: Database, mailer: Mailer = mailerFor(env)): SyncContext {
	return { env, db, vault: new CredentialVault(env.ENCRYPTION_KEYS), mailer, queue: jobQueue(env), now: () => Date.now() };
}
