// How a service's place reads, for whom: the public view (booking page, widget, public API) never holds a
// meeting link, which reaches only the people in the booking (issue 18 item 5). Pure, shared with the widget.
import type { Place, PlaceKind } from "./place";

/** A place as anyone may read it: the business address filled in, and the number to call when there is one. */
export interface PublicPlace {
	kind: PlaceKind;
	/** For in person: the address (the business's own for in_person_business, null if it has none yet). */
	address: string | null;
	/** For by phone: the number the customer calls, or (booking holder only) the customer's own we call. */
	phone: string | null;
}

/** A place as the people in a booking read it. */
export interface PlaceView extends PublicPlace {
	/** The fixed link, for the booking's people only. */
	url: string | null;
}

const ONLINE: Partial<Record<PlaceKind, string>> = { google_meet: "Google Meet", microsoft_teams: "Microsoft Teams", zoom: "Zoom" };

/** What anyone may see before booking: the kind, the address in person, the number to call by phone. */
export function publicPlace(place: Place, businessAddress: string | null): PublicPlace {
	return {
		kind: place.kind,
		address: place.kind === "in_person_business" ? businessAddress : place.kind === "in_person_address" ? place.address : null,
		phone: place.kind === "phone_customer_calls" ? place.phone : null,
	};
}

/** What the people in a booking see: the public view, the customer's number and the fixed link. */
export function bookedPlaceView(place: Place, businessAddress: string | null, customerPhone: string | null): PlaceView {
	return withCustomerPhone({ ...publicPlace(place, businessAddress), url: place.kind === "fixed_link" ? place.url : null }, customerPhone);
}

/** The place once the customer gave their number: it is the one we call. */
export function withCustomerPhone<T extends PublicPlace>(view: T, customerPhone: string | null): T {
	return view.kind === "phone_staff_calls" ? { ...view, phone: customerPhone === "" ? null : customerPhone } : view;
}

/** "In person at …", "By phone: we call you at …", "Online (Google Meet)": what pages and the widget show. */
export function placeText(view: PublicPlace | PlaceView): string {
	switch (view.kind) {
		case "in_person_business":
		case "in_person_address":
			return view.address === null ? "In person" : `In person at ${view.address}`;
		case "phone_staff_calls":
			return view.phone === null ? "By phone: we call you" : `By phone: we call you at ${view.phone}`;
		case "phone_customer_calls":
			return view.phone === null ? "By phone: you call us" : `By phone: call ${view.phone}`;
		case "fixed_link":
			return "url" in view && view.url !== null ? `Online: ${view.url}` : "Online";
		default:
			return `Online (${ONLINE[view.kind] ?? view.kind})`;
	}
}

/**
 * An event's LOCATION (the .ics, calendar links, the email's "Where"): the address in person, the phone
 * text by phone, the fixed link, or for a meeting created later the provider until its link exists.
 */
export function placeLocation(view: PlaceView): string | null {
	switch (view.kind) {
		case "in_person_business":
		case "in_person_address":
			return view.address;
		case "phone_staff_calls":
		case "phone_customer_calls":
			return placeText(view);
		case "fixed_link":
			return view.url ?? "Online";
		default:
			return `${ONLINE[view.kind] ?? view.kind} (link to follow)`;
	}
}

/** What the booking's confirmation screen says of an online place's link, which the public answer never holds. */
export function joinLinkNote(kind: PlaceKind): string | null {
	if (kind === "fixed_link") return "The link to join is in your confirmation email and on your booking's page.";
	if (linkFollows(kind)) return "Your video link follows by email as soon as it is ready, and shows on your booking's page.";
	return null;
}

/** Whether a meeting is made for each booking at this kind of place, so its link exists only a little after booking. */
export function linkFollows(kind: PlaceKind): boolean {
	return ONLINE[kind] !== undefined;
}
