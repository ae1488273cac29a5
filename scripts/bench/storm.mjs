// Booking storm: 1,000 booking requests over 50 slots against the running app (wrangler dev with
// local D1, Durable Objects and Queues), for one merchant. Prints bookings per second and the number
// of double bookings (overlapping confirmed pairs), which must be 0.
import { DOUBLE_BOOKINGS_SQL, startLocalWorker } from "./local-worker.mjs";

const PORT = Number(process.env.BENCH_PORT ?? 8791);
const REQUESTS = Number(process.env.STORM_REQUESTS ?? 1000);
const SLOTS = 50;
const CONCURRENCY = Number(process.env.STORM_CONCURRENCY ?? 100);

const worker = await startLocalWorker(PORT);
const BASE = worker.base;
try {
	// 50 free slots of the 20-minute consultation, from the public availability API.
	const from = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
	const to = new Date(Date.now() + 9 * 86400_000).toISOString().slice(0, 10);
	const slots = [];
	for (const staffId of ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"]) {
		const res = await fetch(`${BASE}/api/v1/m/demo/availability?serviceId=svc_demo_consult&staffId=${staffId}&from=${from}&to=${to}&timezone=Europe/Amsterdam`);
		slots.push(...(await res.json()).slots);
	}
	const chosen = slots.filter((_, i) => i % Math.max(1, Math.floor(slots.length / SLOTS)) === 0).slice(0, SLOTS);
	const requests = Array.from({ length: REQUESTS }, (_, i) => chosen[i % chosen.length]);

	const statuses = new Map();
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: CONCURRENCY }, async () => {
			while (next < requests.length) {
				const i = next++;
				const slot = requests[i];
				const res = await fetch(`${BASE}/api/v1/m/demo/bookings`, {
					method: "POST",
					headers: { "content-type": "application/json", "idempotency-key": `storm-${i}` },
					body: JSON.stringify({ serviceId: "svc_demo_consult", staffId: slot.staffId, start: slot.start, timezone: "Europe/Amsterdam", customer: { name: `Storm ${i}`, email: `storm${i}@example.com` } }),
				});
				const text = await res.text();
				if (res.status >= 500 && process.env.STORM_DEBUG) console.error(res.status, text.slice(0, 300));
				statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
			}
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	const created = statuses.get(201) ?? 0;
	// The running worker holds the local database; stop it before reading it directly.
	await worker.stop();
	const [{ n: doubles }] = worker.sql(DOUBLE_BOOKINGS_SQL);
	console.log(`BENCH storm.requests ${REQUESTS} requests`);
	console.log(`BENCH storm.slots ${chosen.length} slots`);
	console.log(`BENCH storm.requests_per_second ${(REQUESTS / seconds).toFixed(1)} req/s`);
	console.log(`BENCH storm.bookings_per_second ${(created / seconds).toFixed(1)} bookings/s`);
	console.log(`BENCH storm.created ${created} bookings`);
	console.log(`BENCH storm.conflicts_409 ${statuses.get(409) ?? 0} responses`);
	for (const [status, count] of [...statuses].sort()) {
		if (status !== 201 && status !== 409) console.log(`BENCH storm.status_${status} ${count} responses`);
	}
	console.log(`BENCH storm.double_bookings ${doubles} pairs`);
} finally {
	await worker.dispose();
}
