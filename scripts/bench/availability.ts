// Availability benchmark: 30 days at a 15-minute interval with 2,000 busy intervals per staff member,
// for 1 and 10 staff, and "anyone" over the 10 (each start once, with the staff member it would be
// assigned to). Prints `BENCH <name> <value> <unit>` lines; asserts nothing about time.
import { computeAnyoneSlots, computeSlots } from "../../src/availability";
import type { AvailabilityQuery, Slot } from "../../src/availability";
import { benchmarkFixture } from "../../src/availability/bench-fixture";

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
