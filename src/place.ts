// Where a service takes place (issue 18): in person, by phone or online. One zod union is the one schema
// for the admin API and its form; the database keeps it as typed columns (a kind and each kind's fields).
import { z } from "zod";
import type { FieldProblem } from "./errors";

export const PLACE_KINDS = ["in_person_business", "in_person_address", "phone_customer_calls", "phone_staff_calls", "google_meet", "microsoft_teams", "zoom", "fixed_link"] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];

const phone = z
	.string()
	.trim()
	.regex(/^\+?[0-9][0-9 ()./-]{2,38}$/, "Must be a phone number such as +31 20 123 4567");

export const placeSchema = z.discriminatedUnion("kind", [
	/** At the merchant's own address (the business settings). */
	z.strictObject({ kind: z.literal("in_person_business") }),
	z.strictObject({ kind: z.literal("in_person_address"), address: z.string().trim().min(1).max(200) }),
	/** The customer calls this number (the business's or the staff member's). */
	z.strictObject({ kind: z.literal("phone_customer_calls"), phone }),
	/** The staff member calls the customer, who must give a number when booking. */
	z.strictObject({ kind: z.literal("phone_staff_calls") }),
	z.strictObject({ kind: z.literal("google_meet") }),
	z.strictObject({ kind: z.literal("microsoft_teams") }),
	z.strictObject({ kind: z.literal("zoom") }),
	/** A link the merchant types; the https rule is in placeProblems (a 422, not a malformed body). */
	z.strictObject({ kind: z.literal("fixed_link"), url: z.string().trim().min(1).max(2000) }),
]);
export type Place = z.infer<typeof placeSchema>;

/** The place as stored: services always have a kind; a staff member's kind is null when their services' place applies. */
export interface PlaceColumns {
	placeKind: PlaceKind | null;
	placeAddress: string | null;
	placePhone: string | null;
	placeUrl: string | null;
}

export function placeColumns(place: Place | null): PlaceColumns {
	return {
		placeKind: place?.kind ?? null,
		placeAddress: place?.kind === "in_person_address" ? place.address : null,
		placePhone: place?.kind === "phone_customer_calls" ? place.phone : null,
		placeUrl: place?.kind === "fixed_link" ? place.url : null,
	};
}

/** The stored place, or null for no kind (a staff member without a place of their own). */
export function placeOf(columns: PlaceColumns): Place | null {
	switch (columns.placeKind) {
		case null:
			return null;
		case "in_person_address":
			return { kind: columns.placeKind, address: columns.placeAddress ?? "" };
		case "phone_customer_calls":
			return { kind: columns.placeKind, phone: columns.placePhone ?? "" };
		case "fixed_link":
			return { kind: columns.placeKind, url: columns.placeUrl ?? "" };
		default:
			return { kind: columns.placeKind };
	}
}

/** Where a staff member's booking of a service takes place: their own place when they have one. */
export function bookedPlace(servicePlace: Place, staffPlace: Place | null): Place {
	return staffPlace ?? servicePlace;
}

/**
 * Where a booking of `service` with `staffMember` takes place, from their stored columns: the staff member's
 * own place, else the service's (at the business address when a service has none stored).
 */
export function placeOfBooking(service: PlaceColumns, staffMember: PlaceColumns | null | undefined): Place {
	return bookedPlace(placeOf(service) ?? { kind: "in_person_business" }, staffMember == null ? null : placeOf(staffMember));
}

/** Whether a booking there needs the customer's phone number (the staff member calls them). */
export function needsCustomerPhone(place: Place): boolean {
	return place.kind === "phone_staff_calls";
}

/** A calendar connection a place's meetings need from the staff member, if any. */
export function meetingCalendar(place: Place): "google" | "microsoft" | null {
	if (place.kind === "google_meet") return "google";
	if (place.kind === "microsoft_teams") return "microsoft";
	return null;
}

/**
 * What makes a well-formed place unacceptable, whoever it is for: a fixed link that is not https. What a
 * place needs from its staff member (a calendar for Meet or Teams, a Zoom host) is src/booking/place-check.ts.
 * `field` names the place in the request.
 */
export function placeProblems(place: Place, field: string): FieldProblem[] {
	if (place.kind === "fixed_link" && !isHttpsUrl(place.url)) return [{ field: `${field}.url`, message: "Must be an https:// link" }];
	return [];
}

function isHttpsUrl(value: string): boolean {
	try {
		const url = new URL(value);
		return url.protocol === "https:" && url.hostname !== "" && url.username === "" && url.password === "";
	} catch {
		return false;
	}
}
