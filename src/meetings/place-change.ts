// When a service's or a staff member's place changes, the bookings still to come follow it. A booking's place is
// read live (src/place.ts bookedPlace), so without this an upcoming booking moved online would show a meeting
// nobody makes, and one moved away from Zoom would keep a meeting in someone's Zoom account.
import { and, eq, gte } from "drizzle-orm";
import { markBookingsDirty } from "../db/queries/event-links";
import { bookings } from "../db/schema";
import type { MeetingPushJob } from "../jobs";
import { enqueuePushes } from "../sync/connection-jobs";
import type { SyncContext } from "../sync/context";

/** D1 takes at most 100 bound parameters; a queue batch at most 100 messages. */
const CHUNK = 90;

/**
 * Writes the calendar events of the confirmed upcoming bookings of `scope` again (their location, and the Meet
 * or Teams meeting they ask for) and queues each one's meeting.push, which makes, keeps or removes its Zoom
 * meeting as the place now says. Returns how many bookings were queued.
 */
export async function followPlaceChange(context: SyncContext, merchantId: string, scope: { serviceId: string } | { staffId: string }): Promise<number> {
	const whose = "serviceId" in scope ? eq(bookings.serviceId, scope.serviceId) : eq(bookings.staffId, scope.staffId);
	const rows = await context.db
		.select({ id: bookings.id, version: bookings.version })
		.from(bookings)
		.where(and(eq(bookings.merchantId, merchantId), eq(bookings.status, "confirmed"), gte(bookings.endsAt, context.now()), whose))
		.all();
	for (let i = 0; i < rows.length; i += CHUNK) {
		const chunk = rows.slice(i, i + CHUNK);
		// Their versions did not move, so the pushes must not take the events for current.
		await markBookingsDirty(context.db, chunk.map((b) => b.id));
		const jobs: MeetingPushJob[] = chunk.map((b) => ({ type: "meeting.push", merchantId, bookingId: b.id, version: b.version }));
		await context.queue.sendBatch(jobs.map((body) => ({ body, contentType: "json" as const })));
	}
	await enqueuePushes(context, rows.map((b) => b.id));
	return rows.length;
}
