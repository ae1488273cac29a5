// A connection's calendars: the provider's list read into connection_calendars, the person's choice of
// write and conflict calendars, and calendars that vanish from the account.
import { and, eq, inArray, sql } from "drizzle-orm";
import { merchantSchedule } from "../booking/merchant-schedule";
import type { CalendarInfo, CalendarProvider } from "../calendars/provider";
import { ProviderError, TokenRevokedError } from "../calendars/provider";
import { calendarsOf, logOperation, setStatus } from "../db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow } from "../db/queries/connections";
import { connectionCalendars } from "../db/schema";
import { UnprocessableError } from "../errors";
import { newId } from "../ids";
import { drainPending, enqueueSyncs, resync } from "./connection-jobs";
import { needsReauthorization } from "./connection-health";
import { adapterFor } from "./context";
import type { SyncContext } from "./context";
import { errorSummary } from "./error-summary";
import { ensurePolling, isPolledProvider } from "./polling";

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
export async function storeCalendars(context: SyncContext, connection: ConnectionRow, listed: CalendarInfo[]): Promise<ConnectionCalendarRow[]> {
	for (const calendar of listed) {
		const shown = { name: calendar.name, writable: calendar.writable, readable: calendar.readable, onlineMeetings: calendar.onlineMeetings, unavailableSince: null };
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
	await enqueueSyncs(context, toggled.map((c) => c.id), "connect");
	// Its poller reads the new choice now rather than from its cached copy (one with nothing checked stops).
	if (isPolledProvider(connection.provider) && toggled.length > 0) await ensurePolling(context.env, connection.id);
}
