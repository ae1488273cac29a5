import { describe, expect, it } from "vitest";
import { NotFoundError } from "../errors";
import { findAlternatives } from "./alternatives";
import { at, buildQuery, everyDay, iso, staffMember } from "./testing";

// Hours 09:00-12:00 Amsterdam every day, 60-minute service on a 30-minute grid.
const hours = everyDay("09:00", "12:00");
const busy = (from: string, to: string): { start: number; end: number; tentative: boolean } => ({
	start: at(from),
	end: at(to),
	tentative: false,
});
const requested = at("2026-06-01T10:00+02:00");

function describeSlots(slots: Array<{ start: number; staffId: string }>): string[] {
	return slots.map((s) => `${iso(s.start)} ${s.staffId}`);
}

describe("findAlternatives", () => {
	it("returns the nearest free starts, the earlier one winning a tie", () => {
		const q = buildQuery({
			staff: [staffMember({ id: "a", weeklyHours: hours, busy: [busy("2026-06-01T10:00+02:00", "2026-06-01T10:30+02:00")] })],
			service: { slotIntervalMinutes: 30 },
		});
		// Free: 09:00 (60 min away), 10:30 (30), 11:00 (60); 09:30 and 10:00 overlap the busy block.
		expect(describeSlots(findAlternatives(q, requested, "a"))).toEqual([
			"2026-06-01T08:30Z a",
			"2026-06-01T07:00Z a",
			"2026-06-01T09:00Z a",
		]);
	});

	it("offers the preferred staff member first, then fills with others at unique starts", () => {
		const q = buildQuery({
			staff: [
				staffMember({ id: "other1", weeklyHours: hours }),
				staffMember({ id: "other2", weeklyHours: hours, bookings: [{ start: at("2026-05-31T09:00+02:00"), end: at("2026-06-01T09:00+02:00") - 1 }] }),
				staffMember({ id: "pref", weeklyHours: everyDay("09:00", "10:00") }),
			],
			now: at("2026-06-01T00:00+02:00"),
			service: { slotIntervalMinutes: 30, horizonDays: 1 },
		});
		// Within the one-day horizon pref has only 09:00 local; other2 is booked until then, so at
		// 10:00 both others are free with empty days and the display order picks other1.
		const result = findAlternatives(q, requested, "pref", 4);
		expect(describeSlots(result)).toEqual([
			"2026-06-01T07:00Z pref",
			"2026-06-01T08:00Z other1",
			"2026-06-01T07:30Z other1",
			"2026-06-01T08:30Z other1",
		]);
	});

	it("chooses among others at one start like pickStaff does (lightest day)", () => {
		const q = buildQuery({
			staff: [
				staffMember({ id: "heavy", weeklyHours: hours, bookings: [{ start: at("2026-06-01T20:00+02:00"), end: at("2026-06-01T21:00+02:00") }] }),
				staffMember({ id: "light", weeklyHours: hours }),
			],
			service: { slotIntervalMinutes: 30 },
		});
		expect(describeSlots(findAlternatives(q, requested, null, 2))).toEqual(["2026-06-01T08:00Z light", "2026-06-01T07:30Z light"]);
	});

	it("widens the search across days and stops at the horizon", () => {
		const q = buildQuery({
			now: at("2026-06-01T00:00Z"),
			from: "2026-05-01",
			to: "2026-08-31",
			staff: [
				staffMember({
					id: "a",
					weeklyHours: [],
					overrides: [
						{ date: "2026-06-09", intervals: [{ start: "09:00", end: "10:00" }] },
						{ date: "2026-06-20", intervals: [{ start: "09:00", end: "10:00" }] },
						{ date: "2026-07-20", intervals: [{ start: "09:00", end: "10:00" }] },
					],
				}),
			],
			service: { horizonDays: 30 },
		});
		expect(describeSlots(findAlternatives(q, requested, "a"))).toEqual(["2026-06-09T07:00Z a", "2026-06-20T07:00Z a"]);
		expect(findAlternatives(q, requested, "a", 0)).toEqual([]);
	});

	it("searches only the query's days, whose conflicts the caller loaded", () => {
		const overrides = ["2026-06-03", "2026-06-10", "2026-06-20"].map((date) => ({ date, intervals: [{ start: "09:00", end: "10:00" }] }));
		const q = buildQuery({ from: "2026-05-28", to: "2026-06-12", staff: [staffMember({ id: "a", weeklyHours: [], overrides })] });
		// 20 June would be nearer than nothing, but it lies outside [from, to].
		expect(describeSlots(findAlternatives(q, requested, "a"))).toEqual(["2026-06-03T07:00Z a", "2026-06-10T07:00Z a"]);
		// A request outside the range still gets the range's nearest slots.
		expect(describeSlots(findAlternatives({ ...q, from: "2026-06-09", to: "2026-06-30" }, requested, "a", 1))).toEqual(["2026-06-10T07:00Z a"]);
	});

	it("throws NotFoundError for an unknown preferred staff member", () => {
		expect(() => findAlternatives(buildQuery({ staff: [staffMember({ id: "a" })] }), requested, "zed")).toThrow(NotFoundError);
	});
});
