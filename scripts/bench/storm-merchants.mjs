// Multi-merchant booking storm: 1,000 booking requests sent at once (no client-side pool) across 5
// merchants (the demo and 4 seeded by the dev route), 4 requests per slot over 50 slots per merchant,
// against wrangler dev with local D1 and one Durable Object per merchant; then the same storm, on the same
// slots, against the baseline (scripts/bench/baseline-worker.ts) under the same wrangler dev. Prints
// throughput, latency and the double bookings (overlapping confirmed pairs), which must be 0, of both,
// and how Slotline's p95 latency compares with the baseline's.
import { BENCH_CONFIG, DOUBLE_BOOKINGS_SQL, startLocalWorker } from "./local-worker.mjs";
import { baselineBooking, baselineDoubleBookings, fire, percentile, printOtherStatuses, slotlineBooking } from "./storm-load.mjs";

const PORT = Number(process.env.BENCH_MERCHANTS_PORT ?? 8797);
const REQUESTS = Number(process.env.STORM_REQUESTS ?? 1000);
const EXTRA_MERCHANTS = 4;
const SLOTS_PER_MERCHANT = 50;
const ZONE = "Europe/Amsterdam";

/** 50 free slots of a merchant's consultation over the coming week, spread over its staff. */
async function slotsOf(base, slug, serviceId, staffIds) {
	const from = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
	const to = new Date(Date.now() + 9 * 86400_000).toISOString().slice(0, 10);
	const all = [];
	for (const staffId of staffIds) {
		const res = await fetch(`${base}/api/v1/m/${slug}/availability?serviceId=${serviceId}&staffId=${staffId}&from=${from}&to=${to}&timezone=${ZONE}`);
		if (!res.ok) throw new Error(`availability ${slug}: ${res.status}`);
		all.push(...(await res.json()).slots);
	}
	return all.filter((_, i) => i % Math.max(1, Math.floor(all.length / SLOTS_PER_MERCHANT)) === 0).slice(0, SLOTS_PER_MERCHANT);
}

const worker = await startLocalWorker(PORT, { config: BENCH_CONFIG });
try {
	const seeded = await fetch(`${worker.base}/_dev/seed-bench-merchants`, { method: "POST", headers: { "content-type": "application/json", "x-seed-token": worker.seedToken }, body: JSON.stringify({ count: EXTRA_MERCHANTS }) });
	if (!seeded.ok) throw new Error(`bench merchants: ${seeded.status}`);
	const merchants = [
		{ slug: "demo", serviceId: "svc_demo_consult", staffIds: ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"] },
		...(await seeded.json()).merchants,
	];
	const targets = [];
	for (const merchant of merchants) {
		for (const slot of await slotsOf(worker.base, merchant.slug, merchant.serviceId, merchant.staffIds)) targets.push({ merchant, slot });
	}
	const requests = Array.from({ length: REQUESTS }, (_, i) => targets[i % targets.length]);

	// Everything in flight at once, for both.
	const { seconds, statuses, latencies } = await fire(
		worker.base,
		requests.map(({ merchant, slot }, i) => slotlineBooking(merchant, slot, `storm-${i}`, ZONE)),
		requests.length,
	);
	const baseline = await fire(
		worker.base,
		requests.map(({ merchant, slot }) => baselineBooking(merchant, slot)),
		requests.length,
	);
	let baselineDoubles = 0;
	for (const merchant of merchants) baselineDoubles += await baselineDoubleBookings(worker.base, merchant);
	await worker.stop();
	const [{ n: doubles }] = worker.sql(DOUBLE_BOOKINGS_SQL);
	// Stored keys carry the writer's scope (src/booking/idempotency-key.ts): a public request's "storm-1" is "public:storm-1".
	const [{ n: confirmed }] = worker.sql("select count(*) as n from bookings where status = 'confirmed' and idempotency_key like 'public:storm-%'");
	const created = statuses.get(201) ?? 0;
	console.log(`BENCH storm5.merchants ${merchants.length} merchants`);
	console.log(`BENCH storm5.requests ${REQUESTS} requests`);
	console.log(`BENCH storm5.concurrency ${REQUESTS} in-flight`);
	console.log(`BENCH storm5.slots ${targets.length} slots`);
	console.log(`BENCH storm5.requests_per_second ${(REQUESTS / seconds).toFixed(1)} req/s`);
	console.log(`BENCH storm5.bookings_per_second ${(created / seconds).toFixed(1)} bookings/s`);
	console.log(`BENCH storm5.latency_p50 ${percentile(latencies, 50).toFixed(0)} ms`);
	console.log(`BENCH storm5.latency_p95 ${percentile(latencies, 95).toFixed(0)} ms`);
	console.log(`BENCH storm5.created ${created} bookings`);
	console.log(`BENCH storm5.conflicts_409 ${statuses.get(409) ?? 0} responses`);
	printOtherStatuses("storm5", statuses);
	console.log(`BENCH storm5.confirmed_rows ${confirmed} bookings`);
	console.log(`BENCH storm5.double_bookings ${doubles} pairs`);
	console.log(`BENCH storm5.baseline.requests_per_second ${(REQUESTS / baseline.seconds).toFixed(1)} req/s`);
	console.log(`BENCH storm5.baseline.latency_p50 ${percentile(baseline.latencies, 50).toFixed(0)} ms`);
	console.log(`BENCH storm5.baseline.latency_p95 ${percentile(baseline.latencies, 95).toFixed(0)} ms`);
	console.log(`BENCH storm5.baseline.created ${baseline.statuses.get(201) ?? 0} bookings`);
	printOtherStatuses("storm5.baseline", baseline.statuses);
	console.log(`BENCH storm5.baseline.double_bookings ${baselineDoubles} pairs`);
	console.log(`BENCH storm5.p95_ratio_to_baseline ${(percentile(latencies, 95) / percentile(baseline.latencies, 95)).toFixed(2)} ratio`);
	if (doubles !== 0 || confirmed !== created || baselineDoubles !== 0) process.exitCode = 1;
} finally {
	await worker.dispose();
}
