import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { benchmarkFixture } from "./bench-fixture";
import { computeSlots } from "./slots";

describe("benchmarkFixture", () => {
	it("is deterministic per seed and sized as asked", () => {
		const q = benchmarkFixture(10, 2000, 42);
		expect(q).toEqual(benchmarkFixture(10, 2000, 42));
		expect(q).not.toEqual(benchmarkFixture(10, 2000, 43));
		expect(q.staff).toHaveLength(10);
		expect(q.staff.every((s) => s.busy.length === 2000)).toBe(true);
		expect(q.service.slotIntervalMinutes).toBe(15);
		expect(Temporal.PlainDate.from(q.from).until(q.to).days + 1).toBe(30);
	});

	it("yields slots that avoid every counted busy block and sit inside 09:00-18:00 Amsterdam", () => {
		const q = benchmarkFixture(1, 2000, 7);
		const slots = computeSlots(q);
		expect(slots.length).toBeGreaterThan(20);
		const busy = q.staff[0]!.busy.filter((b) => !b.tentative);
		const after = q.service.bufferAfterMinutes * 60_000;
		for (const slot of slots) {
			expect(busy.some((b) => b.start < slot.end + after && slot.start < b.end)).toBe(false);
			const local = Temporal.Instant.fromEpochMilliseconds(slot.start).toZonedDateTimeISO("Europe/Amsterdam");
			const minutes = local.hour * 60 + local.minute;
			expect(local.dayOfWeek).toBeLessThanOrEqual(6);
			expect(minutes >= 9 * 60 && minutes + 30 <= 12 * 60 + 30 || (minutes >= 13 * 60 + 30 && minutes + 30 <= 18 * 60)).toBe(true);
			expect(local.toPlainDate().toString()).not.toBe("2026-03-10");
		}
	});
});
