// Inbound sync benchmarks against wrangler dev and the provider sandbox (both started here, on their
// own ports): push latency for Google and Microsoft (an event created in the demo staff member's
// calendar until its slot leaves the public availability; p50/p95 over 20 runs), and the throughput of
// a full sync of a 10,000-event calendar (500 of them weekly series) forced by a 410: its wall time end
// to end, the provider's share of it, and the Worker's CPU time measured on its own (inbound-cpu.ts).
// INBOUND_ONLY=throughput (or latency) runs one half.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { benchEnv, sleep, startSandboxedWorker } from "./sandboxed-worker.mjs";

const RUNS = Number(process.env.INBOUND_RUNS ?? 20);
const EVENTS = Number(process.env.INBOUND_EVENTS ?? 10_000);
const SERIES = Number(process.env.INBOUND_SERIES ?? 500);
const ZONE = "Europe/Amsterdam";
const ONLY = process.env.INBOUND_ONLY ?? "";
const DAY_MS = 86_400_000;
/** The sync window's far end (src/sync/window.ts SYNC_AHEAD_MS): occurrences after it are not synced. */
const AHEAD_MS = 365 * DAY_MS;
const bench = await startSandboxedWorker({ port: Number(process.env.BENCH_INBOUND_PORT ?? 8793), sandboxPort: Number(process.env.BENCH_SANDBOX_PORT ?? 8794), name: "inbound" });
const BASE = bench.base;
const SANDBOX = bench.sandboxUrl;
const control = bench.control;

async function slots(staffId, day) {
	const res = await fetch(`${BASE}/api/v1/m/demo/availability?serviceId=svc_demo_consult&staffId=${staffId}&from=${day}&to=${day}&timezone=${ZONE}`);
	if (!res.ok) throw new Error(`availability ${res.status}`);
	return (await res.json()).slots.map((s) => s.start);
}

/** Waits until `slot` is no longer offered; returns the elapsed milliseconds since `started`. */
async function untilGone(staffId, day, slot, started, timeoutMs = 120_000) {
	while (performance.now() - started < timeoutMs) {
		if (!(await slots(staffId, day)).includes(slot)) return performance.now() - started;
		await sleep(25);
	}
	throw new Error(`slot ${slot} of ${staffId} still free after ${timeoutMs} ms`);
}

function percentile(values, p) {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Working days ahead where both Ana (Mon–Fri) and Ben (Tue–Sat) work. */
function workdays(count) {
	const days = [];
	for (let d = 3; days.length < count; d++) {
		const date = new Date(Date.now() + d * 86_400_000);
		if ([2, 3, 4, 5].includes(date.getUTCDay())) days.push(date.toISOString().slice(0, 10));
	}
	return days;
}

async function calendarOf(provider, owner) {
	const calendars = await control(`/${provider}/calendars`);
	const found = calendars.find((c) => c.owner === owner);
	if (found === undefined) throw new Error(`no ${provider} calendar of ${owner}`);
	return found.id;
}

async function waitForPush() {
	for (let i = 0; i < 200; i++) {
		const channels = (await control("/google/channels")).channels.filter((c) => c.address.startsWith(BASE));
		const subscriptions = (await control("/microsoft/subscriptions")).subscriptions.filter((s) => s.notificationUrl.startsWith(BASE));
		if (channels.length > 0 && subscriptions.length > 0) return;
		await sleep(250);
	}
	throw new Error("the demo calendars never got a push channel");
}

async function latency(provider, staffId, owner) {
	const calendarId = await calendarOf(provider, owner);
	const samples = [];
	for (const day of workdays(RUNS)) {
		const free = await slots(staffId, day);
		const slot = free[Math.floor(free.length / 2)];
		const end = new Date(Date.parse(slot) + 20 * 60_000).toISOString();
		const started = performance.now();
		await control(`/${provider}/calendars/${encodeURIComponent(calendarId)}/events`, { summary: "Bench", start: slot, end });
		samples.push(await untilGone(staffId, day, slot, started));
	}
	console.log(`BENCH inbound.${provider}.latency_p50 ${percentile(samples, 50).toFixed(0)} ms`);
	console.log(`BENCH inbound.${provider}.latency_p95 ${percentile(samples, 95).toFixed(0)} ms`);
}

/** An access token for a sandbox Google account, through the dev client's authorization-code grant. */
async function googleToken(email) {
	const redirect = "http://127.0.0.1:9/bench";
	const query = new URLSearchParams({ client_id: "slotline-dev-google", redirect_uri: redirect, response_type: "code", scope: "https://www.googleapis.com/auth/calendar.events.owned", login_hint: email, state: "bench" });
	const authorized = await fetch(`${SANDBOX}/google/o/oauth2/v2/auth?${query}`, { redirect: "manual" });
	const code = new URL(authorized.headers.get("location") ?? "http://x/").searchParams.get("code") ?? "";
	const res = await fetch(`${SANDBOX}/google/token`, {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded" },
		body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirect, client_id: "slotline-dev-google", client_secret: "dev-google-secret" }),
	});
	if (!res.ok) throw new Error(`token ${res.status}`);
	return (await res.json()).access_token;
}

/** The pages of a full sync as the provider serves them, and how long it took to serve them all. */
async function providerPages(calendarId, token, now) {
	const pages = [];
	let pageToken = null;
	const started = performance.now();
	do {
		const query = new URLSearchParams({ singleEvents: "true", maxResults: "2500", timeMin: new Date(now - 90 * DAY_MS).toISOString(), timeMax: new Date(now + AHEAD_MS).toISOString() });
		if (pageToken !== null) query.set("pageToken", pageToken);
		const res = await fetch(`${SANDBOX}/google/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events?${query}`, { headers: { authorization: `Bearer ${token}` } });
		if (!res.ok) throw new Error(`events.list ${res.status}`);
		const text = await res.text();
		pages.push(text);
		pageToken = JSON.parse(text).nextPageToken ?? null;
	} while (pageToken !== null);
	return { pages, ms: performance.now() - started };
}

/** 10,000 events (500 weekly series) in Ana's Google calendar, then a 410 forces a full sync of them all. */
async function throughput() {
	const calendarId = await calendarOf("google", "ana@demo.slotline.test");
	await control("/faults", { provider: "google", dropNotifications: 1 });
	const startDay = Date.now() + 2 * DAY_MS;
	let next = 0;
	let instances = 0;
	await Promise.all(
		Array.from({ length: 20 }, async () => {
			while (next < EVENTS) {
				const i = next++;
				// Late evening, outside working hours, so the sentinel slot below stays free until the sync.
				const dayStart = startDay + (i % 300) * DAY_MS;
				const day = new Date(dayStart).toISOString().slice(0, 10);
				if (i < SERIES) {
					// Only occurrences inside the sync window are synced (and counted).
					for (let k = 0; k < 52 && dayStart + k * 7 * DAY_MS < Date.now() + AHEAD_MS; k++) instances++;
				} else instances++;
				const body = i < SERIES
					? { summary: `Series ${i}`, start: `${day}T06:00:00`, end: `${day}T06:30:00`, timeZone: ZONE, recurrence: ["RRULE:FREQ=WEEKLY;COUNT=52"] }
					: { summary: `Event ${i}`, start: `${day}T21:${String(i % 60).padStart(2, "0")}:00`, end: `${day}T22:${String(i % 60).padStart(2, "0")}:00`, timeZone: ZONE };
				await control(`/google/calendars/${encodeURIComponent(calendarId)}/events`, body);
			}
		}),
	);
	await control("/faults", undefined, "DELETE");
	await control("/faults", { provider: "google", forceSyncGone: true });
	const [day] = workdays(1);
	const free = await slots("stf_demo_ana", day);
	const slot = free[0];
	const started = performance.now();
	await control(`/google/calendars/${encodeURIComponent(calendarId)}/events`, { summary: "Sentinel", start: slot, end: new Date(Date.parse(slot) + 20 * 60_000).toISOString() });
	const ms = await untilGone("stf_demo_ana", day, slot, started, 600_000);
	console.log(`BENCH inbound.full_sync.events ${EVENTS + 1} events`);
	console.log(`BENCH inbound.full_sync.instances ${instances + 1} instances`);
	// Wall time from the sentinel event to its slot leaving availability: push delivery, the queue's batch
	// wait, the provider serving every page, the Worker's work and D1's writes.
	console.log(`BENCH inbound.full_sync.seconds ${(ms / 1000).toFixed(2)} s`);
	console.log(`BENCH inbound.full_sync.events_per_second ${((EVENTS + 1) / (ms / 1000)).toFixed(0)} events/s`);
	// The provider's share: the same full listing, timed from here.
	const now = Date.now();
	const { pages, ms: providerMs } = await providerPages(calendarId, await googleToken("ana@demo.slotline.test"), now);
	console.log(`BENCH inbound.full_sync.provider_seconds ${(providerMs / 1000).toFixed(2)} s`);
	console.log(`BENCH inbound.full_sync.pages ${pages.length} pages`);
	// The Worker's CPU on those same pages, measured without the waits (see inbound-cpu.ts).
	const file = join(bench.state, "pages.json");
	writeFileSync(file, JSON.stringify(pages));
	const cpu = spawnSync("npx", ["tsx", "scripts/bench/inbound-cpu.ts", file, ZONE, String(now)], { env: benchEnv, encoding: "utf8" });
	if (cpu.status !== 0) throw new Error(`inbound-cpu failed: ${cpu.stderr}`);
	process.stdout.write(cpu.stdout);
}

try {
	const seeded = await bench.seed({ sandboxUrl: SANDBOX });
	if (!seeded.ok) throw new Error(`seed failed: ${seeded.status} ${await seeded.text()}`);
	await waitForPush();
	if (ONLY !== "throughput") {
		await latency("google", "stf_demo_ana", "ana@demo.slotline.test");
		await latency("microsoft", "stf_demo_ben", "ben@demo.slotline.test");
	}
	if (ONLY !== "latency") await throughput();
} finally {
	await bench.stop();
}
