// event_links: which external event each booking became in each calendar, and at which version.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../client";
import { eventLinks } from "../schema";
import { newId } from "../../ids";

export type EventLinkRow = typeof eventLinks.$inferSelect;

export async function linksFor(db: Database, calendarId: string, bookingIds: string[]): Promise<EventLinkRow[]> {
	if (bookingIds.length === 0) return [];
	return db.query.eventLinks.findMany({ where: and(eq(eventLinks.calendarId, calendarId), inArray(eventLinks.bookingId, bookingIds)) });
}

/** Calendars that still hold a live event of this booking. */
export async function liveLinkCalendars(db: Database, bookingId: string): Promise<string[]> {
	const rows = await db
		.select({ calendarId: eventLinks.calendarId })
		.from(eventLinks)
		.where(and(eq(eventLinks.bookingId, bookingId), eq(eventLinks.deleted, false)))
		.all();
	return rows.map((r) => r.calendarId);
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
