// The place's storage and views: any place survives its columns unchanged, and its public view never
// carries a fixed meeting link, whatever the link is.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PLACE_KINDS, placeColumns, placeOf, placeProblems, placeSchema } from "./place";
import type { Place } from "./place";
import { bookedPlaceView, placeLocation, placeText, publicPlace } from "./place-view";

const text = fc.string({ minLength: 1, maxLength: 60 }).filter((s) => s.trim() === s && s !== "");
const place: fc.Arbitrary<Place> = fc.oneof(
	fc.constantFrom<Place>({ kind: "in_person_business" }, { kind: "phone_staff_calls" }, { kind: "google_meet" }, { kind: "microsoft_teams" }, { kind: "zoom" }),
	text.map((address): Place => ({ kind: "in_person_address", address })),
	text.map((phone): Place => ({ kind: "phone_customer_calls", phone })),
	fc.webUrl({ validSchemes: ["https"] }).map((url): Place => ({ kind: "fixed_link", url })),
);

describe("a place", () => {
	it("is the same place after its columns", () => {
		fc.assert(
			fc.property(place, (p) => {
				expect(placeOf(placeColumns(p))).toEqual(p);
			}),
		);
		expect(placeOf(placeColumns(null))).toBeNull();
	});

	it("never shows its fixed link publicly, and shows it to the booking's people", () => {
		fc.assert(
			fc.property(place, fc.option(text, { nil: null }), (p, address) => {
				const shown = JSON.stringify(publicPlace(p, address));
				if (p.kind === "fixed_link") expect(shown).not.toContain(p.url);
				const booked = bookedPlaceView(p, address, "+31 6 5555 0000");
				if (p.kind === "fixed_link") expect([placeText(booked), placeLocation(booked)]).toEqual([`Online: ${p.url}`, p.url]);
			}),
		);
	});

	it("reads as the issue words it, before and after booking", () => {
		const business = "Keizersgracht 1, Amsterdam";
		const words = (p: Place) => [placeText(publicPlace(p, business)), placeText(bookedPlaceView(p, business, "+31 6 5555 0000")), placeLocation(bookedPlaceView(p, business, "+31 6 5555 0000"))];
		expect(words({ kind: "in_person_business" })).toEqual([`In person at ${business}`, `In person at ${business}`, business]);
		expect(placeText(publicPlace({ kind: "in_person_business" }, null))).toBe("In person");
		expect(words({ kind: "phone_staff_calls" })).toEqual(["By phone: we call you", "By phone: we call you at +31 6 5555 0000", "By phone: we call you at +31 6 5555 0000"]);
		expect(words({ kind: "phone_customer_calls", phone: "+31 20 123 4567" })).toEqual(["By phone: call +31 20 123 4567", "By phone: call +31 20 123 4567", "By phone: call +31 20 123 4567"]);
		expect(words({ kind: "google_meet" })).toEqual(["Online (Google Meet)", "Online (Google Meet)", "Google Meet (link to follow)"]);
		expect(words({ kind: "microsoft_teams" })).toEqual(["Online (Microsoft Teams)", "Online (Microsoft Teams)", "Microsoft Teams (link to follow)"]);
		expect(words({ kind: "fixed_link", url: "https://x.test/r" })).toEqual(["Online", "Online: https://x.test/r", "https://x.test/r"]);
	});

	it("accepts only https links, naming the field; whether a host can run a meeting is the place check's", () => {
		expect(placeProblems({ kind: "fixed_link", url: "https://meet.example.com/a" }, "body.place")).toEqual([]);
		for (const url of ["http://meet.example.com/a", "ftp://x.test/", "//x.test/a", "https://", "https://u:p@x.test/"]) {
			expect(placeProblems({ kind: "fixed_link", url }, "body.place").map((p) => p.field), url).toEqual(["body.place.url"]);
		}
		for (const kind of ["zoom", "google_meet", "microsoft_teams"] as const) expect(placeProblems({ kind }, "body.place")).toEqual([]);
	});

	it("takes each kind with its own field and refuses another kind's", () => {
		const own: Record<string, Record<string, string>> = { in_person_address: { address: "A 1" }, phone_customer_calls: { phone: "+31 20 123 4567" }, fixed_link: { url: "https://x.test/" } };
		for (const kind of PLACE_KINDS) {
			expect(placeSchema.safeParse({ kind, ...own[kind] }).success, kind).toBe(true);
			const foreign = kind === "in_person_address" ? { url: "https://x.test/" } : { address: "A 1" };
			expect(placeSchema.safeParse({ kind, ...own[kind], ...foreign }).success, kind).toBe(false);
		}
	});
});
