// Reads and writes of calendar connections, their calendars, the operation log and pending pushes.
import { and, desc, eq, inArray, isNull, lt, ne, or } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { ProviderName } from "../../calendars/provider";
import type { Database } from "../client";
import type { ConnectionProvider } from "../schema";
import { bookings, calendarConnections, connectionCalendars, connectionLog, eventLinks, pendingPushes } from "../schema";
import { NotFoundError } from "../../errors";

export type ConnectionRow = typeof calendarConnections.$inferSelect;
export type ConnectionCalendarRow = typeof connectionCalendars.$inferSelect;
export type ConnectionLogRow = typeof connectionLog.$inferSelect;
export type LogOutcome = ConnectionLogRow["outcome"];

/** A connection to a calendar provider: everything but Zoom, which has no calendars, adapter, poller or channels. */
export type CalendarConnectionRow = ConnectionRow & { provider: ProviderName };

/** The provider keeps calendars (Zoom, the one other connection provider, hosts meetings only). */
export function isCalendarProvider(provider: ConnectionProvider): provider is ProviderName {
	return provider !== "zoom";
}

export function isCalendarConnection(row: ConnectionRow): row is CalendarConnectionRow {
	return isCalendarProvider(row.provider);
}

/** How many log lines a connection keeps. */
export const LOG_LIMIT = 100;

export async function connectionById(db: Database, id: string): Promise<ConnectionRow | null> {
	return (await db.query.calendarConnections.findFirst({ where: eq(calendarConnections.id, id) })) ?? null;
}

/** A connection of this merchant; another merchant's is "not found". */
export async function connectionOf(db: Database, merchantId: string, id: string): Promise<ConnectionRow> {
	const row = await db.query.calendarConnections.findFirst({ where: and(eq(calendarConnections.id, id), eq(calendarConnections.merchantId, merchantId)) });
	if (row === undefined) throw new NotFoundError("Connection");
	return row;
}

/** The merchant's connections; with `staffId` only that person's (null = the business connection). */
export async function connectionsOf(db: Database, merchantId: string, staffId?: string | null): Promise<ConnectionRow[]> {
	const owner = staffId === undefined ? undefined : staffId === null ? isNull(calendarConnections.staffId) : eq(calendarConnections.staffId, staffId);
	return db.query.calendarConnections.findMany({ where: and(eq(calendarConnections.merchantId, merchantId), owner), orderBy: [calendarConnections.createdAt] });
}

/** The merchant's live (not disconnected) business-wide calendar connection, if any: there is at most one. */
export async function liveBusinessConnection(db: Database, merchantId: string): Promise<ConnectionRow | null> {
	const row = await db.query.calendarConnections.findFirst({
		where: and(eq(calendarConnections.merchantId, merchantId), isNull(calendarConnections.staffId), ne(calendarConnections.status, "disconnected"), ne(calendarConnections.provider, "zoom")),
	});
	return row ?? null;
}

/** The existing connection for the same account, so reconnecting reuses it (and its event links). */
export async function findSameAccount(
	db: Database,
	key: { merchantId: string; staffId: string | null; provider: ConnectionRow["provider"]; accountLabel: string },
): Promise<ConnectionRow | null> {
	const rows = await connectionsOf(db, key.merchantId, key.staffId);
	return rows.find((r) => r.provider === key.provider && r.accountLabel === key.accountLabel) ?? null;
}

export async function calendarsOf(db: Database, connectionId: string): Promise<ConnectionCalendarRow[]> {
	return db.query.connectionCalendars.findMany({ where: eq(connectionCalendars.connectionId, connectionId), orderBy: [connectionCalendars.name] });
}

export async function calendarById(db: Database, id: string): Promise<ConnectionCalendarRow | null> {
	return (await db.query.connectionCalendars.findFirst({ where: eq(connectionCalendars.id, id) })) ?? null;
}

/** The provider of each of these calendars that belongs to a connection of `merchantId` (others are absent). */
export async function calendarProviders(db: Database, merchantId: string, calendarIds: string[]): Promise<Map<string, ProviderName>> {
	if (calendarIds.length === 0) return new Map();
	const rows = await db
		.select({ id: connectionCalendars.id, provider: calendarConnections.provider })
		.from(connectionCalendars)
		.innerJoin(calendarConnections, eq(calendarConnections.id, connectionCalendars.connectionId))
		.where(and(eq(calendarConnections.merchantId, merchantId), inArray(connectionCalendars.id, calendarIds)))
		.all();
	// A Zoom connection has no calendars, so the join never yields one; the guard only tells the type so.
	return new Map(rows.flatMap((row) => (isCalendarProvider(row.provider) ? [[row.id, row.provider] as const] : [])));
}

export interface WriteTarget {
	calendarId: string;
	connectionId: string;
}

/**
 * Calendars a booking of `staffId` is written to: each of that person's connections' write
 * calendar, and the business calendar. Errored connections stay targets (their pushes wait).
 */
export async function writeTargets(db: Database, merchantId: string, staffId: string): Promise<WriteTarget[]> {
	return db
		.select({ calendarId: connectionCalendars.id, connectionId: calendarConnections.id })
		.from(connectionCalendars)
		.innerJoin(calendarConnections, eq(connectionCalendars.connectionId, calendarConnections.id))
		.where(isWriteTarget(merchantId, staffId))
		.all();
}

/** writeTargets' rule, on connection_calendars joined with calendar_connections; its values may be subqueries. */
export function isWriteTarget(merchantId: string | SQL, staffId: string | SQL): SQL {
	return and(
		eq(calendarConnections.merchantId, merchantId),
		ne(calendarConnections.status, "disconnected"),
		eq(connectionCalendars.isWriteTarget, true),
		or(eq(calendarConnections.staffId, staffId), isNull(calendarConnections.staffId)),
	) as SQL;
}

export async function setStatus(
	db: Database,
	connectionId: string,
	status: ConnectionRow["status"],
	error: { kind: NonNullable<ConnectionRow["errorKind"]>; message: string } | null,
	now: number,
): Promise<void> {
	await db
		.update(calendarConnections)
		.set({ status, errorKind: error?.kind ?? null, statusMessage: error?.message ?? null, updatedAt: now })
		.where(eq(calendarConnections.id, connectionId));
}

export async function markSynced(db: Database, connectionId: string, now: number): Promise<void> {
	await db.update(calendarConnections).set({ lastSyncedAt: now }).where(eq(calendarConnections.id, connectionId));
}

/** Appends to the connection's log and drops lines beyond the newest LOG_LIMIT. Messages never carry credentials. */
export async function logOperation(db: Database, connectionId: string, operation: string, outcome: LogOutcome, message: string | null, now: number): Promise<void> {
	await db.insert(connectionLog).values({ connectionId, at: now, operation, outcome, message });
	const cutoff = await db
		.select({ id: connectionLog.id })
		.from(connectionLog)
		.where(eq(connectionLog.connectionId, connectionId))
		.orderBy(desc(connectionLog.id))
		.limit(1)
		.offset(LOG_LIMIT - 1)
		.get();
	if (cutoff !== undefined) await db.delete(connectionLog).where(and(eq(connectionLog.connectionId, connectionId), lt(connectionLog.id, cutoff.id)));
}

export async function logOf(db: Database, connectionId: string): Promise<ConnectionLogRow[]> {
	return db.query.connectionLog.findMany({ where: eq(connectionLog.connectionId, connectionId), orderBy: [desc(connectionLog.id)], limit: LOG_LIMIT });
}

export type PendingState = (typeof pendingPushes.$inferSelect)["state"];

/** A push to do later: waiting for the connection, or failed (retryable: it ran out of retries; not: a 4xx that cannot succeed). */
export type PendingPush = { state: "waiting" } | { state: "failed"; retryable: boolean };

/** Which pending pushes to take: an automatic retry takes only those that may succeed, the admin all. */
export type PendingSelection = "waiting" | "failed-retryable" | "failed-any";

/** Remembers that a booking's push to this connection must happen later. */
export async function addPending(db: Database, connectionId: string, bookingId: string, pending: PendingPush, message: string | null): Promise<void> {
	const retryable = pending.state === "failed" && pending.retryable;
	await db
		.insert(pendingPushes)
		.values({ connectionId, bookingId, state: pending.state, retryable, message })
		.onConflictDoUpdate({ target: [pendingPushes.connectionId, pendingPushes.bookingId], set: { state: pending.state, retryable, message } });
}

/** Removes and returns the pending bookings of a connection that match `selection`. */
export async function takePending(db: Database, connectionId: string, selection: PendingSelection[]): Promise<string[]> {
	const matches: SQL[] = [];
	if (selection.includes("waiting")) matches.push(eq(pendingPushes.state, "waiting"));
	if (selection.includes("failed-any")) matches.push(eq(pendingPushes.state, "failed"));
	else if (selection.includes("failed-retryable")) matches.push(and(eq(pendingPushes.state, "failed"), eq(pendingPushes.retryable, true)) as SQL);
	if (matches.length === 0) return [];
	const rows = await db
		.delete(pendingPushes)
		.where(and(eq(pendingPushes.connectionId, connectionId), or(...matches)))
		.returning({ bookingId: pendingPushes.bookingId });
	return rows.map((r) => r.bookingId);
}

export async function clearPending(db: Database, connectionId: string, bookingId: string): Promise<void> {
	await db.delete(pendingPushes).where(and(eq(pendingPushes.connectionId, connectionId), eq(pendingPushes.bookingId, bookingId)));
}

export async function pendingCount(db: Database, connectionId: string): Promise<{ waiting: number; failed: number }> {
	const rows = await db.select({ state: pendingPushes.state }).from(pendingPushes).where(eq(pendingPushes.connectionId, connectionId)).all();
	return { waiting: rows.filter((r) => r.state === "waiting").length, failed: rows.filter((r) => r.state === "failed").length };
}

/**
 * Events this connection's calendars still hold for bookings that are no longer confirmed (cancelled
 * while the connection could not be written, or before it was disconnected): each must be deleted.
 */
export async function staleEventLinks(db: Database, connectionId: string): Promise<Array<{ bookingId: string; calendarId: string; version: number }>> {
	return db
		.select({ bookingId: eventLinks.bookingId, calendarId: eventLinks.calendarId, version: bookings.version })
		.from(eventLinks)
		.innerJoin(connectionCalendars, eq(connectionCalendars.id, eventLinks.calendarId))
		.innerJoin(bookings, eq(bookings.id, eventLinks.bookingId))
		.where(and(eq(connectionCalendars.connectionId, connectionId), eq(eventLinks.deleted, false), ne(bookings.status, "confirmed")))
		.all();
}
