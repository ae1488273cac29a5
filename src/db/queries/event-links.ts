// event_links: which external event each booking became in each calendar, and at which version; and where a
// booking change goes (its calendars, its Zoom meeting).
import { and, eq, exists, inArray, or, sql } from "drizzle-orm";
import type { Database } from "../client";
import { bookingMeetings, bookings, calendarConnections, connectionCalendars, eventLinks, services, staff } from "../schema";
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
	return (await changeTargets(db, bookingId)).calendarIds;
}

export interface ChangeTargets {
	/** As changeCalendars. */
	calendarIds: string[];
	/** The booking takes place on Zoom now (its staff member's own place, else its service's), or has a Zoom meeting. */
	zoom: boolean;
}

/** What a change of the booking goes to, calendars and its Zoom meeting, in the one statement of the fan-out. */
export async function changeTargets(db: Database, bookingId: string): Promise<ChangeTargets> {
	const booking = db.select({ id: bookings.id }).from(bookings).where(eq(bookings.id, bookingId));
	const merchantId = db.select({ merchantId: bookings.merchantId }).from(bookings).where(eq(bookings.id, bookingId));
	const staffId = db.select({ staffId: bookings.staffId }).from(bookings).where(eq(bookings.id, bookingId));
	const zoomMeeting = db
		.select({ id: bookingMeetings.id })
		.from(bookingMeetings)
		.where(and(eq(bookingMeetings.id, sql`coalesce(${bookings.seriesId}, ${bookings.id})`), eq(bookingMeetings.provider, "zoom")));
	const rows = await db
		.select({ id: connectionCalendars.id, zoom: sql<number>`0` })
		.from(connectionCalendars)
		.innerJoin(calendarConnections, eq(connectionCalendars.connectionId, calendarConnections.id))
		.where(isWriteTarget(sql`(${merchantId})`, sql`(${staffId})`))
		.unionAll(
			db
				.select({ id: eventLinks.calendarId, zoom: sql<number>`0` })
				.from(eventLinks)
				.where(and(eq(eventLinks.bookingId, bookingId), eq(eventLinks.deleted, false), exists(booking))),
		)
		.unionAll(
			db
				.select({ id: bookings.id, zoom: sql<number>`1` })
				.from(bookings)
				.innerJoin(services, eq(services.id, bookings.serviceId))
				.leftJoin(staff, eq(staff.id, bookings.staffId))
				.where(and(eq(bookings.id, bookingId), or(sql`coalesce(${staff.placeKind}, ${services.placeKind}) = 'zoom'`, exists(zoomMeeting)))),
		);
	return { calendarIds: rows.filter((row) => row.zoom === 0).map((row) => row.id), zoom: rows.some((row) => row.zoom === 1) };
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
/** Makes the next push of these bookings write their events again although their versions did not move. */
export async function markBookingsDirty(db: Database, bookingIds: string[]): Promise<void> {
	if (bookingIds.length > 0) await db.update(eventLinks).set({ pushedVersion: 0 }).where(inArray(eventLinks.bookingId, bookingIds));
}

export async function markCalendarDirty(db: Database, calendarId: string): Promise<void> {
	await db.update(eventLinks).set({ pushedVersion: 0 }).where(eq(eventLinks.calendarId, calendarId));
}
