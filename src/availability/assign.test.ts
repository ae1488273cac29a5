import { describe, expect, it } from "vitest";
import { pickStaff } from "./assign";
import { at, buildQuery, everyDay, staffMember } from "./testing";
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
});
