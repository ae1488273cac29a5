// Booking storm: 1,000 booking requests over 50 slots against the running app (wrangler dev with
// local D1, Durable Objects and Queues), for one merchant, 100 in flight. Each round is followed by the
// same storm on the same slots against the baseline (a Worker, a Durable Object, a synchronous check and
// insert in its SQLite: scripts/bench/baseline-worker.ts) under the same wrangler dev, and rounds
// alternate so that drift of the machine affects both alike. One unmeasured round of each goes first: the
// first requests also warm up the load generator and wrangler's proxy (both Node), which would otherwise
// count against whichever side ran first; a cold isolate has its own figures (startup.*). Prints both
// throughputs, their ratio and the double bookings (overlapping confirmed pairs), which must be 0 for both.
import { BENCH_CONFIG, DOUBLE_BOOKINGS_SQL, startLocalWorker } from "./local-worker.mjs";
import { baselineBooking, baselineDoubleBookings, fire, printOtherStatuses, slotlineBooking } from "./storm-load.mjs";

const PORT = Number(process.env.BENCH_PORT ?? 8791);
const REQUESTS = Number(process.env.STORM_REQUESTS ?? 1000);
const SLOTS = 50;
const CONCURRENCY = Number(process.env.STORM_CONCURRENCY ?? 100);
const ROUNDS = Number(process.env.STORM_ROUNDS ?? 3);
const ZONE = "Europe/Amsterdam";
const DEMO = { slug: "demo", serviceId: "svc_demo_consult" };

/** 50 slots of the 20-minute consultation still free, from the public availability API. */
async function freeSlots(base) {
	const from = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
	const to = new Date(Date.now() + 9 * 86400_000).toISOString().slice(0, 10);
	const slots = [];
	for (const staffId of ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"]) {
		const res = await fetch(`${base}/api/v1/m/demo/availability?serviceId=${DEMO.serviceId}&staffId=${staffId}&from=${from}&to=${to}&timezone=${ZONE}`);
		slots.push(...(await res.json()).slots);
	}
	return slots.filter((_, i) => i % Math.max(1, Math.floor(slots.length / SLOTS)) === 0).slice(0, SLOTS);
}

/** Totals of one side's rounds. */
function tally() {
	return { seconds: 0, requests: 0, statuses: new Map() };
}

function add(total, { seconds, statuses }, requests) {
	total.seconds += seconds;
	total.requests += requests;
	for (const [status, count] of statuses) total.statuses.set(status, (total.statuses.get(status) ?? 0) + count);
}

const worker = await startLocalWorker(PORT, { config: BENCH_CONFIG });
const BASE = worker.base;
try {
	const slotline = tally();
	const baseline = tally();
	let slots = 0;
	for (let round = -1; round < ROUNDS; round++) {
		// Slots booked in earlier rounds are gone from availability, so every round storms free slots.
		const chosen = await freeSlots(BASE);
		const targets = Array.from({ length: REQUESTS }, (_, i) => chosen[i % chosen.length]);
		const ours = await fire(BASE, targets.map((slot, i) => slotlineBooking(DEMO, slot, `storm-${round}-${i}`, ZONE)), CONCURRENCY);
		const theirs = await fire(BASE, targets.map((slot) => baselineBooking(DEMO, slot)), CONCURRENCY);
		const rates = `slotline ${(REQUESTS / ours.seconds).toFixed(1)} req/s, baseline ${(REQUESTS / theirs.seconds).toFixed(1)} req/s`;
		if (round < 0) {
			console.error(`storm warm-up round (not counted): ${rates}`);
			continue;
		}
		slots += chosen.length;
		add(slotline, ours, REQUESTS);
		add(baseline, theirs, REQUESTS);
		console.error(`storm round ${round + 1}/${ROUNDS}: ${rates}`);
	}
	const baselineDoubles = await baselineDoubleBookings(BASE, DEMO);
	// The running worker holds the local database; stop it before reading it directly.
	await worker.stop();
	const [{ n: doubles }] = worker.sql(DOUBLE_BOOKINGS_SQL);
	const perSecond = (total, count) => (count / total.seconds).toFixed(1);
	console.log(`BENCH storm.rounds ${ROUNDS} rounds`);
	console.log(`BENCH storm.requests ${slotline.requests} requests`);
	console.log(`BENCH storm.slots ${slots} slots`);
	console.log(`BENCH storm.requests_per_second ${perSecond(slotline, slotline.requests)} req/s`);
	console.log(`BENCH storm.bookings_per_second ${perSecond(slotline, slotline.statuses.get(201) ?? 0)} bookings/s`);
	console.log(`BENCH storm.created ${slotline.statuses.get(201) ?? 0} bookings`);
	console.log(`BENCH storm.conflicts_409 ${slotline.statuses.get(409) ?? 0} responses`);
	printOtherStatuses("storm", slotline.statuses);
	console.log(`BENCH storm.double_bookings ${doubles} pairs`);
	console.log(`BENCH storm.baseline.requests_per_second ${perSecond(baseline, baseline.requests)} req/s`);
	console.log(`BENCH storm.baseline.bookings_per_second ${perSecond(baseline, baseline.statuses.get(201) ?? 0)} bookings/s`);
	console.log(`BENCH storm.baseline.created ${baseline.statuses.get(201) ?? 0} bookings`);
	console.log(`BENCH storm.baseline.conflicts_409 ${baseline.statuses.get(409) ?? 0} responses`);
	printOtherStatuses("storm.baseline", baseline.statuses);
	console.log(`BENCH storm.baseline.double_bookings ${baselineDoubles} pairs`);
	const ratio = slotline.requests / slotline.seconds / (baseline.requests / baseline.seconds);
	console.log(`BENCH storm.ratio_to_baseline ${ratio.toFixed(2)} ratio`);
	if (doubles !== 0 || baselineDoubles !== 0) process.exitCode = 1;
} finally {
	await worker.dispose();
}
