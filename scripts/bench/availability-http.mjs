// Availability over HTTP: 50 sequential calls of the public availability API for 30 days, for one staff
// member and for "anyone" of ten, against wrangler dev with a merchant of 10 staff and ~1,000 bookings.
// Everything around the pure core (availability.ts measures that alone) is in these figures: routing,
// validation, loading the schedule, formatting. The bookings are made through the public API, so the
// benchmark holds wherever the schedule is kept.
//
// Beside each figure, in the same run and under the same wrangler dev, the least such a read can cost
// on this runtime: the storms' baseline Worker (scripts/bench/baseline-worker.ts) reading the same
// bookings from its Durable Object's SQLite (Worker → object → one indexed select → JSON), its calls
// alternating with Slotline's so that drift of the machine affects both alike. Last, the floors: the
// same calls of /healthz and of a route that does nothing. Calls go through
// node:http with one kept-alive connection: Node's fetch spent 2–5 ms of its own per call on a
// two-core machine (curl and node:http agree within half a millisecond), which is the client's time,
// not the server's. Prints `BENCH` lines in ms; asserts nothing about time.
import http from "node:http";
import { BENCH_CONFIG, startLocalWorker } from "./local-worker.mjs";
import { percentile } from "./storm-load.mjs";

const PORT = Number(process.env.BENCH_AVAILABILITY_PORT ?? 8792);
const STAFF = 10;
const BOOKINGS = 1000;
const CALLS = 50;
const DAYS = 30;
const ZONE = "Europe/Amsterdam";

const day = (offset) => new Date(Date.now() + offset * 86400_000).toISOString().slice(0, 10);
const FROM = day(1);
const TO = day(DAYS);

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** GET `url` over the kept-alive connection; the body as text (any status but 200 rejects). */
function getBody(url) {
	return new Promise((resolve, reject) => {
		http
			.get(url, { agent }, (res) => {
				const chunks = [];
				res.on("data", (chunk) => chunks.push(chunk));
				res.on("error", reject);
				res.on("end", () => {
					const text = Buffer.concat(chunks).toString("utf8");
					if (res.statusCode !== 200) reject(new Error(`GET ${url}: ${res.statusCode} ${text.slice(0, 300)}`));
					else resolve(text);
				});
			})
			.on("error", reject);
	});
}

/** GET `url` over the kept-alive connection; the parsed JSON body. */
async function getJson(url) {
	return JSON.parse(await getBody(url));
}

async function slotsOf(base, merchant, staffId) {
	const staff = staffId === undefined ? "" : `&staffId=${staffId}`;
	return (await getJson(`${base}/api/v1/m/${merchant.slug}/availability?serviceId=${merchant.serviceId}${staff}&from=${FROM}&to=${TO}&timezone=${ZONE}`)).slots;
}

/** The baseline's read of the same bookings: the 30 days from FROM, of one staff member or of all. */
async function baselineBookingsOf(base, merchant, staffId) {
	const staff = staffId === undefined ? "" : `&staffId=${staffId}`;
	return (await getJson(`${base}/_baseline/m/${merchant.slug}/bookings?from=${FROM}T00:00:00Z&to=${day(DAYS + 1)}T00:00:00Z${staff}`)).bookings;
}

/** BOOKINGS / STAFF bookings per staff member, spread evenly over the 30 days; one writer per staff member. */
async function book(base, merchant) {
	let created = 0;
	await Promise.all(
		merchant.staffIds.map(async (staffId) => {
			const free = await slotsOf(base, merchant, staffId);
			const step = Math.max(1, Math.floor(free.length / (BOOKINGS / STAFF)));
			for (const slot of free.filter((_, i) => i % step === 0).slice(0, BOOKINGS / STAFF)) {
				const res = await fetch(`${base}/api/v1/m/${merchant.slug}/bookings`, {
					method: "POST",
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ serviceId: merchant.serviceId, staffId, start: slot.start, timezone: ZONE, customer: { name: "Bench customer", email: `${staffId}-${slot.start}@example.com`.replaceAll(":", "") } }),
				});
				await res.arrayBuffer();
				if (res.status === 201) created++;
				else throw new Error(`booking: ${res.status}`);
				// The same booking in the baseline's object, so both sides read the same schedule.
				const copy = await fetch(`${base}/_baseline/m/${merchant.slug}/bookings`, {
					method: "POST",
					headers: { "content-type": "application/json" },
					body: JSON.stringify({ staffId, start: slot.start, end: slot.end }),
				});
				await copy.arrayBuffer();
				if (copy.status !== 201) throw new Error(`baseline booking: ${copy.status}`);
			}
		}),
	);
	return created;
}

/**
 * Waits until the background work the bookings started (the outbox relay, the queue consumer) has stopped
 * touching D1, so it does not compete with the measured calls: the D1 statement counts (GET
 * /_dev/d1-statements) unchanged for 3 s. Where that route is missing, a pause long enough on a busy
 * two-core machine (the consumer's 1,000 confirmation emails took about 50 s there).
 */
async function settle(base) {
	let last = "";
	let quiet = 0;
	for (let waited = 0; waited < 180 && quiet < 3; waited++) {
		const res = await fetch(`${base}/_dev/d1-statements`);
		if (res.status === 404) return new Promise((r) => setTimeout(r, 60_000));
		const counts = await res.text();
		quiet = counts === last ? quiet + 1 : 0;
		last = counts;
		await new Promise((r) => setTimeout(r, 1000));
	}
}

/**
 * CALLS sequential calls after one unmeasured call, each followed by the baseline's read of the same
 * bookings; prints both sides' p50 and p95 in ms, the slots answered and the p95 ratio.
 */
async function measure(name, base, merchant, staffId) {
	await slotsOf(base, merchant, staffId);
	await baselineBookingsOf(base, merchant, staffId);
	const ours = [];
	const theirs = [];
	let slots = 0;
	let bookings = 0;
	for (let i = 0; i < CALLS; i++) {
		let started = performance.now();
		slots = (await slotsOf(base, merchant, staffId)).length;
		ours.push(performance.now() - started);
		started = performance.now();
		bookings = (await baselineBookingsOf(base, merchant, staffId)).length;
		theirs.push(performance.now() - started);
	}
	ours.sort((a, b) => a - b);
	theirs.sort((a, b) => a - b);
	console.log(`BENCH availability.http.${name}.p50 ${percentile(ours, 50).toFixed(1)} ms`);
	console.log(`BENCH availability.http.${name}.p95 ${percentile(ours, 95).toFixed(1)} ms`);
	console.log(`BENCH availability.http.${name}.slots ${slots} slots`);
	console.log(`BENCH availability.http.baseline.${name}.p50 ${percentile(theirs, 50).toFixed(1)} ms`);
	console.log(`BENCH availability.http.baseline.${name}.p95 ${percentile(theirs, 95).toFixed(1)} ms`);
	console.log(`BENCH availability.http.baseline.${name}.bookings ${bookings} bookings`);
	console.log(`BENCH availability.http.${name}.p95_ratio_to_baseline ${(percentile(ours, 95) / percentile(theirs, 95)).toFixed(2)} ratio`);
}

/** p50 and p95 in ms of CALLS sequential GETs of `url` (after one unmeasured), whose bodies are read and dropped. */
async function timeCalls(url) {
	await getBody(url);
	const times = [];
	for (let i = 0; i < CALLS; i++) {
		const started = performance.now();
		await getBody(url);
		times.push(performance.now() - started);
	}
	times.sort((a, b) => a - b);
	return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/**
 * What a call costs before any of Slotline's work, beside which the figures above are read: the same
 * calls of GET /healthz (the Worker's routing and one D1 query, no Durable Object), and of a route of the
 * bench Worker that answers "ok" and does nothing (`floor.nothing`: wrangler dev's proxy and the runtime
 * alone, the least any call costs here).
 */
async function measureFloor(base) {
	const health = await timeCalls(`${base}/healthz`);
	console.log(`BENCH availability.http.floor.p50 ${health.p50.toFixed(1)} ms`);
	console.log(`BENCH availability.http.floor.p95 ${health.p95.toFixed(1)} ms`);
	const nothing = await timeCalls(`${base}/_baseline/nothing`);
	console.log(`BENCH availability.http.floor.nothing.p50 ${nothing.p50.toFixed(1)} ms`);
	console.log(`BENCH availability.http.floor.nothing.p95 ${nothing.p95.toFixed(1)} ms`);
}

const worker = await startLocalWorker(PORT, { config: BENCH_CONFIG });
try {
	const seeded = await fetch(`${worker.base}/_dev/seed-bench-merchants`, { method: "POST", headers: { "content-type": "application/json", "x-seed-token": worker.seedToken }, body: JSON.stringify({ count: 1, staffPerMerchant: STAFF }) });
	if (!seeded.ok) throw new Error(`bench merchant: ${seeded.status}`);
	const [merchant] = (await seeded.json()).merchants;
	if (merchant.staffIds.length !== STAFF) throw new Error(`bench merchant has ${merchant.staffIds.length} staff, not ${STAFF}`);
	const created = await book(worker.base, merchant);
	await settle(worker.base);
	console.log(`BENCH availability.http.staff ${STAFF} staff`);
	console.log(`BENCH availability.http.bookings ${created} bookings`);
	await measure("1staff", worker.base, merchant, merchant.staffIds[0]);
	await measure("anyone10", worker.base, merchant, undefined);
	await measureFloor(worker.base);
} finally {
	agent.destroy();
	await worker.dispose();
}
