// Outbound sync throughput against wrangler dev and the provider sandbox (both started here, on their own
// ports): OUTBOUND_BOOKINGS bookings each for Ana and Ben are made through the public API while no calendar
// is connected; then Ana's Google and Ben's Microsoft sandbox calendars are connected (in that order), which
// queues a push of every current and future booking of each, and the real queue consumer writes them. The
// figures are how fast each calendar fills, from its first event to its last (the queue takes Ana's pushes
// before Ben's, so the two windows barely overlap), and the total from the connect to the last event.
import { freeSlots, sleep, startSandboxedWorker } from "./sandboxed-worker.mjs";

const BOOKINGS = Number(process.env.OUTBOUND_BOOKINGS ?? 300);
const ZONE = "Europe/Amsterdam";
const STAFF = [
	{ staffId: "stf_demo_ana", provider: "google", owner: "ana@demo.slotline.test" },
	{ staffId: "stf_demo_ben", provider: "microsoft", owner: "ben@demo.slotline.test" },
];
const bench = await startSandboxedWorker({ port: Number(process.env.BENCH_OUTBOUND_PORT ?? 8795), sandboxPort: Number(process.env.BENCH_OUTBOUND_SANDBOX_PORT ?? 8796), name: "outbound" });
const BASE = bench.base;

/** Books every slot through the public API, 20 requests at a time. */
async function book(staffId, slots) {
	let next = 0;
	await Promise.all(
		Array.from({ length: 20 }, async () => {
			while (next < slots.length) {
				const i = next++;
				const res = await fetch(`${BASE}/api/v1/m/demo/bookings`, {
					method: "POST",
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ serviceId: "svc_demo_consult", staffId, start: slots[i], timezone: ZONE, customer: { name: `Outbound ${i}`, email: `outbound-${staffId}-${i}@example.com` } }),
				});
				if (res.status !== 201) throw new Error(`booking ${staffId} ${slots[i]}: ${res.status} ${await res.text()}`);
			}
		}),
	);
}

/** Live events in a staff member's sandbox calendar. */
async function liveEvents(provider, owner) {
	const calendar = (await bench.control(`/${provider}/calendars`)).find((c) => c.owner === owner);
	if (calendar === undefined) return 0;
	const events = await bench.control(`/${provider}/calendars/${encodeURIComponent(calendar.id)}/events`);
	return events.filter((e) => (provider === "google" ? e.status !== "cancelled" : e["@sandbox.deleted"] !== true)).length;
}

/**
 * Polls `read` until it is at least `atLeast` and has not grown for 3 s; returns the count, when it
 * first grew and when it last grew (ms after `since`).
 */
async function settled(read, atLeast, since = performance.now()) {
	let count = -1;
	let firstAt = null;
	let grewAt = performance.now();
	for (;;) {
		const now = await read();
		if (now !== count) {
			if (count !== -1) firstAt ??= performance.now() - since;
			count = now;
			grewAt = performance.now();
		} else if (count >= atLeast && performance.now() - grewAt > 3_000) {
			return { count, firstMs: firstAt ?? 0, ms: grewAt - since };
		}
		if (performance.now() - since > 600_000) throw new Error(`stuck at ${count} (want at least ${atLeast})`);
		await sleep(100);
	}
}

try {
	// The demo without calendars: its own bookings and ours are made before anything can be pushed.
	const seeded = await bench.seed();
	if (!seeded.ok) throw new Error(`seed failed: ${seeded.status} ${await seeded.text()}`);
	for (const { staffId } of STAFF) await book(staffId, await freeSlots(BASE, staffId, BOOKINGS));
	// The customers' confirmation emails go through the same queue: let them all pass before timing pushes.
	await settled(async () => (await bench.control("/mail")).messages.length, STAFF.length * BOOKINGS);

	// Connecting queues one push per current and future booking of each staff member (the demo's own included).
	const started = performance.now();
	const connected = await bench.seed({ sandboxUrl: bench.sandboxUrl, connectCalendars: "always" });
	if (!connected.ok) throw new Error(`connect failed: ${connected.status} ${await connected.text()}`);
	const done = new Map();
	await Promise.all(
		STAFF.map(async ({ provider, owner }) => {
			done.set(provider, await settled(() => liveEvents(provider, owner), BOOKINGS, started));
		}),
	);
	let total = 0;
	for (const { provider } of STAFF) {
		const { count, firstMs, ms } = done.get(provider);
		total += count;
		console.log(`BENCH outbound.${provider}.bookings ${count} bookings`);
		console.log(`BENCH outbound.${provider}.seconds ${((ms - firstMs) / 1000).toFixed(2)} s`);
		console.log(`BENCH outbound.${provider}.bookings_per_second ${(count / ((ms - firstMs) / 1000)).toFixed(1)} bookings/s`);
	}
	const slowest = Math.max(...[...done.values()].map((d) => d.ms));
	console.log(`BENCH outbound.total.seconds ${(slowest / 1000).toFixed(2)} s`);
	console.log(`BENCH outbound.total.bookings_per_second ${(total / (slowest / 1000)).toFixed(1)} bookings/s`);
} finally {
	await bench.stop();
}
