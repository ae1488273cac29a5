import { describe, expect, it } from "vitest";
import { NotFoundError } from "../errors";
import { checkSlot } from "./check";
import { at, buildQuery, everyDay, staffMember } from "./testing";

// Monday 2026-06-01, Amsterdam hours 09:00-12:00, one booking 10:00-11:00, 60-minute service on a 30-minute grid.
const q = buildQuery({
	now: at("2026-06-01T08:00+02:00"),
	staff: [
		staffMember({
			id: "a",
			weeklyHours: everyDay("09:00", "12:00", [1]),
			bookings: [{ start: at("2026-06-01T10:00+02:00"), end: at("2026-06-01T11:00+02:00") }],
		}),
	],
	resources: [{ id: "room", bookings: [{ start: at("2026-06-01T11:00+02:00"), end: at("2026-06-01T11:30+02:00") }] }],
	service: { slotIntervalMinutes: 30, minNoticeMinutes: 30, horizonDays: 30 },
});

describe("checkSlot", () => {
	it("accepts a free start on the grid", () => {
		expect(checkSlot(q, "a", at("2026-06-01T09:00+02:00"))).toEqual({ ok: true, resourceId: null });
	});

	it.each([
		["in-the-past", "2026-06-01T07:30+02:00"],
		["min-notice", "2026-06-01T08:15+02:00"],
		["beyond-horizon", "2026-07-06T09:00+02:00"],
		["outside-hours", "2026-06-01T11:30+02:00"],
		["outside-hours", "2026-06-02T09:00+02:00"],
		["outside-hours", "2026-06-01T09:10+02:00"],
		["taken", "2026-06-01T09:30+02:00"],
	] as const)("answers %s for %s", (reason, start) => {
		expect(checkSlot(q, "a", at(start))).toEqual({ ok: false, reason });
	});

	it("refuses starts when every required resource is held, after checking the staff member", () => {
		const withRoom = { ...q, service: { ...q.service, requiresResource: true } };
		expect(checkSlot(withRoom, "a", at("2026-06-01T11:00+02:00"))).toEqual({ ok: false, reason: "no-resource" });
		expect(checkSlot(withRoom, "a", at("2026-06-01T09:00+02:00"))).toEqual({ ok: true, resourceId: "room" });
		expect(checkSlot(withRoom, "a", at("2026-06-01T09:30+02:00"))).toEqual({ ok: false, reason: "taken" });
	});

	it("accepts an off-grid start inside hours only when asked to", () => {
		const free = { ...q, staff: [{ ...q.staff[0]!, bookings: [] }] };
		const start = at("2026-06-01T09:10+02:00");
		expect(checkSlot(free, "a", start)).toEqual({ ok: false, reason: "outside-hours" });
		expect(checkSlot(free, "a", start, { allowOffGrid: true })).toEqual({ ok: true, resourceId: null });
		// Off-grid still has to fit the service into working hours.
		expect(checkSlot(q, "a", at("2026-06-01T11:10+02:00"), { allowOffGrid: true })).toEqual({ ok: false, reason: "outside-hours" });
	});

	it("lets walk-ins ignore notice, horizon and hours but never conflicts or the past", () => {
		const walkIn = { ignoreRules: true };
		expect(checkSlot(q, "a", at("2026-06-01T08:15+02:00"), walkIn)).toEqual({ ok: true, resourceId: null });
		expect(checkSlot(q, "a", at("2026-06-01T19:07+02:00"), walkIn)).toEqual({ ok: true, resourceId: null });
		expect(checkSlot(q, "a", at("2026-08-01T09:00+02:00"), walkIn)).toEqual({ ok: true, resourceId: null });
		expect(checkSlot(q, "a", at("2026-06-01T10:30+02:00"), walkIn)).toEqual({ ok: false, reason: "taken" });
		expect(checkSlot(q, "a", at("2026-06-01T07:00+02:00"), walkIn)).toEqual({ ok: false, reason: "in-the-past" });
	});

	it("throws NotFoundError for a staff member not in the query", () => {
		expect(() => checkSlot(q, "nobody", at("2026-06-01T09:00+02:00"))).toThrow(NotFoundError);
	});
});
