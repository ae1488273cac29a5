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

export interface RescheduleCommand {
	merchantId: string;
	bookingId: string;
	start: number;
	/** Optionally move it to another staff member (admin only). */
	staffId: string | null;
	scope: ChangeScope;
	source: WriteSource;
	now: number;
}

export interface CancelCommand {
	merchantId: string;
	bookingId: string;
	scope: ChangeScope;
	/** Customers cannot cancel a booking that has started; the merchant can. */
	source: WriteSource;
	now: number;
}

export interface NotesCommand {
	merchantId: string;
	bookingId: string;
	merchantNotes: string | null;
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
	| { kind: "unprocessable"; code: string; detail: string }
	| {
			kind: "conflict";
			detail: string;
			alternatives: Array<{ start: string; end: string; staffId: string; localStart: string }>;
			conflicts: Array<{ index: number; start: string }>;
	  };

export type WriteOutcome<T> = { ok: true; value: T } | { ok: false; failure: WriteFailure };
