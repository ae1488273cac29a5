// When a service's or a staff member's place changes, or the business address that in-person bookings are held
// at, the bookings still to come follow it. A booking's place is read live (src/place.ts bookedPlace), so without
// this an upcoming booking moved online would show a meeting nobody makes, one moved away from Zoom would keep a
// meeting in someone's Zoom account, and a business that moved would leave the old address in staff calendars.
import { and, eq, gte } from "drizzle-orm";
import { markBookingsDirty } from "../db/queries/event-links";
import { bookings, services, staff } from "../db/schema";
import { sendJobs } from "../jobs";
import type { MeetingPushJob } from "../jobs";
import { placeOfBooking } from "../place";
import { enqueuePushes } from "../sync/connection-jobs";
import type { SyncContext } from "../sync/context";

/** Whose upcoming bookings follow: a service's, a staff member's, or all those held at the business address. */
export type PlaceChangeScope = { serviceId: string } | { staffId: string } | { businessAddress: true };

/** D1 takes at most 100 bound parameters. */
const CHUNK = 90;

/**
 * Writes the calendar events of the confirmed upcoming bookings of `scope` again (their location, and the Meet
 * or Teams meeting they ask for) and, when a service's or staff member's place changed, queues each one's
 * meeting.push, which makes, keeps or removes its Zoom meeting as the place now says (an address moves no
 * meeting). Returns how many bookings were queued.
 */
export async function followPlaceChange(context: SyncContext, merchantId: string, scope: PlaceChangeScope): Promise<number> {
	const rows = "businessAddress" in scope ? await heldAtBusiness(context, merchantId) : await upcomingOf(context, merchantId, scope);
	for (let i = 0; i < rows.length; i += CHUNK) {
		const chunk = rows.slice(i, i + CHUNK);
		// Their versions did not move, so the pushes must not take the events for current.
		await markBookingsDirty(context.db, chunk.map((b) => b.id));
		if ("businessAddress" in scope) continue;
		await sendJobs(
			context.queue,
			chunk.map((b): MeetingPushJob => ({ type: "meeting.push", merchantId, bookingId: b.id, version: b.version })),
		);
	}
	await enqueuePushes(context, rows.map((b) => b.id));
	return rows.length;
}

interface Upcoming {
	id: string;
	version: number;
}

function upcoming(context: SyncContext, merchantId: string) {
	return and(eq(bookings.merchantId, merchantId), eq(bookings.status, "confirmed"), gte(bookings.endsAt, context.now()));
}

async function upcomingOf(context: SyncContext, merchantId: string, scope: { serviceId: string } | { staffId: string }): Promise<Upcoming[]> {
	const whose = "serviceId" in scope ? eq(bookings.serviceId, scope.serviceId) : eq(bookings.staffId, scope.staffId);
	return context.db.select({ id: bookings.id, version: bookings.version }).from(bookings).where(and(upcoming(context, merchantId), whose)).all();
}

/** The upcoming bookings whose place, the staff member's own or else the service's, is the business address. */
async function heldAtBusiness(context: SyncContext, merchantId: string): Promise<Upcoming[]> {
	const place = (table: typeof services | typeof staff) => ({ placeKind: table.placeKind, placeAddress: table.placeAddress, placePhone: table.placePhone, placeUrl: table.placeUrl });
	const rows = await context.db
		.select({ id: bookings.id, version: bookings.version, service: place(services), staffMember: place(staff) })
		.from(bookings)
		.innerJoin(services, eq(services.id, bookings.serviceId))
		.leftJoin(staff, eq(staff.id, bookings.staffId))
		.where(upcoming(context, merchantId))
		.all();
	return rows.filter((r) => placeOfBooking(r.service, r.staffMember).kind === "in_person_business").map(({ id, version }) => ({ id, version }));
}
