// event_links: which external event each booking became in each calendar, and at which version.
import { and, eq, exists, inArray, sql } from "drizzle-orm";
import type { Database } from "../client";
import { bookings, calendarConnections, connectionCalendars, eventLinks } from "../schema";
import { newId } from "../../ids";
import { isWriteTarget } from "./connections";

export type EventLinkRow = typeof eventLinks.$inferSelect;

export async function linksFor(db: Database, calendarId: string, bookingIds: string[]): Promise<EventLinkRow[]> {
	if (bookingIds.length === 0) return [];
	return db.query.eventLinks.findMany({ where: and(eq(eventLinks.calendarId, calendarId), inArray(eventLinks.bookingId, bookingIds)) });
}

/**
 * Every calendar a change of the booking goes to, in one statement: the write targets of its staff member
 * and of the business (as D1's read model has the booking now), then those still holding a live event of
 * it (a booking moved to another staff member must leave the first one's calendar). A calendar may come
 * twice; nothing comes for a booking D1 does not have.
 */
export async function changeCalendars(db: Database, bookingId: string): Promise<string[]> {
	const booking = db.select({ id: bookings.id }).from(bookings).where(eq(bookings.id, bookingId));
	const merchantId = db.select({ merchantId: bookings.merchantId }).from(bookings).where(eq(bookings.id, bookingId));
	const staffId = db.select({ staffId: bookings.staffId }).from(bookings).where(eq(bookings.id, bookingId));
	const rows = await db
		.select({ calendarId: connectionCalendars.id })
		.from(connectionCalendars)
		.innerJoin(calendarConnections, eq(connectionCalendars.connectionId, calendarConnections.id))
		.where(isWriteTarget(sql`(${merchantId})`, sql`(${staffId})`))
		.unionAll(
			db
				.select({ calendarId: eventLinks.calendarId })
				.from(eventLinks)
				.where(and(eq(eventLinks.bookingId, bookingId), eq(eventLinks.deleted, false), exists(booking))),
		);
	return rows.map((row) => row.calendarId);
}

export interface LinkWrite {
	bookingId: string;
	version: number;
}

/**
 * Records what was written. A record never goes back to an older version: if another push already
 * recorded a newer one, this write is ignored and reported in the result (the caller re-pushes).
 */
export async function recordLinks(
	db: Database,
	calendarId: string,
	writes: LinkWrite[],
	event: { externalEventId: string; etag: string | null; deleted: boolean },
	now: number,
): Promise<{ superseded: boolean }> {
	let superseded = false;
	for (const write of writes) {
		const rows = await db
			.insert(eventLinks)
			.values({ id: newId("lnk"), bookingId: write.bookingId, calendarId, externalEventId: event.externalEventId, etag: event.etag, pushedVersion: write.version, deleted: event.deleted, updatedAt: now })
			.onConflictDoUpdate({
				target: [eventLinks.bookingId, eventLinks.calendarId],
				set: { externalEventId: event.externalEventId, etag: event.etag, pushedVersion: write.version, deleted: event.deleted, updatedAt: now },
				setWhere: sql`${eventLinks.pushedVersion} <= ${write.version}`,
			})
			.returning({ id: eventLinks.id });
		if (rows.length === 0) superseded = true;
	}
	return { superseded };
}

/** Forgets what was pushed to a calendar (keeping the event ids), so a resync pushes every booking again. */
export async function markCalendarDirty(db: Database, calendarId: string): Promise<void> {
	await db.update(eventLinks).set({ pushedVersion: 0 }).where(eq(eventLinks.calendarId, calendarId));
}
