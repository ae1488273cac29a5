import { describe, expect, it } from "vitest";
import { ValidationError } from "../errors";
import { computeSlots } from "./slots";
import { at, buildQuery, everyDay, iso, staffMember } from "./testing";
import type { AvailabilityQuery } from "./types";

// 2026-06-01 is a Monday; Amsterdam is on CEST (UTC+2) then.
const MONDAY = [1];

function starts(q: AvailabilityQuery): string[] {
	return computeSlots(q).map((s) => iso(s.start));
}

describe("computeSlots: working hours", () => {
	it("steps through each interval of the day and treats the gap as a break", () => {
		const q = buildQuery({
			staff: [staffMember({ id: "a", weeklyHours: [...everyDay("09:00", "12:00", MONDAY), ...everyDay("13:00", "15:00", MONDAY)] })],
			service: { durationMinutes: 60, slotIntervalMinutes: 30 },
		});
		expect(starts(q)).toEqual([
			"2026-06-01T07:00Z",
			"2026-06-01T07:30Z",
			"2026-06-01T08:00Z",
			"2026-06-01T08:30Z",
			"2026-06-01T09:00Z",
			"2026-06-01T11:00Z",
			"2026-06-01T11:30Z",
			"2026-06-01T12:00Z",
		]);
	});

	it("counts the grid from the start of each working interval and keeps the service inside it", () => {
		const q = buildQuery({
			staff: [staffMember({ id: "a", weeklyHours: everyDay("09:10", "10:30", MONDAY) })],
			service: { durationMinutes: 30, slotIntervalMinutes: 15 },
		});
		expect(starts(q)).toEqual(["2026-06-01T07:10Z", "2026-06-01T07:25Z", "2026-06-01T07:40Z", "2026-06-01T07:55Z"]);
	});

	it("lets a date override replace that date's weekly hours, and an empty override close the day", () => {
		const weeklyHours = everyDay("09:00", "11:00", MONDAY);
		const replaced = buildQuery({
			staff: [staffMember({ id: "a", weeklyHours, overrides: [{ date: "2026-06-01", intervals: [{ start: "14:00", end: "15:00" }] }] })],
		});
		expect(starts(replaced)).toEqual(["2026-06-01T12:00Z"]);
		const closed = buildQuery({
			from: "2026-06-01",
			to: "2026-06-08",
			staff: [staffMember({ id: "a", weeklyHours, overrides: [{ date: "2026-06-01", intervals: [] }] })],
		});
		expect(starts(closed)).toEqual(["2026-06-08T07:00Z", "2026-06-08T08:00Z"]);
	});

	it('reads "24:00" as the next local midnight', () => {
		const q = buildQuery({ staff: [staffMember({ id: "a", weeklyHours: everyDay("22:00", "24:00", MONDAY) })] });
		expect(starts(q)).toEqual(["2026-06-01T20:00Z", "2026-06-01T21:00Z"]);
	});

	it("keeps hours on the wall clock across a DST change", () => {
		const q = buildQuery({
			now: at("2026-03-01T00:00Z"),
			from: "2026-03-28",
			to: "2026-03-30",
			timezone: "UTC",
			staff: [staffMember({ id: "a", weeklyHours: everyDay("09:00", "10:00") })],
		});
		expect(starts(q)).toEqual(["2026-03-28T08:00Z", "2026-03-29T07:00Z", "2026-03-30T07:00Z"]);
	});
});

describe("computeSlots: conflicts", () => {
	const hours = everyDay("09:00", "12:00", MONDAY);

	it("removes time off, while a slot that only touches it stays", () => {
		const q = buildQuery({
			staff: [staffMember({ id: "a", weeklyHours: hours, timeOff: [{ start: at("2026-06-01T10:00+02:00"), end: at("2026-06-01T11:00+02:00") }] })],
		});
		expect(starts(q)).toEqual(["2026-06-01T07:00Z", "2026-06-01T09:00Z"]);
	});

	it("keeps the buffered span clear of bookings, letting buffers reach outside working hours", () => {
		const q = buildQuery({
			staff: [
				staffMember({
					id: "a",
					weeklyHours: everyDay("09:00", "13:00", MONDAY),
					bookings: [{ start: at("2026-06-01T10:00+02:00"), end: at("2026-06-01T11:00+02:00") }],
				}),
			],
			service: { durationMinutes: 30, slotIntervalMinutes: 15, bufferBeforeMinutes: 15, bufferAfterMinutes: 15 },
		});
		// Blocked span [s - 15, s + 45) must avoid [10:00, 11:00): s <= 09:15 or s >= 11:15 local.
		expect(starts(q)).toEqual([
			"2026-06-01T07:00Z",
			"2026-06-01T07:15Z",
			"2026-06-01T09:15Z",
			"2026-06-01T09:30Z",
			"2026-06-01T09:45Z",
			"2026-06-01T10:00Z",
			"2026-06-01T10:15Z",
			"2026-06-01T10:30Z",
		]);
	});

	it("counts tentative busy blocks only when the merchant says so", () => {
		const busy = [{ start: at("2026-06-01T10:00+02:00"), end: at("2026-06-01T11:00+02:00"), tentative: true }];
		const staff = [staffMember({ id: "a", weeklyHours: hours, busy })];
		expect(starts(buildQuery({ staff, tentativeBlocks: false }))).toContain("2026-06-01T08:00Z");
		expect(starts(buildQuery({ staff, tentativeBlocks: true }))).toEqual(["2026-06-01T07:00Z", "2026-06-01T09:00Z"]);
		const firm = [staffMember({ id: "a", weeklyHours: hours, busy: [{ ...busy[0]!, tentative: false }] })];
		expect(starts(buildQuery({ staff: firm, tentativeBlocks: false }))).toEqual(["2026-06-01T07:00Z", "2026-06-01T09:00Z"]);
	});
});

describe("computeSlots: notice, horizon and the past", () => {
	const staff = [staffMember({ id: "a", weeklyHours: everyDay("09:00", "12:00", [1, 2, 3]) })];

	it("offers nothing in the past", () => {
		const q = buildQuery({ now: at("2026-06-01T09:10+02:00"), staff, service: { durationMinutes: 30, slotIntervalMinutes: 30 } });
		expect(starts(q)[0]).toBe("2026-06-01T07:30Z");
	});

	it("starts no earlier than now plus the minimum notice", () => {
		const q = buildQuery({
			now: at("2026-06-01T09:10+02:00"),
			staff,
			service: { durationMinutes: 30, slotIntervalMinutes: 30, minNoticeMinutes: 60 },
		});
		expect(starts(q)[0]).toBe("2026-06-01T08:30Z");
	});

	it("starts no later than now plus the horizon, inclusive", () => {
		const q = buildQuery({ now: at("2026-06-01T09:00+02:00"), from: "2026-06-01", to: "2026-06-03", staff, service: { horizonDays: 1 } });
		expect(starts(q)).toEqual(["2026-06-01T07:00Z", "2026-06-01T08:00Z", "2026-06-01T09:00Z", "2026-06-02T07:00Z"]);
	});
});

describe("computeSlots: resources, order and ranges", () => {
	it("takes the first free resource in the given order and drops slots with none", () => {
		const nine = { start: at("2026-06-01T09:00+02:00"), end: at("2026-06-01T10:00+02:00") };
		const q = buildQuery({
			staff: [staffMember({ id: "a", weeklyHours: everyDay("09:00", "12:00", MONDAY) })],
			resources: [
				{ id: "r1", bookings: [nine] },
				{ id: "r2", bookings: [nine, { start: at("2026-06-01T11:00+02:00"), end: at("2026-06-01T12:00+02:00") }] },
			],
			service: { requiresResource: true },
		});
		expect(computeSlots(q).map((s) => [iso(s.start), s.resourceId])).toEqual([
			["2026-06-01T08:00Z", "r1"],
			["2026-06-01T09:00Z", "r1"],
		]);
		q.resources[0]!.bookings.push({ start: at("2026-06-01T11:00+02:00"), end: at("2026-06-01T12:00+02:00") });
		expect(computeSlots(q).map((s) => [iso(s.start), s.resourceId])).toEqual([["2026-06-01T08:00Z", "r1"]]);
	});

	it("sets resourceId to null when the service needs no resource", () => {
		const q = buildQuery({
			staff: [staffMember({ id: "a", weeklyHours: everyDay("09:00", "10:00", MONDAY) })],
			resources: [{ id: "r1", bookings: [] }],
		});
		expect(computeSlots(q)).toEqual([{ start: at("2026-06-01T07:00Z"), end: at("2026-06-01T08:00Z"), staffId: "a", resourceId: null }]);
	});

	it("sorts by start, then by the order of q.staff, across staff zones", () => {
		const q = buildQuery({
			staff: [
				staffMember({ id: "b", weeklyHours: everyDay("09:00", "11:00", MONDAY) }),
				staffMember({ id: "london", timezone: "Europe/London", weeklyHours: everyDay("08:00", "09:00", MONDAY) }),
				staffMember({ id: "a", weeklyHours: everyDay("09:00", "10:00", MONDAY) }),
			],
		});
		expect(computeSlots(q).map((s) => `${iso(s.start)} ${s.staffId}`)).toEqual([
			"2026-06-01T07:00Z b",
			"2026-06-01T07:00Z london",
			"2026-06-01T07:00Z a",
			"2026-06-01T08:00Z b",
		]);
	});

	it("reads the day range in the customer's zone", () => {
		const q = buildQuery({
			timezone: "America/New_York",
			staff: [staffMember({ id: "a", weeklyHours: everyDay("00:00", "24:00", [1, 2]) })],
		});
		const result = starts(q);
		expect(result).toHaveLength(24);
		expect(result[0]).toBe("2026-06-01T04:00Z");
		expect(result[23]).toBe("2026-06-02T03:00Z");
	});

	it("rejects malformed rules, hours and ranges with a ValidationError", () => {
		const staff = [staffMember({ id: "a", weeklyHours: everyDay("09:00", "10:00", MONDAY) })];
		expect(() => computeSlots(buildQuery({ staff, service: { slotIntervalMinutes: 0 } }))).toThrow(ValidationError);
		expect(() => computeSlots(buildQuery({ staff, from: "2026-06-02", to: "2026-06-01" }))).toThrow(ValidationError);
		expect(() => computeSlots(buildQuery({ staff, timezone: "Mars/Olympus" }))).toThrow(ValidationError);
		expect(() => computeSlots(buildQuery({ staff: [staffMember({ id: "a", weeklyHours: everyDay("9:00", "10:00") })] }))).toThrow(
			ValidationError,
		);
		expect(() => computeSlots(buildQuery({ staff: [staffMember({ id: "a", weeklyHours: everyDay("10:00", "09:00") })] }))).toThrow(
			ValidationError,
		);
	});
});
