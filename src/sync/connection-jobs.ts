// The queue work a connection's changes start: pushes of its owner's bookings (all of them again, or those
// that waited) and syncs of its checked calendars.
import { and, eq, gte, inArray } from "drizzle-orm";
import { calendarsOf, connectionsOf, logOperation, staleEventLinks, takePending, writeTargets } from "../db/queries/connections";
import type { ConnectionRow, PendingSelection } from "../db/queries/connections";
import { markCalendarDirty } from "../db/queries/event-links";
import { bookings } from "../db/schema";
import { sendJobs } from "../jobs";
import type { CalendarPushJob, CalendarSyncJob } from "../jobs";
import type { SyncContext } from "./context";

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
	await sendJobs(context.queue, jobs);
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
	await sendJobs(context.queue, stale.map((link) => ({ type: "calendar.push", bookingId: link.bookingId, calendarId: link.calendarId, version: link.version })));
	await logOperation(context.db, connection.id, "resync", "ok", `${ids.length} bookings queued, ${stale.length} cancelled events to remove`, context.now());
	return (await enqueuePushes(context, ids)) + stale.length;
}

/** One calendar.sync per calendar, for the inbound side (src/sync/inbound.ts). */
export async function enqueueSyncs(context: SyncContext, calendarIds: string[], reason: CalendarSyncJob["reason"]): Promise<void> {
	await sendJobs(
		context.queue,
		calendarIds.map((calendarId): CalendarSyncJob => ({ type: "calendar.sync", calendarId, reason })),
	);
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
	await enqueueSyncs(context, calendarIds, "resync");
}
