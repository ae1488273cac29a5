import { describe, expect, it } from "vitest";
import { computeAnyoneSlots, pickStaff } from "./assign";
import { computeSlots } from "./slots";
import { at, buildQuery, everyDay, iso, staffMember } from "./testing";
import type { Interval } from "./types";

function booking(startIso: string): Interval {
	return { start: at(startIso), end: at(startIso) + 30 * 60_000 };
}

const hours = everyDay("09:00", "18:00");
const start = at("2026-06-01T12:00+02:00");

describe("pickStaff", () => {
	it("picks the free staff member with the fewest bookings that local day", () => {
		const q = buildQuery({
			staff: [
				staffMember({ id: "busy", weeklyHours: hours, bookings: [booking("2026-06-01T09:00+02:00"), booking("2026-06-01T10:00+02:00")] }),
				staffMember({ id: "light", weeklyHours: hours, bookings: [booking("2026-06-01T09:00+02:00")] }),
			],
		});
		expect(pickStaff(q, start)).toEqual({ start, end: start + 3_600_000, staffId: "light", resourceId: null });
	});

	it("breaks ties by the order in q.staff, counting only bookings on the staff member's own local date", () => {
		const q = buildQuery({
			staff: [
				// 23:30 on Sunday in Amsterdam is already Monday in UTC; it does not count for Monday.
				staffMember({ id: "first", weeklyHours: hours, bookings: [booking("2026-05-31T23:30+02:00"), booking("2026-06-02T09:00+02:00")] }),
				staffMember({ id: "second", weeklyHours: hours }),
			],
		});
		expect(pickStaff(q, start)?.staffId).toBe("first");
		// In New York the same Sunday 23:30 Amsterdam booking is Sunday too, but a Monday one counts.
		const ny = buildQuery({
			staff: [
				staffMember({ id: "first", timezone: "America/New_York", weeklyHours: hours, bookings: [booking("2026-06-01T09:00-04:00")] }),
				staffMember({ id: "second", timezone: "America/New_York", weeklyHours: hours }),
			],
		});
		expect(pickStaff(ny, at("2026-06-01T12:00-04:00"))?.staffId).toBe("second");
	});

	it("skips staff who are not free and returns null when nobody is", () => {
		const q = buildQuery({
			staff: [
				staffMember({ id: "taken", weeklyHours: hours, busy: [{ start, end: start + 60_000, tentative: false }] }),
				staffMember({ id: "off", weeklyHours: everyDay("09:00", "11:00") }),
				staffMember({ id: "free", weeklyHours: hours, bookings: [booking("2026-06-01T09:00+02:00"), booking("2026-06-01T10:00+02:00")] }),
			],
		});
		expect(pickStaff(q, start)?.staffId).toBe("free");
		expect(pickStaff({ ...q, staff: q.staff.slice(0, 2) }, start)).toBeNull();
	});

	it("applies the caller's rules: a merchant's walk-in inside minimum notice or off the grid gets a free staff member", () => {
		const now = start - 10 * 60_000;
		const q = buildQuery({ now, service: { minNoticeMinutes: 60, slotIntervalMinutes: 60 }, staff: [staffMember({ id: "a", weeklyHours: hours })] });
		expect(pickStaff(q, start)).toBeNull();
		expect(pickStaff(q, start, { ignoreRules: true, allowOffGrid: true })?.staffId).toBe("a");
		expect(pickStaff(q, start + 7 * 60_000, { ignoreRules: true, allowOffGrid: true })?.staffId).toBe("a");
		// Rules aside, a conflict still refuses.
		const busy = { ...q, staff: [staffMember({ id: "a", weeklyHours: hours, bookings: [booking("2026-06-01T12:00+02:00")] })] };
		expect(pickStaff(busy, start, { ignoreRules: true, allowOffGrid: true })).toBeNull();
	});
});

describe("computeAnyoneSlots", () => {
	it("offers each start once, with the staff member pickStaff would assign", () => {
		const q = buildQuery({
			from: "2026-06-01",
			to: "2026-06-02",
			service: { durationMinutes: 30, slotIntervalMinutes: 30 },
			staff: [
				staffMember({ id: "early", weeklyHours: everyDay("09:00", "12:00"), bookings: [booking("2026-06-01T09:00+02:00")] }),
				staffMember({ id: "late", weeklyHours: everyDay("10:00", "14:00") }),
				staffMember({ id: "ny", timezone: "America/New_York", weeklyHours: everyDay("06:00", "08:00") }),
			],
		});
		const anyone = computeAnyoneSlots(q);
		const starts = [...new Set(computeSlots(q).map((s) => s.start))];
		expect(anyone.map((s) => s.start)).toEqual(starts);
		expect(anyone).toEqual(starts.map((s) => pickStaff(q, s)));
		expect(anyone.find((s) => iso(s.start) === "2026-06-01T08:00Z")?.staffId).toBe("late");
	});
});
