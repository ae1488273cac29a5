// Availability benchmark: 30 days at a 15-minute interval with 2,000 busy intervals per staff member,
// for 1 and 10 staff, and "anyone" over the 10 (each start once, with the staff member it would be
// assigned to); then the cost of formatting one slot's localStart. Prints `BENCH <name> <value> <unit>`
// lines; asserts nothing about time.
import { Temporal } from "temporal-polyfill";
import { computeAnyoneSlots, computeSlots } from "../../src/availability";
import type { AvailabilityQuery, Slot } from "../../src/availability";
import { benchmarkFixture } from "../../src/availability/bench-fixture";
import { localIso } from "../../src/time";

function percentile(sorted: number[], p: number): number {
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index] ?? Number.NaN;
}

function measure(name: string, staffCount: number, iterations: number, compute: (q: AvailabilityQuery) => Slot[]): void {
	const query = benchmarkFixture(staffCount, 2000, 42);
	for (let i = 0; i < 20; i++) compute(query); // warm up the JIT
	const times: number[] = [];
	let slots = 0;
	for (let i = 0; i < iterations; i++) {
		const started = performance.now();
		slots = compute(query).length;
		times.push(performance.now() - started);
	}
	times.sort((a, b) => a - b);
	console.log(`BENCH availability.30d.${name}.median ${percentile(times, 50).toFixed(3)} ms`);
	console.log(`BENCH availability.30d.${name}.p95 ${percentile(times, 95).toFixed(3)} ms`);
	console.log(`BENCH availability.30d.${name}.slots ${slots} slots`);
}

measure("1staff", 1, 300, computeSlots);
measure("10staff", 10, 60, computeSlots);
measure("anyone10", 10, 60, computeAnyoneSlots);

/** Nanoseconds per call of `format` over `instants`, after a warm-up pass. */
function nsPerCall(instants: number[], zone: string, format: (instant: number, zone: string) => string): number {
	let length = 0;
	for (const instant of instants) length += format(instant, zone).length;
	const rounds = 20;
	const started = performance.now();
	for (let round = 0; round < rounds; round++) for (const instant of instants) length += format(instant, zone).length;
	const elapsed = performance.now() - started;
	if (length === 0) throw new Error("nothing formatted");
	return (elapsed * 1e6) / (rounds * instants.length);
}

// The localStart of every slot of 30 days at 15 minutes, across Amsterdam's spring change: through
// the cached offset table (localIso) and through a Temporal ZonedDateTime each, as before.
function measureLocalIso(): void {
	const zone = "Europe/Amsterdam";
	const first = Date.UTC(2026, 2, 15);
	const instants = Array.from({ length: 30 * 96 }, (_, i) => first + i * 15 * 60_000);
	const temporal = (instant: number, z: string): string =>
		Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(z).toString({ timeZoneName: "never", smallestUnit: "second" });
	console.log(`BENCH time.local_iso.ns_per_call ${nsPerCall(instants, zone, localIso).toFixed(0)} ns`);
	console.log(`BENCH time.local_iso_temporal.ns_per_call ${nsPerCall(instants, zone, temporal).toFixed(0)} ns`);
}

measureLocalIso();
