// Property tests: random schedules around DST dates, checked against brute-force oracles that use
// Temporal directly rather than the core's own helpers.
import fc from "fast-check";
import { Temporal } from "temporal-polyfill";
import { describe, expect, it } from "vitest";
import { findAlternatives } from "./alternatives";
import { computeAnyoneSlots, pickStaff } from "./assign";
import { checkSlot } from "./check";
import { computeSlots } from "./slots";
import type { AvailabilityQuery, Interval, Slot, StaffSchedule } from "./types";

const ZONES = ["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "UTC"];
const DAYS = ["2026-03-28", "2026-10-24", "2026-03-07", "2026-10-31", "2026-04-04", "2026-10-03", "2026-06-10"];
const MINUTE = 60_000;
const RUNS = 60;

function wallTime(minutes: number): string {
	return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

const span = fc
	.tuple(fc.integer({ min: 0, max: 94 }), fc.integer({ min: 1, max: 40 }))
	.map(([start, length]) => ({ start: wallTime(start * 15), end: wallTime(Math.min(96, start + length) * 15) }));

function intervalsNear(base: number): fc.Arbitrary<Interval[]> {
	return fc.array(
		// Five-minute steps from a day before the range to two days after it, 5 minutes to 5 hours long.
		fc.tuple(fc.integer({ min: -288, max: 5 * 288 }), fc.integer({ min: 1, max: 60 })).map(([offset, length]) => ({
			start: base + offset * 5 * MINUTE,
			end: base + (offset + length) * 5 * MINUTE,
		})),
		{ maxLength: 8 },
	);
}

const queryArb: fc.Arbitrary<AvailabilityQuery> = fc.constantFrom(...DAYS).chain((from) => {
	const base = Date.parse(`${from}T00:00Z`);
	const staffArb = (id: string): fc.Arbitrary<StaffSchedule> =>
		fc.record({
			id: fc.constant(id),
			timezone: fc.constantFrom(...ZONES),
			weeklyHours: fc.array(
				fc.tuple(fc.integer({ min: 1, max: 7 }), span).map(([weekday, s]) => ({ weekday, ...s })),
				{ maxLength: 12 },
			),
			overrides: fc.uniqueArray(
				fc.record({ date: fc.constantFrom(...[0, 1, 2].map((d) => new Date(base + d * 86_400_000).toISOString().slice(0, 10))), intervals: fc.array(span, { maxLength: 3 }) }),
				{ selector: (o) => o.date, maxLength: 2 },
			),
			timeOff: intervalsNear(base),
			bookings: intervalsNear(base),
			busy: intervalsNear(base).chain((list) => fc.tuple(...list.map((i) => fc.boolean().map((tentative) => ({ ...i, tentative }))))),
		});
	return fc.record({
		now: fc.integer({ min: -2 * 1440, max: 2 * 1440 }).map((m) => base + m * MINUTE),
		from: fc.constant(from),
		to: fc.constant(new Date(base + 2 * 86_400_000).toISOString().slice(0, 10)),
		timezone: fc.constantFrom(...ZONES),
		service: fc.record({
			durationMinutes: fc.constantFrom(15, 30, 45, 60, 90),
			bufferBeforeMinutes: fc.constantFrom(0, 5, 15),
			bufferAfterMinutes: fc.constantFrom(0, 10, 30),
			minNoticeMinutes: fc.constantFrom(0, 60, 600),
			horizonDays: fc.constantFrom(0, 1, 2, 30),
			slotIntervalMinutes: fc.constantFrom(5, 15, 20, 30, 60),
			requiresResource: fc.boolean(),
		}),
		staff: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => staffArb(`s${i}`)))),
		resources: fc.array(fc.record({ id: fc.constantFrom("r1", "r2", "r3"), bookings: intervalsNear(base) }), { maxLength: 2 }),
		tentativeBlocks: fc.boolean(),
	});
});

function overlapsAny(list: readonly Interval[], start: number, end: number): boolean {
	return list.some((i) => i.start < end && start < i.end);
}

/** The instant of a wall time with Temporal's "compatible" disambiguation. */
function wallInstant(zone: string, date: Temporal.PlainDate, hhmm: string): number {
	const [h, m] = hhmm.split(":").map(Number) as [number, number];
	return date.toPlainDateTime().add({ hours: h, minutes: m }).toZonedDateTime(zone, { disambiguation: "compatible" }).epochMilliseconds;
}

function staffOf(q: AvailabilityQuery, id: string): StaffSchedule {
	const s = q.staff.find((x) => x.id === id);
	if (s === undefined) throw new Error(`no staff ${id}`);
	return s;
}

/** Brute force: is the slot's service time on the grid of one working interval of its local date? */
function inWorkingHours(q: AvailabilityQuery, slot: Slot): boolean {
	const staff = staffOf(q, slot.staffId);
	const date = Temporal.Instant.fromEpochMilliseconds(slot.start).toZonedDateTimeISO(staff.timezone).toPlainDate();
	const override = staff.overrides.find((o) => o.date === date.toString());
	const spans = override?.intervals ?? staff.weeklyHours.filter((w) => w.weekday === date.dayOfWeek);
	return spans.some((s) => {
		const start = wallInstant(staff.timezone, date, s.start);
		const end = wallInstant(staff.timezone, date, s.end);
		return start <= slot.start && slot.end <= end && (slot.start - start) % (q.service.slotIntervalMinutes * MINUTE) === 0;
	});
}

function blockedSpan(q: AvailabilityQuery, start: number): [number, number] {
	const s = q.service;
	return [start - s.bufferBeforeMinutes * MINUTE, start + (s.durationMinutes + s.bufferAfterMinutes) * MINUTE];
}

/** Brute force: does the slot's buffered span stay clear of everything that takes the staff member's time? */
function clearOfConflicts(q: AvailabilityQuery, slot: Slot): boolean {
	const staff = staffOf(q, slot.staffId);
	const [a, b] = blockedSpan(q, slot.start);
	const busy = staff.busy.filter((x) => q.tentativeBlocks || !x.tentative);
	return !overlapsAny(staff.bookings, a, b) && !overlapsAny(busy, a, b) && !overlapsAny(staff.timeOff, a, b);
}

function customerRange(q: AvailabilityQuery): [number, number] {
	const from = Temporal.PlainDate.from(q.from).toZonedDateTime(q.timezone).epochMilliseconds;
	const to = Temporal.PlainDate.from(q.to).add({ days: 1 }).toZonedDateTime(q.timezone).epochMilliseconds;
	return [from, to];
}

describe("availability properties", () => {
	it("generates queries that mostly have slots (so the properties below are not vacuous)", () => {
		const samples = fc.sample(queryArb, { numRuns: 200, seed: 7 });
		const withSlots = samples.filter((q) => computeSlots(q).length > 0).length;
		expect(withSlots).toBeGreaterThan(60);
	});

	it("every slot is in hours, clear of conflicts, within the rules, with a free resource, and sorted", () => {
		fc.assert(
			fc.property(queryArb, (q) => {
				const slots = computeSlots(q);
				const [from, to] = customerRange(q);
				const horizon = Temporal.Instant.fromEpochMilliseconds(q.now).toZonedDateTimeISO(q.timezone).add({ days: q.service.horizonDays }).epochMilliseconds;
				const order = q.staff.map((s) => s.id);
				slots.forEach((slot, i) => {
					expect(inWorkingHours(q, slot)).toBe(true);
					expect(clearOfConflicts(q, slot)).toBe(true);
					expect(slot.start).toBeGreaterThanOrEqual(Math.max(from, q.now + q.service.minNoticeMinutes * MINUTE));
					expect(slot.start).toBeLessThan(to);
					expect(slot.start).toBeLessThanOrEqual(horizon);
					expect(slot.end - slot.start).toBe(q.service.durationMinutes * MINUTE);
					if (q.service.requiresResource) {
						const [a, b] = blockedSpan(q, slot.start);
						const free = q.resources.find((r) => !overlapsAny(r.bookings, a, b));
						expect(slot.resourceId).toBe(free?.id);
					} else {
						expect(slot.resourceId).toBeNull();
					}
					const prev = slots[i - 1];
					if (prev !== undefined) {
						expect(prev.start < slot.start || (prev.start === slot.start && order.indexOf(prev.staffId) < order.indexOf(slot.staffId))).toBe(true);
					}
				});
			}),
			{ numRuns: RUNS },
		);
	});

	it("checkSlot agrees with computeSlots on slots and on random starts in the range", () => {
		fc.assert(
			fc.property(queryArb, fc.array(fc.integer({ min: 0, max: 3 * 288 }), { maxLength: 25 }), (q, probes) => {
				const slots = computeSlots(q);
				const offered = new Map(slots.map((s) => [`${s.staffId}@${s.start}`, s.resourceId]));
				for (const slot of slots.slice(0, 30)) {
					expect(checkSlot(q, slot.staffId, slot.start)).toEqual({ ok: true, resourceId: slot.resourceId });
				}
				const [from, to] = customerRange(q);
				for (const probe of probes) {
					const start = from + probe * 5 * MINUTE;
					if (start >= to) continue;
					for (const staff of q.staff) {
						const check = checkSlot(q, staff.id, start);
						const key = `${staff.id}@${start}`;
						expect(check.ok).toBe(offered.has(key));
						if (check.ok) expect(check.resourceId).toBe(offered.get(key));
					}
				}
			}),
			{ numRuns: RUNS },
		);
	});

	it("alternatives are free, nearest-first within each part, and never repeat a start", () => {
		fc.assert(
			fc.property(queryArb, fc.integer({ min: 0, max: 3 * 288 }), fc.option(fc.nat(2)), (q, probe, preferredIndex) => {
				const [from] = customerRange(q);
				// Probes run a day either side of the range: a request may lie outside the loaded days.
				const requested = from + (probe - 288) * 5 * MINUTE;
				const preferred = preferredIndex === null ? null : (q.staff[preferredIndex]?.id ?? null);
				const alternatives = findAlternatives(q, requested, preferred, 3);
				expect(alternatives.length).toBeLessThanOrEqual(3);
				expect(new Set(alternatives.map((s) => s.start)).size).toBe(alternatives.length);
				for (const slot of alternatives) {
					expect(clearOfConflicts(q, slot)).toBe(true);
					expect(checkSlot(q, slot.staffId, slot.start)).toEqual({ ok: true, resourceId: slot.resourceId });
				}
				const [, to] = customerRange(q);
				for (const slot of alternatives) expect(slot.start >= from && slot.start < to).toBe(true);
				const own = alternatives.filter((s) => s.staffId === preferred);
				expect(alternatives.slice(0, own.length)).toEqual(own);
				const distances = own.map((s) => Math.abs(s.start - requested));
				expect(distances).toEqual([...distances].sort((a, b) => a - b));
			}),
			{ numRuns: RUNS },
		);
	});

	it("pickStaff returns a free staff member whenever one is free, and null otherwise", () => {
		fc.assert(
			fc.property(queryArb, fc.integer({ min: 0, max: 3 * 288 }), (q, probe) => {
				const slots = computeSlots(q);
				const [from] = customerRange(q);
				const start = slots[probe % Math.max(1, slots.length)]?.start ?? from + probe * 5 * MINUTE;
				const picked = pickStaff(q, start);
				const free = q.staff.filter((s) => checkSlot(q, s.id, start).ok);
				if (picked === null) {
					expect(free).toEqual([]);
				} else {
					expect(free.map((s) => s.id)).toContain(picked.staffId);
					expect(clearOfConflicts(q, picked)).toBe(true);
				}
			}),
			{ numRuns: RUNS },
		);
	});

	it("computeAnyoneSlots is pickStaff at every distinct start of computeSlots", () => {
		fc.assert(
			fc.property(queryArb, (q) => {
				const starts = [...new Set(computeSlots(q).map((s) => s.start))];
				expect(computeAnyoneSlots(q)).toEqual(starts.map((start) => pickStaff(q, start)));
			}),
			{ numRuns: RUNS },
		);
	});
});
