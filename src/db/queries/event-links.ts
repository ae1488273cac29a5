// event_links: which external event each booking became in each calendar, and at which version; and where a
// booking change goes (its calendars, its Zoom meeting).
import { and, eq, exists, fillPlaceholders, inArray, or, sql } from "drizzle-orm";
import type { Placeholder } from "drizzle-orm";
import { QueryBuilder } from "drizzle-orm/sqlite-core";
import type { Database } from "../client";
import { bookingMeetings, bookings, calendarConnections, connectionCalendars, eventLinks, services, staff } from "../schema";
import { newId } from "../../ids";
import { isWriteTarget } from "./connections";

export type EventLinkRow = typeof eventLinks.$inferSelect;

export async function linksFor(db: Database, calendarId: string, bookingIds: string[]): Promise<EventLinkRow[]> {
	if (bookingIds.length === 0) return [];
	return db.query.eventLinks.findMany({ where: and(eq(eventLinks.calendarId, calendarId), inArray(eventLinks.bookingId, bookingIds)) });
}

export interface ChangeTargets {
	/**
	 * Every calendar the change goes to: the write targets of its staff member and of the business (as D1's
	 * read model has the booking now), then those still holding a live event of it (a booking moved to
	 * another staff member must leave the first one's calendar). A calendar may come twice; nothing comes
	 * for a booking D1 does not have.
	 */
	calendarIds: string[];
	/** The booking takes place on Zoom now (its staff member's own place, else its service's), or has a Zoom meeting. */
	zoom: boolean;
}

/**
 * The one statement that finds where a change of a booking goes (see ChangeTargets): its text is built
 * once, with the booking id as a placeholder, so the outbox relay can put it in the same D1 batch as the
 * read-model write it depends on (see src/booking/read-model.ts), and the fan-out of a queued
 * booking.changed runs the same text.
 */
function changeTargetsQuery(bookingId: Placeholder) {
	const qb = new QueryBuilder();
	const booking = qb.select({ id: bookings.id }).from(bookings).where(eq(bookings.id, bookingId));
	const merchantId = qb.select({ merchantId: bookings.merchantId }).from(bookings).where(eq(bookings.id, bookingId));
	const staffId = qb.select({ staffId: bookings.staffId }).from(bookings).where(eq(bookings.id, bookingId));
	const zoomMeeting = qb
		.select({ id: bookingMeetings.id })
		.from(bookingMeetings)
		.where(and(eq(bookingMeetings.id, sql`coalesce(${bookings.seriesId}, ${bookings.id})`), eq(bookingMeetings.provider, "zoom")));
	return qb
		.select({ id: connectionCalendars.id, zoom: sql<number>`0`.as("zoom") })
		.from(connectionCalendars)
		.innerJoin(calendarConnections, eq(connectionCalendars.connectionId, calendarConnections.id))
		.where(isWriteTarget(sql`(${merchantId})`, sql`(${staffId})`))
		.unionAll(
			qb
				.select({ id: eventLinks.calendarId, zoom: sql<number>`0`.as("zoom") })
				.from(eventLinks)
				.where(and(eq(eventLinks.bookingId, bookingId), eq(eventLinks.deleted, false), exists(booking))),
		)
		.unionAll(
			qb
				.select({ id: bookings.id, zoom: sql<number>`1`.as("zoom") })
				.from(bookings)
				.innerJoin(services, eq(services.id, bookings.serviceId))
				.leftJoin(staff, eq(staff.id, bookings.staffId))
				.where(and(eq(bookings.id, bookingId), or(sql`coalesce(${staff.placeKind}, ${services.placeKind}) = 'zoom'`, exists(zoomMeeting)))),
		);
}

let changeTargetsText: { sql: string; params: unknown[] } | undefined;

/** changeTargets' statement for `bookingId`, to run alone or in a batch; read its rows with targetsOf. */
export function changeTargetsStatement(d1: D1Database, bookingId: string): D1PreparedStatement {
	changeTargetsText ??= changeTargetsQuery(sql.placeholder("bookingId")).toSQL();
	return d1.prepare(changeTargetsText.sql).bind(...fillPlaceholders(changeTargetsText.params, { bookingId }));
}

/** The rows of changeTargetsStatement as targets. */
export function targetsOf(rows: ReadonlyArray<Record<string, unknown>>): ChangeTargets {
	return { calendarIds: rows.filter((row) => row.zoom === 0).map((row) => row.id as string), zoom: rows.some((row) => row.zoom === 1) };
}

/** What a change of the booking goes to, calendars and its Zoom meeting, in one statement. */
export async function changeTargets(db: Database, bookingId: string): Promise<ChangeTargets> {
	return targetsOf((await changeTargetsStatement(db.$client, bookingId).all()).results);
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
