// The write commands the merchant's Durable Object accepts, and what it answers. Plain data only:
// these cross the Durable Object RPC boundary.
import type { BookingFrequency } from "./recurrence";

export interface CustomerInput {
	name: string;
	email: string;
	phone: string | null;
}

/** Who is asking: customers obey the service's rules; the merchant may book off-grid or outside hours. */
export type WriteSource = "public" | "admin";

export interface IdempotencyInput {
	/** As the client sent it; the write path scopes it by `source`. */
	key: string;
	/** SHA-256 of the canonical request body. */
	requestHash: string;
}

export interface CreateBookingCommand {
	merchantId: string;
	serviceId: string;
	/** Null means "anyone who offers the service". */
	staffId: string | null;
	start: number;
	/** The zone the customer booked in. */
	timezone: string;
	/** Null only for walk-ins. */
	customer: CustomerInput | null;
	userId: string | null;
	customerNotes: string | null;
	merchantNotes: string | null;
	recurrence: { frequency: BookingFrequency; count: number } | null;
	source: WriteSource;
	/**
	 * Who in the business makes an admin write. Only an owner's booking may rewrite the stored
	 * customer of the address: a staff member, like a guest, may be typing a colleague's customer's
	 * address. Absent counts as staff.
	 */
	adminRole?: "owner" | "staff";
	idempotency: IdempotencyInput | null;
	now: number;
}

export type ChangeScope = "one" | "series";

/** Who in the business changes a booking from the admin: staff may change only their own bookings. */
export interface BookingActor {
	role: "owner" | "staff";
	/** The caller's own staff member, if their account is linked to one. */
	staffId: string | null;
}

export interface RescheduleCommand {
	merchantId: string;
	bookingId: string;
	start: number;
	/** Optionally move it to another staff member (admin only). */
	staffId: string | null;
	scope: ChangeScope;
	source: WriteSource;
	/** Set for admin changes; checked in the same step as the change (src/booking/permissions.ts). */
	actor?: BookingActor;
	now: number;
}

export interface CancelCommand {
	merchantId: string;
	bookingId: string;
	scope: ChangeScope;
	/** Customers cannot cancel a booking that has started; the merchant can. */
	source: WriteSource;
	actor?: BookingActor;
	now: number;
}

export interface NotesCommand {
	merchantId: string;
	bookingId: string;
	merchantNotes: string | null;
	actor?: BookingActor;
	now: number;
}

/** A booking as the write path reports it. Instants are UTC epoch ms. */
export interface BookingView {
	id: string;
	merchantId: string;
	status: "confirmed" | "cancelled";
	start: number;
	end: number;
	timezone: string;
	staffId: string;
	serviceId: string;
	resourceId: string | null;
	customerId: string | null;
	seriesId: string | null;
	seriesIndex: number | null;
	/** For occurrences of a series: where it was first booked (how calendars name the occurrence). */
	originalStart: number | null;
	walkIn: boolean;
	customerNotes: string | null;
	merchantNotes: string | null;
	version: number;
}

/** A failure that crosses RPC intact (class identity does not survive the boundary). */
export type WriteFailure =
	| { kind: "validation"; fields: Array<{ field: string; message: string }> }
	| { kind: "not-found"; what: string }
	| { kind: "forbidden"; detail: string }
	| { kind: "unprocessable"; code: string; detail: string }
	| {
			kind: "conflict";
			detail: string;
			alternatives: Array<{ start: string; end: string; staffId: string; localStart: string }>;
			conflicts: Array<{ index: number; start: string }>;
	  };

export type WriteOutcome<T> = { ok: true; value: T } | { ok: false; failure: WriteFailure };
