// D1 statements per booking and per availability read, counted by the Worker's instrumented D1 binding
// (src/db/statement-count.ts, GET /_dev/d1-statements) under `wrangler dev`: on the request path (while the
// answer is pending) and in total (with the outbox relay, the queue consumer and the jobs it queues). Issue
// 15's goal is 0 on the request path and at most 3 in total per booking; printed, never asserted.
import { startLocalWorker } from "./local-worker.mjs";

const PORT = Number(process.env.BENCH_D1_PORT ?? 8798);
/** Bookings made, and availability reads of each kind (one staff member, anyone). */
const N = Number(process.env.D1_STATEMENTS_N ?? 20);
/** Longer than the queue's batch wait (1 s, wrangler.toml), so a quiet spell means the background is done. */
const QUIET_MS = 3000;
const GIVE_UP_MS = 120_000;
const ZONE = "Europe/Amsterdam";

const worker = await startLocalWorker(PORT);
const BASE = worker.base;

async function counts() {
	const res = await fetch(`${BASE}/_dev/d1-statements`);
	if (!res.ok) throw new Error(`GET /_dev/d1-statements: ${res.status}`);
	return res.json();
}

async function resetCounts() {
	const res = await fetch(`${BASE}/_dev/d1-statements?reset=1`);
	if (!res.ok) throw new Error(`GET /_dev/d1-statements?reset=1: ${res.status}`);
	await res.arrayBuffer();
}

/** The counts once they have stopped moving: nothing reports "all done" across the object, the queue and the consumer. */
async function settled() {
	const started = Date.now();
	let last = JSON.stringify(await counts());
	let quietSince = Date.now();
	while (Date.now() - quietSince < QUIET_MS) {
		if (Date.now() - started > GIVE_UP_MS) throw new Error(`D1 statement counts still moving after ${GIVE_UP_MS} ms`);
		await new Promise((r) => setTimeout(r, 250));
		const now = JSON.stringify(await counts());
		if (now !== last) {
			last = now;
			quietSince = Date.now();
		}
	}
	return JSON.parse(last);
}

async function expectStatus(res, status, what) {
	const text = await res.text();
	if (res.status !== status) throw new Error(`${what}: ${res.status} ${text.slice(0, 300)}`);
	return text;
}

function availability(from, to, staffId) {
	const staff = staffId === null ? "" : `&staffId=${staffId}`;
	return fetch(`${BASE}/api/v1/m/demo/availability?serviceId=svc_demo_consult${staff}&from=${from}&to=${to}&timezone=${ZONE}`);
}

function book(body) {
	return fetch(`${BASE}/api/v1/m/demo/bookings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

function figures(name, request, total, per) {
	console.log(`BENCH d1.statements_per_${name}.request ${(request / per).toFixed(1)} statements`);
	console.log(`BENCH d1.statements_per_${name}.total ${(total / per).toFixed(1)} statements`);
}

try {
	const from = new Date(Date.now() + 2 * 86400_000).toISOString().slice(0, 10);
	const to = new Date(Date.now() + 9 * 86400_000).toISOString().slice(0, 10);
	// Warm-up, one request per route measured (a cold isolate may resolve the merchant slug once); the staff
	// reads also name N free slots to book.
	const slots = [];
	for (const staffId of ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"]) {
		slots.push(...JSON.parse(await expectStatus(await availability(from, to, staffId), 200, "availability")).slots);
	}
	await expectStatus(await availability(from, to, null), 200, "availability for anyone");
	const soon = new Date(Date.now() + 5 * 60_000).toISOString();
	const customer = (i) => ({ name: `Counted ${i}`, email: `counted${i}@example.com` });
	await expectStatus(await book({ serviceId: "svc_demo_consult", staffId: "stf_demo_ana", start: soon, timezone: ZONE, customer: customer("soon") }), 422, "warm-up refusal");
	const step = Math.max(1, Math.floor(slots.length / N));
	const chosen = slots.filter((_, i) => i % step === 0).slice(0, N);
	if (chosen.length < N) throw new Error(`only ${chosen.length} free slots for ${N} bookings`);
	// The seed's own bookings are still being relayed and sent.
	await settled();

	await resetCounts();
	for (let i = 0; i < N; i++) {
		await expectStatus(await availability(from, to, chosen[i].staffId), 200, "availability");
		await expectStatus(await availability(from, to, null), 200, "availability for anyone");
	}
	const reads = await counts();
	const readsTotal = await settled();
	figures("availability", reads.request, readsTotal.request + readsTotal.background, 2 * N);

	await resetCounts();
	for (let i = 0; i < N; i++) {
		const slot = chosen[i];
		await expectStatus(await book({ serviceId: "svc_demo_consult", staffId: slot.staffId, start: slot.start, timezone: ZONE, customer: customer(i) }), 201, "booking");
	}
	// Relays that started after an answer and landed before this read count as the request's until they are
	// marked as background (inPhase) in the Durable Object.
	const booked = await counts();
	const bookedTotal = await settled();
	figures("booking", booked.request, bookedTotal.request + bookedTotal.background, N);
	// Where a booking's statements go, for whoever works on the figure above (not BENCH lines).
	const res = await fetch(`${BASE}/_dev/d1-statements?by=statement`);
	for (const { statement, count } of await res.json()) console.log(`# ${(count / N).toFixed(2)} per booking: ${statement}`);
} finally {
	await worker.dispose();
}
