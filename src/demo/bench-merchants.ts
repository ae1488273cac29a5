// Extra merchants for the multi-merchant booking storm (scripts/bench/storm-merchants.mjs) and the
// availability benchmark (scripts/bench/availability-http.mjs): each a small copy of the demo's shape
// (three staff, or as many as asked, with the same weekly hours, and one consultation they all offer).
// Only the DEMO_SEED_TOKEN-gated dev route creates them. Idempotent: fixed ids and insert-or-ignore.
import type { Database } from "../db/client";
import { merchants, services, staff, staffServices, workingHours } from "../db/schema";
import { DEMO_TIMEZONE } from "./seed";

export interface BenchMerchant {
	merchantId: string;
	slug: string;
	serviceId: string;
	staffIds: string[];
}

/** Weekday hours shared by every bench staff member: Monday to Saturday, 08:00-20:00. */
const BENCH_HOURS: Array<[number, string, string]> = [1, 2, 3, 4, 5, 6].map((weekday) => [weekday, "08:00", "20:00"]);

/** Staff ids end in one letter (a, b, c, …), so at most 26 (the dev route checks). */
export const BENCH_MAX_STAFF = 26;

export function benchMerchant(n: number, staffCount = 3): BenchMerchant {
	return {
		merchantId: `mer_bench_${n}`,
		slug: `bench-${n}`,
		serviceId: `svc_bench_${n}_consult`,
		staffIds: Array.from({ length: staffCount }, (_, i) => `stf_bench_${n}_${String.fromCharCode(97 + i)}`),
	};
}

export async function seedBenchMerchant(db: Database, n: number, staffCount = 3): Promise<BenchMerchant> {
	const bench = benchMerchant(n, staffCount);
	await db
		.insert(merchants)
		.values({ id: bench.merchantId, slug: bench.slug, name: `Bench Studio ${n}`, timezone: DEMO_TIMEZONE, settings: { tentativeBlocks: true, signIn: { google: false, facebook: false, password: true } } })
		.onConflictDoNothing();
	await db
		.insert(services)
		.values({ id: bench.serviceId, merchantId: bench.merchantId, name: "Consultation", durationMinutes: 20, slotIntervalMinutes: 20, color: "#22c55e" })
		.onConflictDoNothing();
	for (const [i, staffId] of bench.staffIds.entries()) {
		await db
			.insert(staff)
			.values({ id: staffId, merchantId: bench.merchantId, name: `Bench staff ${n}.${i + 1}`, email: `${staffId}@bench.slotline.test`, timezone: DEMO_TIMEZONE, color: "#0284c7", position: i })
			.onConflictDoNothing();
		await db
			.insert(workingHours)
			.values(BENCH_HOURS.map(([weekday, startTime, endTime]) => ({ id: `wh_${staffId}_${weekday}`, staffId, weekday, startTime, endTime })))
			.onConflictDoNothing();
		await db.insert(staffServices).values({ staffId, serviceId: bench.serviceId }).onConflictDoNothing();
	}
	return bench;
}
