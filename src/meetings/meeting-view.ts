// A booking's video meeting as the people in the booking see it (manage page, account page, admin, emails):
// the join link once it exists, else that it is pending and, for the admin, why. One rule for every place
// the link shows; nothing here is ever part of a public answer.
import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client";
import { services, staff } from "../db/schema";
import type { MeetingProvider } from "../db/schema";
import { bookedPlace, placeOf, placeOfBooking } from "../place";
import type { Place, PlaceColumns } from "../place";
import { meetingOf, meetingsOf } from "./meeting-store";
import type { MeetingRow } from "./meeting-store";

export interface MeetingView {
	/** Who hosts it: a meeting made per booking, or the merchant's own typed link. */
	provider: MeetingProvider | "fixed_link";
	/** ready: `joinUrl` is set; pending: not made yet, being made or being retried; failed: waits for the admin's Retry. */
	state: "ready" | "pending" | "failed";
	joinUrl: string | null;
	/** Why the link is not there (provider, status and code only): the admin's to see, never the customer's. */
	error: string | null;
}

/** A meeting as the customer sees it: a failed one is pending to them (why, and the Retry, are the admin's). */
export interface CustomerMeeting {
	provider: MeetingView["provider"];
	state: "ready" | "pending";
	joinUrl: string | null;
}

export function customerMeeting(view: MeetingView): CustomerMeeting {
	return { provider: view.provider, state: view.joinUrl === null ? "pending" : "ready", joinUrl: view.joinUrl };
}

/** The provider that makes a meeting for a booking at `place`, or null (no meeting, or a fixed link). */
export function meetingProviderOf(place: Place): MeetingProvider | null {
	return place.kind === "google_meet" || place.kind === "microsoft_teams" || place.kind === "zoom" ? place.kind : null;
}

/**
 * The link the people in the booking may use: a ready meeting's, or a pending one's that keeps the link
 * it had (an update after a reschedule being retried moves the meeting, never its link).
 */
export function joinUrlOf(row: MeetingRow | null): string | null {
	if (row === null || row.joinUrl === null) return null;
	return row.state === "ready" || row.state === "pending" ? row.joinUrl : null;
}

/**
 * The Zoom link a booking's calendar events show (as location and in the description) for the people who
 * keep those calendars; null while there is none, or when the place is not Zoom (Meet and Teams events carry
 * their meeting natively).
 */
export async function zoomLinkOf(db: Database, booking: { id: string; seriesId: string | null }, place: Place): Promise<string | null> {
	return place.kind === "zoom" ? joinUrlOf(await meetingOf(db, booking)) : null;
}

/** The meeting of a confirmed booking at `place` with its row (null when none was stored yet); null when it has none. */
export function meetingView(place: Place, row: MeetingRow | null, status: string): MeetingView | null {
	if (status !== "confirmed") return null;
	if (place.kind === "fixed_link") return { provider: "fixed_link", state: "ready", joinUrl: place.url, error: null };
	const provider = meetingProviderOf(place);
	// A row outlives a change of the service's place; the place says whether the booking is online now.
	if (provider === null) return null;
	if (row === null || row.state === "deleted") return { provider, state: "pending", joinUrl: null, error: null };
	const joinUrl = joinUrlOf(row);
	return { provider: row.provider, state: joinUrl !== null ? "ready" : row.state === "failed" ? "failed" : "pending", joinUrl, error: row.error };
}

export interface MeetingBooking {
	id: string;
	seriesId: string | null;
	serviceId: string;
	staffId: string;
	status: string;
}

/**
 * The meetings of many bookings of one merchant, by booking id (bookings without one are absent): where
 * each takes place from D1's services and staff, and the rows of the online ones.
 */
export async function meetingViewsOf(db: Database, merchantId: string, list: MeetingBooking[]): Promise<Map<string, MeetingView>> {
	const result = new Map<string, MeetingView>();
	const confirmed = list.filter((b) => b.status === "confirmed");
	if (confirmed.length === 0) return result;
	const serviceIds = [...new Set(confirmed.map((b) => b.serviceId))];
	const staffIds = [...new Set(confirmed.map((b) => b.staffId))];
	const [serviceRows, staffRows] = await db.batch([
		db
			.select({ id: services.id, placeKind: services.placeKind, placeAddress: services.placeAddress, placePhone: services.placePhone, placeUrl: services.placeUrl })
			.from(services)
			.where(and(eq(services.merchantId, merchantId), inArray(services.id, serviceIds))),
		db
			.select({ id: staff.id, placeKind: staff.placeKind, placeAddress: staff.placeAddress, placePhone: staff.placePhone, placeUrl: staff.placeUrl })
			.from(staff)
			.where(and(eq(staff.merchantId, merchantId), inArray(staff.id, staffIds))),
	]);
	const servicePlaces = new Map(serviceRows.map((r) => [r.id, placeOf(r)]));
	const staffPlaces = new Map(staffRows.map((r) => [r.id, placeOf(r)]));
	const placed = confirmed.flatMap((b) => {
		const servicePlace = servicePlaces.get(b.serviceId);
		if (servicePlace === undefined || servicePlace === null) return [];
		const place = bookedPlace(servicePlace, staffPlaces.get(b.staffId) ?? null);
		return place.kind === "fixed_link" || meetingProviderOf(place) !== null ? [{ booking: b, place }] : [];
	});
	const rows = placed.some((p) => p.place.kind !== "fixed_link") ? await meetingsOf(db, placed.map((p) => p.booking)) : new Map<string, MeetingRow>();
	for (const { booking, place } of placed) {
		const view = meetingView(place, rows.get(booking.id) ?? null, booking.status);
		if (view !== null) result.set(booking.id, view);
	}
	return result;
}

/** The meeting of one booking with its service's and staff member's place (one D1 read, for online bookings only). */
export async function meetingOfBooking(db: Database, booking: MeetingBooking, service: PlaceColumns, staffMember: PlaceColumns): Promise<MeetingView | null> {
	const place = placeOfBooking(service, staffMember);
	if (booking.status !== "confirmed" || meetingProviderOf(place) === null) return meetingView(place, null, booking.status);
	return meetingView(place, await meetingOf(db, booking), booking.status);
}
