// Whether a committed booking change gets a customer email, decided and claimed inside the merchant's
// object in one synchronous step, with everything the email says read from the object's own storage,
// so the queue consumer (notify.ts) sends it without a D1 statement.
import type { BookingChangeKind } from "../jobs";
import { claimEmail } from "./email-ledger";
import type { BookingRecord, ScheduleStore, ServiceRecord, StaffRecord } from "./schedule-store";

/** What the email is about and who it goes to; plain data, it crosses the object's RPC boundary. */
export interface Notice {
	booking: BookingRecord;
	/** The booking's series in series order, cancelled occurrences included; just the booking outside a series. */
	occurrences: BookingRecord[];
	service: ServiceRecord;
	staff: StaffRecord;
	merchantName: string;
	/** Where "at the business address" is. */
	merchantAddress: string | null;
	/** As given with this booking: a guest's booking never rewrites the customer record. */
	customer: { name: string; email: string };
}

/** Send (the version is claimed for this caller); skip (nothing to send, or sent already); or wait for another delivery's claim. */
export type NoticeClaim = { kind: "send"; notice: Notice } | { kind: "skip" } | { kind: "in-flight"; retryAfterSeconds: number };

/**
 * Decides whether the change `version` of `bookingId` mails its customer and, if so, claims that
 * version's email (email-ledger.ts) in the same step. Reads the booking as it is now, never the
 * message's snapshot, as the email always has.
 */
export function claimNotice(sql: SqlStorage, store: ScheduleStore, bookingId: string, version: number, change: BookingChangeKind, now: number): NoticeClaim {
	// Detail-only changes (merchant notes) are internal.
	if (change === "updated") return { kind: "skip" };
	const booking = store.booking(bookingId);
	if (booking === null || booking.customerEmail === null || booking.customerName === null) return { kind: "skip" };

	// A change to several occurrences at once (a series booked or cancelled) sends one email, from
	// the lowest occurrence changed together.
	let occurrences: BookingRecord[] = [booking];
	if (booking.seriesId !== null) {
		occurrences = store.seriesOccurrences(booking.seriesId);
		if (change === "created") {
			// A series is booked all at once: its first occurrence sends, however the others changed since
			// (a delivery that waited out a mail outage finds them moved, and no longer "together").
			if (occurrences[0]?.id !== booking.id) return { kind: "skip" };
		} else {
			const together = occurrences.filter((s) => s.updatedAt === booking.updatedAt);
			if (together.some((s) => (s.seriesIndex ?? 0) < (booking.seriesIndex ?? 0))) return { kind: "skip" };
		}
	}

	const notice = noticeFor(store, booking, occurrences);
	if (notice === null) return { kind: "skip" };

	// A redelivered job (the outbox relays at least once) finds its version already sent.
	const claim = claimEmail(sql, booking.id, version, now);
	if (claim.kind === "sent") return { kind: "skip" };
	if (claim.kind === "in-flight") return claim;
	return { kind: "send", notice };
}

function noticeFor(store: ScheduleStore, booking: BookingRecord, occurrences: BookingRecord[]): Notice | null {
	const setup = store.setupState();
	const service = store.service(booking.serviceId);
	const staff = store.staffMember(booking.staffId);
	if (setup === null || service === null || staff === null || booking.customerEmail === null || booking.customerName === null) return null;
	return { booking, occurrences, service, staff, merchantName: setup.merchantName, merchantAddress: setup.merchantAddress, customer: { name: booking.customerName, email: booking.customerEmail } };
}

/**
 * What an email about `bookingId` (and its series) says now, claiming nothing: for the meeting link's
 * follow-up, whose once-only claim is the meeting's own (src/meetings/meeting-store.ts claimLinkMail).
 */
export function noticeOf(store: ScheduleStore, bookingId: string): Notice | null {
	const booking = store.booking(bookingId);
	if (booking === null) return null;
	return noticeFor(store, booking, booking.seriesId === null ? [booking] : store.seriesOccurrences(booking.seriesId));
}
