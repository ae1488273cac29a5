// Polled calendars (CalDAV, iCloud, ICS; src/sync/poller.ts) against wrangler dev and the provider sandbox with
// its Radicale, both started here on their own ports (sandboxed-worker.mjs). Real alarms at their real cadence
// except in the capacity figures, which say how they differ.
// - inbound.caldav.latency_p50/_p95: the demo owner connects a staff member's Radicale calendar through the
//   Integrations API (/admin/api/connections); an event is PUT straight into Radicale, as another calendar app
//   would, over one of the staff member's free slots; then the public availability API is asked every 200 ms
//   until the slot is gone. Each run first waits a random 0-30 s, so the change lands at a random point of the
//   15-30 s poll interval, as a person's edit does (started right after the previous run's poll, it would always
//   wait a whole interval). 20 runs (POLLING_RUNS) over 5 connections polled side by side (POLLING_LANES), spread
//   over the three demo staff, each run on a day of its own.
// - inbound.ics.latency_p50/_p95: the same, at the same time, for Radicale calendars the sandbox publishes as
//   ICS feeds (their conditional GET answers 304 until the PUT): 20 runs over 5 more connections.
// - poll.unchanged.*: 100 more CalDAV connections (POLL_CONNECTIONS), nothing changing in them, left to their own
//   alarms for POLL_WINDOW_S (120 s) once the latency connections are gone. cpu_ms: the CPU time of wrangler
//   dev's two workerd processes (the Worker's, and the proxy in front of it) over the window, less their idle
//   rate measured before anything was connected, divided by the polls (Linux's per-process counters,
//   process-cpu.mjs). bytes: what crossed the wire both ways, counted by a TCP proxy in front of Radicale that
//   those connections reach it through (plain HTTP on loopback: TLS would add its own); it also frames the
//   requests, so each poll is seen to be one PROPFIND Depth 0 (the probe), and a window in which anything else
//   went by is measured again. d1_statements: the Worker's own count (D1_STATEMENT_COUNTING).
// - poll.capacity_per_second: unchanged polls the Worker completes a second, counted from the answers of
//   POST /_dev/poll-now (every poller of the list polls at once, as its alarm would). As an alarm 15-30 s after
//   the last poll does, each meets an evicted object (workerd, like Cloudflare, evicts one idle for 10 s): all
//   100 left alone 12 s, then polled at once, three times; polls over those bursts' wall time.
//   poll.capacity_warm_per_second: the same pollers kept in memory, 10 requests of 10 connections always in
//   flight for 20 s. The one local Radicale answers concurrent requests far slower than the Worker makes them,
//   so here the proxy answers each probe itself with Radicale's own answer from the window; worker_cores says
//   how much of a core workerd used, near 1 when it was the limit.
import { randomBytes } from "node:crypto";
import net from "node:net";
import { descendantsNamed, processCpuMs } from "./process-cpu.mjs";
import { sleep, startSandboxedWorker } from "./sandboxed-worker.mjs";

/** CPU milliseconds of all the processes so far. */
const cpuOf = (pids) => pids.reduce((sum, pid) => sum + processCpuMs(pid), 0);

const RUNS = Number(process.env.POLLING_RUNS ?? 20);
const LANES = Number(process.env.POLLING_LANES ?? 5);
const CONNECTIONS = Number(process.env.POLL_CONNECTIONS ?? 100);
const WINDOW_MS = Number(process.env.POLL_WINDOW_S ?? 120) * 1000;
const CAPACITY_MS = 20_000;
const CAPACITY_IN_FLIGHT = 10;
/** workerd evicts an object after 10 s without an event (Cloudflare: one that could hibernate, likewise). */
const EVICTED_AFTER_MS = 12_000;
const COLD_BURSTS = 3;
/** The slowest hot interval (src/sync/poll-cadence.ts HOT_MAX_MS). */
const HOT_MAX_MS = 30_000;
/** A hot poller's next alarm, a new one's first (at most 28 s) included, comes within this. */
const FIRST_POLL_MAX_MS = 36_000;
const ZONE = "Europe/Amsterdam";
const SERVICE = "svc_demo_consult";
const SLOT_MS = 20 * 60_000;
/** Ana and Ben work more days than Chloé (src/demo/seed.ts), so they take more of the connections. */
const STAFF = ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe", "stf_demo_ana", "stf_demo_ben"];
const OWNER_EMAIL = "owner@demo.slotline.test";

function percentile(values, p) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The framing key of the probe (src/calendars/caldav.ts probe). */
const PROBE = "PROPFIND Depth 0";

/**
 * Splits a connection's request bytes into requests (head, and a body of its Content-Length): `onRequest`
 * gets each complete one's key ("PROPFIND Depth 0") and path. A chunked body cannot be framed: "unframed".
 */
function requestFramer(onRequest) {
	let pending = Buffer.alloc(0);
	let bodyLeft = 0;
	let head = null;
	let framed = true;
	return (chunk) => {
		pending = Buffer.concat([pending, chunk]);
		while (framed) {
			if (head === null) {
				const end = pending.indexOf("\r\n\r\n");
				if (end === -1) return;
				head = pending.subarray(0, end).toString("latin1");
				pending = pending.subarray(end + 4);
				if (/\r\ntransfer-encoding:[ \t]*chunked/i.test(head)) {
					framed = false;
					onRequest({ key: "unframed", path: "" });
					return;
				}
				bodyLeft = Number(/\r\ncontent-length:[ \t]*(\d+)/i.exec(head)?.[1] ?? 0);
			}
			if (pending.length < bodyLeft) return;
			pending = pending.subarray(bodyLeft);
			const [method, path] = head.split(" ");
			const depth = /\r\ndepth:[ \t]*(\S+)/i.exec(head)?.[1];
			head = null;
			onRequest({ key: `${method}${depth === undefined ? "" : ` Depth ${depth}`}`, path });
		}
	};
}

/**
 * A TCP proxy in front of Radicale that counts the bytes both ways and the requests by method and Depth.
 * Radicale answers HTTP/1.0, one request per connection, so a connection that carried one probe holds
 * Radicale's whole answer to it: the proxy keeps the last one per collection, and once `replay()` is called it
 * answers each probe with it instead of asking Radicale (anything else then fails, counted as "unanswered").
 */
async function countingProxy(target) {
	const { hostname, port } = new URL(target);
	const counts = { bytes: 0, requests: new Map() };
	const count = (key) => counts.requests.set(key, (counts.requests.get(key) ?? 0) + 1);
	const answers = new Map();
	let replaying = false;
	const server = net.createServer((client) => {
		client.on("error", () => undefined);
		const seen = [];
		if (replaying) {
			client.on(
				"data",
				requestFramer((request) => {
					count(request.key);
					const answer = request.key === PROBE ? answers.get(request.path) : undefined;
					if (answer === undefined) {
						count("unanswered");
						client.destroy();
						return;
					}
					counts.bytes += answer.length;
					client.end(answer);
				}),
			);
			client.on("data", (chunk) => {
				counts.bytes += chunk.length;
			});
			return;
		}
		const upstream = net.connect(Number(port), hostname);
		const answer = [];
		const frame = requestFramer((request) => {
			seen.push(request);
			count(request.key);
		});
		client.on("data", (chunk) => {
			counts.bytes += chunk.length;
			frame(chunk);
			upstream.write(chunk);
		});
		upstream.on("data", (chunk) => {
			counts.bytes += chunk.length;
			answer.push(chunk);
			client.write(chunk);
		});
		upstream.on("end", () => {
			if (seen.length === 1 && seen[0].key === PROBE) answers.set(seen[0].path, Buffer.concat(answer));
			client.end();
		});
		client.on("close", () => upstream.destroy());
		upstream.on("error", () => client.destroy());
	});
	await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		/** What went by since the last take. */
		take() {
			const taken = { bytes: counts.bytes, requests: Object.fromEntries(counts.requests) };
			counts.bytes = 0;
			counts.requests.clear();
			return taken;
		},
		/** From now on, probes are answered with Radicale's last answer; returns how many collections have one. */
		replay() {
			replaying = true;
			return answers.size;
		},
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

const bench = await startSandboxedWorker({
	port: Number(process.env.BENCH_POLLING_PORT ?? 8799),
	sandboxPort: Number(process.env.BENCH_POLLING_SANDBOX_PORT ?? 8800),
	name: "polling",
	// GET /_dev/d1-statements: the D1 statements an unchanged poll costs.
	vars: { D1_STATEMENT_COUNTING: "1" },
});
const BASE = bench.base;
const control = bench.control;
const ownerPassword = randomBytes(12).toString("hex");
/** The owner's session: cookie and CSRF token, for the admin API. */
let session = { cookie: "", csrfToken: "" };

async function signIn() {
	const res = await fetch(`${BASE}/auth/signin`, { method: "POST", headers: { "content-type": "application/json", origin: BASE }, body: JSON.stringify({ email: OWNER_EMAIL, password: ownerPassword }) });
	if (!res.ok) throw new Error(`sign-in ${res.status}`);
	const cookie = res.headers.getSetCookie().find((line) => line.startsWith("__Host-slotline_session="));
	if (cookie === undefined) throw new Error("sign-in set no session cookie");
	session = { cookie: cookie.slice(0, cookie.indexOf(";")), csrfToken: (await res.json()).csrfToken };
}

async function admin(path, body, method = body === undefined ? "GET" : "POST") {
	const headers = { cookie: session.cookie, origin: BASE, "x-csrf-token": session.csrfToken };
	if (body !== undefined) headers["content-type"] = "application/json";
	const res = await fetch(`${BASE}/admin/api/connections${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	// The answer's detail names fields and codes only; a request here carries a password or a feed URL, never shown.
	if (!res.ok) throw new Error(`${method} /admin/api/connections${path}: ${res.status} ${(await res.json().catch(() => ({}))).type ?? ""}`);
	return (await res.json()).connection;
}

let accountsMade = Promise.resolve();

/**
 * A fresh Radicale user with one calendar; `base` is Radicale's own URL. One at a time: the sandbox rewrites
 * Radicale's users file through one temporary file, so two users added at once can fail.
 */
function radicaleAccount() {
	const made = accountsMade.then(async () => {
		const username = `bench-${randomBytes(4).toString("hex")}`;
		const password = randomBytes(9).toString("base64url");
		const { homeUrl } = await control("/caldav/users", { username, password });
		const { url } = await control("/caldav/calendars", { username, password, slug: "work", displayName: "Work" });
		return { username, password, base: homeUrl.slice(0, homeUrl.length - `/${username}/`.length), calendarUrl: url.endsWith("/") ? url : `${url}/` };
	});
	accountsMade = made.catch(() => undefined);
	return made;
}

/** A CalDAV connection of `staffId` to the account's server (or the proxy in front of it), as the owner makes one. */
async function connectCaldav(account, staffId, serverUrl = account.base) {
	return admin("", { provider: "caldav", staffId, serverUrl, username: account.username, password: account.password });
}

async function connectFeed(account, staffId) {
	const { url } = await control("/feeds", { username: account.username, password: account.password, calendar: "work" });
	return admin("", { provider: "ics", staffId, serverUrl: url });
}

function stamp(ms) {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** An event PUT into the account's Radicale calendar, as another calendar app would write it. */
async function putEvent(account, start) {
	const uid = `bench-${randomBytes(6).toString("hex")}`;
	const ics = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//slotline bench//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:${stamp(Date.now())}\r\nDTSTART:${stamp(start)}\r\nDTEND:${stamp(start + SLOT_MS)}\r\nSUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
	const res = await fetch(`${account.calendarUrl}${uid}.ics`, {
		method: "PUT",
		headers: { authorization: `Basic ${Buffer.from(`${account.username}:${account.password}`).toString("base64")}`, "content-type": "text/calendar; charset=utf-8" },
		body: ics,
	});
	if (!res.ok) throw new Error(`PUT into Radicale: ${res.status}`);
}

async function slots(staffId, day) {
	const res = await fetch(`${BASE}/api/v1/m/demo/availability?serviceId=${SERVICE}&staffId=${staffId}&from=${day}&to=${day}&timezone=${ZONE}`);
	if (!res.ok) throw new Error(`availability ${res.status}`);
	return (await res.json()).slots.map((s) => s.start);
}

/** Days already taken, per staff member: no two runs share one, so no run's event touches another's slot. */
const daysTaken = new Map();

/** The next day (from the day after tomorrow) on which `staffId` has a free slot, and its middle slot. */
async function freeSlot(staffId) {
	const taken = daysTaken.get(staffId) ?? new Set();
	daysTaken.set(staffId, taken);
	for (let d = 2; d < 55; d++) {
		const day = new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
		if (taken.has(day)) continue;
		taken.add(day);
		const free = await slots(staffId, day);
		if (free.length > 0) return { day, slot: free[Math.floor(free.length / 2)] };
	}
	throw new Error(`no free day left for ${staffId}`);
}

async function untilGone(staffId, day, slot, started, timeoutMs = 120_000) {
	while (performance.now() - started < timeoutMs) {
		if (!(await slots(staffId, day)).includes(slot)) return performance.now() - started;
		await sleep(200);
	}
	throw new Error(`slot ${slot} of ${staffId} still free after ${timeoutMs} ms`);
}

/** Waits until every calendar of the connections has been polled at least once. */
async function firstPolls(connections, timeoutMs = FIRST_POLL_MAX_MS + 60_000) {
	const deadline = Date.now() + timeoutMs;
	for (const { id } of connections) {
		for (;;) {
			const connection = await admin(`/${id}`);
			const checked = connection.calendars.filter((c) => c.checkConflicts);
			if (checked.length > 0 && checked.every((c) => c.polling?.lastCheckedAt != null)) break;
			if (Date.now() > deadline) throw new Error(`connection ${id} was not polled within ${timeoutMs} ms`);
			await sleep(1000);
		}
	}
}

/** `count` connections made `at` a time. */
async function inParallel(count, at, make) {
	const made = [];
	let next = 0;
	await Promise.all(
		Array.from({ length: at }, async () => {
			while (next < count) {
				const i = next++;
				made[i] = await make(i);
			}
		}),
	);
	return made;
}

/** One lane: its runs one after another, each after a random pause; the latencies in ms. */
async function lane({ account, staffId }, runs) {
	const samples = [];
	for (let run = 0; run < runs; run++) {
		await sleep(Math.random() * HOT_MAX_MS);
		const { day, slot } = await freeSlot(staffId);
		const started = performance.now();
		await putEvent(account, Date.parse(slot));
		samples.push(await untilGone(staffId, day, slot, started));
	}
	return samples;
}

async function latency(kind, lanes) {
	const runsOf = (i) => Math.floor(RUNS / lanes.length) + (i < RUNS % lanes.length ? 1 : 0);
	const samples = (await Promise.all(lanes.map((l, i) => lane(l, runsOf(i))))).flat();
	return () => {
		console.log(`BENCH inbound.${kind}.latency_p50 ${percentile(samples, 50).toFixed(0)} ms`);
		console.log(`BENCH inbound.${kind}.latency_p95 ${percentile(samples, 95).toFixed(0)} ms`);
		console.log(`BENCH inbound.${kind}.runs ${samples.length} runs`);
	};
}

async function pollNow(connectionIds) {
	const res = await fetch(`${BASE}/_dev/poll-now`, { method: "POST", headers: { "content-type": "application/json", "x-seed-token": bench.seedToken }, body: JSON.stringify({ connectionIds }) });
	if (!res.ok) throw new Error(`poll-now ${res.status}`);
	return res.json();
}

/** The Worker's D1 statements since the last call. */
async function d1Statements() {
	const res = await fetch(`${BASE}/_dev/d1-statements?reset=1`);
	if (!res.ok) throw new Error(`d1-statements ${res.status}`);
	const counts = await res.json();
	return counts.request + counts.background;
}

function requestsOtherThanProbes(requests) {
	return Object.entries(requests).filter(([key]) => key !== "PROPFIND Depth 0");
}

/** Throws unless every request that went by was a probe. */
function onlyProbes(wire, phase) {
	const others = Object.entries(wire.requests).filter(([key]) => key !== PROBE);
	if (others.length > 0) throw new Error(`${phase}: not every poll was an unchanged probe: ${JSON.stringify(wire.requests)}`);
}

/** Pollers in memory, each polled again a second or two later: CAPACITY_IN_FLIGHT requests always in flight for CAPACITY_MS. */
async function warmCapacity(ids, proxy, workerd) {
	const slices = Array.from({ length: CAPACITY_IN_FLIGHT }, (_, i) => ids.filter((_, k) => k % CAPACITY_IN_FLIGHT === i));
	const first = await pollNow(ids);
	if (first.checked !== ids.length || first.changed !== 0) throw new Error(`warm-up: ${first.checked} of ${ids.length} polled, ${first.changed} changed`);
	proxy.take();
	let completed = 0;
	const cpuBefore = cpuOf(workerd);
	const started = performance.now();
	await Promise.all(
		slices.map(async (slice) => {
			while (performance.now() - started < CAPACITY_MS) {
				const answer = await pollNow(slice);
				if (answer.changed > 0) throw new Error("warm capacity: a poll found a change");
				completed += answer.checked;
			}
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	const cores = (cpuOf(workerd) - cpuBefore) / 1000 / seconds;
	onlyProbes(proxy.take(), "warm capacity");
	console.log(`BENCH poll.capacity_warm_per_second ${(completed / seconds).toFixed(0)} polls/s`);
	console.log(`BENCH poll.capacity_warm.worker_cores ${cores.toFixed(2)} cores`);
}

/**
 * As an alarm meets its poller 15-30 s after the last poll: every poller left alone for EVICTED_AFTER_MS (workerd
 * evicts an object idle for 10 s, as Cloudflare does one that could hibernate), then all polled at once;
 * COLD_BURSTS times. The polls completed over the bursts' wall time.
 */
async function coldCapacity(ids, proxy, workerd) {
	proxy.take();
	let polls = 0;
	let ms = 0;
	let cpu = 0;
	let statements = 0;
	for (let burst = 0; burst < COLD_BURSTS; burst++) {
		await sleep(EVICTED_AFTER_MS);
		await d1Statements();
		const cpuBefore = cpuOf(workerd);
		const started = performance.now();
		const answer = await pollNow(ids);
		ms += performance.now() - started;
		cpu += cpuOf(workerd) - cpuBefore;
		statements += await d1Statements();
		if (answer.checked !== ids.length || answer.changed !== 0) throw new Error(`cold capacity: ${answer.checked} of ${ids.length} polled, ${answer.changed} changed`);
		polls += answer.checked;
	}
	onlyProbes(proxy.take(), "cold capacity");
	console.log(`# polling: a cold poll cost ${(statements / polls).toFixed(1)} D1 statements`);
	console.log(`BENCH poll.capacity_per_second ${(polls / (ms / 1000)).toFixed(0)} polls/s`);
	console.log(`BENCH poll.capacity.worker_cores ${(cpu / ms).toFixed(2)} cores`);
}

/** workerd's CPU milliseconds a second with nothing to do (its own timers, wrangler's proxy), over 10 s. */
async function idleCpuRate(workerd) {
	const before = cpuOf(workerd);
	await sleep(10_000);
	return (cpuOf(workerd) - before) / 10_000;
}

/**
 * Unchanged polls by their own alarms over WINDOW_MS: workerd's CPU beyond its idle rate, the bytes on the wire
 * and the D1 statements, per poll. A window in which anything but probes went by is measured again.
 */
async function unchangedPolls(proxy, workerd, idleRate) {
	for (let attempt = 1; ; attempt++) {
		proxy.take();
		await d1Statements();
		const before = cpuOf(workerd);
		await sleep(WINDOW_MS);
		const cpu = cpuOf(workerd) - before - idleRate * WINDOW_MS;
		const statements = await d1Statements();
		const wire = proxy.take();
		const polls = wire.requests[PROBE] ?? 0;
		if (Object.keys(wire.requests).every((key) => key === PROBE) && polls > 0) {
			console.log(`BENCH poll.unchanged.polls ${polls} polls`);
			console.log(`BENCH poll.unchanged.cpu_ms ${(cpu / polls).toFixed(1)} ms`);
			console.log(`BENCH poll.unchanged.bytes ${Math.round(wire.bytes / polls)} bytes`);
			console.log(`BENCH poll.unchanged.d1_statements ${(statements / polls).toFixed(1)} statements`);
			return;
		}
		if (attempt === 3) throw new Error(`the unchanged window saw other requests three times: ${JSON.stringify(wire.requests)}`);
		console.error(`polling: the window saw more than probes (${JSON.stringify(wire.requests)}); measuring again`);
	}
}

try {
	const seeded = await bench.seed({ ownerPassword });
	if (!seeded.ok) throw new Error(`seed failed: ${seeded.status} ${await seeded.text()}`);
	await signIn();
	// wrangler dev runs two workerd: the Worker's, and a proxy in front of it that forwards requests; both count.
	const workerd = descendantsNamed(process.pid, "workerd");
	if (workerd.length === 0) throw new Error("no workerd among this process's descendants");
	const idleRate = await idleCpuRate(workerd);
	console.log(`# polling: workerd idle ${(idleRate * 1000).toFixed(1)} ms CPU a second`);

	const caldavLanes = await inParallel(LANES, LANES, async (i) => {
		const account = await radicaleAccount();
		return { account, staffId: STAFF[i % STAFF.length], connection: await connectCaldav(account, STAFF[i % STAFF.length]) };
	});
	const icsLanes = await inParallel(LANES, LANES, async (i) => {
		const account = await radicaleAccount();
		return { account, staffId: STAFF[i % STAFF.length], connection: await connectFeed(account, STAFF[i % STAFF.length]) };
	});
	const proxy = await countingProxy(caldavLanes[0].account.base);
	// Made now, so their first polls (a sync each) are over by the time they are measured.
	const measured = await inParallel(CONNECTIONS, 5, async (i) => connectCaldav(await radicaleAccount(), STAFF[i % STAFF.length], proxy.url));

	await firstPolls([...caldavLanes, ...icsLanes].map((l) => l.connection));
	const [caldavFigures, icsFigures] = await Promise.all([latency("caldav", caldavLanes), latency("ics", icsLanes)]);
	caldavFigures();
	icsFigures();
	// Only the measured connections poll from here on: a disconnected connection's poller stops at its next
	// alarm, which comes within FIRST_POLL_MAX_MS.
	for (const { connection } of [...caldavLanes, ...icsLanes]) await admin(`/${connection.id}`, undefined, "DELETE");
	await sleep(FIRST_POLL_MAX_MS);
	await unchangedPolls(proxy, workerd, idleRate);

	// Radicale, not the Worker, would set the pace below: from here the proxy answers the probes itself.
	const ids = measured.map((c) => c.id);
	const answered = proxy.replay();
	if (answered < ids.length) throw new Error(`only ${answered} of ${ids.length} calendars were probed in the window`);
	await warmCapacity(ids, proxy, workerd);
	await coldCapacity(ids, proxy, workerd);
	await proxy.close();
} finally {
	await bench.stop();
}
