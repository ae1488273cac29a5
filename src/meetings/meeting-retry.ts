// The admin's Retry of a booking's video meeting: a Zoom meeting gets its meeting.push again; a Meet or
// Teams meeting, the calendar push of the staff member's write target, which makes it with their event.
// Either way through the queue, with the same backoff as every push.
import { and, eq } from "drizzle-orm";
import type { MerchantMembership } from "../auth/membership";
import { maySeeCustomerDetails } from "../booking/permissions";
import { writeTargets } from "../db/queries/connections";
import { bookings, services, staff } from "../db/schema";
import { ForbiddenError, NotFoundError, UnprocessableError } from "../errors";
import { placeOfBooking } from "../place";
import { enqueuePushes } from "../sync/connection-jobs";
import type { SyncContext } from "../sync/context";
import { meetingOf, saveMeeting } from "./meeting-store";
import { meetingProviderOf } from "./meeting-view";
import { queueMeetingPush } from "./zoom-meetings";

/**
 * Queues the work that makes (or brings in line) the meeting of `bookingId`. Another merchant's booking is
 * "not found"; staff may retry only their own bookings' meetings (the people in the booking).
 */
export async function retryMeeting(context: SyncContext, viewer: MerchantMembership, bookingId: string): Promise<void> {
	const { db } = context;
	const booking = await db.query.bookings.findFirst({ where: and(eq(bookings.id, bookingId), eq(bookings.merchantId, viewer.merchantId)) });
	if (booking === undefined) throw new NotFoundError("Booking");
	if (!maySeeCustomerDetails(viewer, booking.staffId)) throw new ForbiddenError("Staff can retry only their own bookings' meetings; ask an owner");
	if (booking.status !== "confirmed") throw new UnprocessableError("booking-cancelled", "The booking is cancelled: it has no meeting to make");
	const [service, member] = await Promise.all([
		db.query.services.findFirst({ where: and(eq(services.id, booking.serviceId), eq(services.merchantId, booking.merchantId)) }),
		db.query.staff.findFirst({ where: and(eq(staff.id, booking.staffId), eq(staff.merchantId, booking.merchantId)) }),
	]);
	const place = service === undefined ? null : placeOfBooking(service, member);
	const provider = place === null ? null : meetingProviderOf(place);
	if (provider === null) throw new UnprocessableError("not-online", "This booking does not take place on Google Meet, Microsoft Teams or Zoom: there is no meeting to make");
	const targets = provider === "zoom" ? [] : await writeTargets(db, booking.merchantId, booking.staffId);
	if (provider !== "zoom" && targets.length === 0) {
		throw new UnprocessableError("no-write-calendar", `${member?.name ?? "The staff member"} has no calendar Slotline writes to: connect one on the Integrations page, and its event will carry the meeting`);
	}

	const row = await meetingOf(db, booking);
	// A refusal the provider would repeat is only retried on the admin's word: it starts again as pending.
	// A "creating" row is left alone: its create may have reached Zoom, and the push looks it up first.
	if (row !== null && row.state === "failed") {
		const { merchantId, bookingId: first, seriesId, connectionId } = row;
		// A Meet or Teams meeting asks again under a new request id (src/meetings/event-meetings.ts meetingRequested);
		// a Zoom row's intentAt is its create lease, which a failed row does not hold.
		const intentAt = row.provider === "zoom" ? undefined : context.now();
		await saveMeeting(db, row.id, { merchantId, bookingId: first, seriesId, provider: row.provider, connectionId, state: "pending", error: null, intentAt }, context.now());
	}
	if (provider === "zoom") {
		await queueMeetingPush(context.queue, booking);
		return;
	}
	// The event that carries the meeting is the series' first one when one meeting serves the series.
	await enqueuePushes(context, [...new Set([booking.id, row?.bookingId ?? booking.id])]);
}
