// Outbound sync throughput against wrangler dev and the provider sandbox (both started here, on their own
// ports): OUTBOUND_BOOKINGS bookings each for Ana and Ben are made through the public API while no calendar
// is connected; then Ana's Google and Ben's Microsoft sandbox calendars are connected (in that order), which
// queues a push of every current and future booking of each, and the real queue consumer writes them. The
// figures are how fast each calendar fills, from its first event to its last (the queue takes Ana's pushes
// before Ben's, so the two windows barely overlap), and the total from the connect to the last event.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PORT = Number(process.env.BENCH_OUTBOUND_PORT ?? 8795);
const SANDBOX_PORT = Number(process.env.BENCH_OUTBOUND_SANDBOX_PORT ?? 8796);
const BOOKINGS = Number(process.env.OUTBOUND_BOOKINGS ?? 300);
const BASE = `http://127.0.0.1:${PORT}`;
const SANDBOX = `http://127.0.0.1:${SANDBOX_PORT}`;
const ZONE = "Europe/Amsterdam";
const STAFF = [
	{ staffId: "stf_demo_ana", provider: "google", owner: "ana@demo.slotline.test" },
	{ staffId: "stf_demo_ben", provider: "microsoft", owner: "ben@demo.slotline.test" },
];
const state = mkdtempSync(join(tmpdir(), "slotline-bench-outbound-"));
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const seedToken = randomBytes(16).toString("hex");
const vars = {
	APP_URL: BASE,
	SESSION_SECRET: randomBytes(32).toString("base64url"),
	ENCRYPTION_KEYS: JSON.stringify({ current: "b", keys: { b: randomBytes(32).toString("base64") } }),
	DEMO_SEED_TOKEN: seedToken,
	GOOGLE_ISSUER: `${SANDBOX}/google`,
	GOOGLE_CALENDAR_API: `${SANDBOX}/google/calendar/v3`,
	MICROSOFT_AUTHORITY: `${SANDBOX}/microsoft/common/v2.0`,
	MICROSOFT_GRAPH_API: `${SANDBOX}/microsoft/graph/v1.0`,
	MAIL_SANDBOX_URL: SANDBOX,
	GOOGLE_CLIENT_ID: "slotline-dev-google",
	GOOGLE_CLIENT_SECRET: "dev-google-secret",
	MICROSOFT_CLIENT_ID: "slotline-dev-microsoft",
	MICROSOFT_CLIENT_SECRET: "dev-microsoft-secret",
	FACEBOOK_APP_ID: "bench",
	FACEBOOK_APP_SECRET: "bench",
};
const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(url) {
	for (let i = 0; i < 300; i++) {
		try {
			if ((await fetch(url)).status < 500) return;
		} catch {}
		await sleep(300);
	}
	throw new Error(`${url} did not come up`);
}

async function control(path) {
	const res = await fetch(`${SANDBOX}/_control${path}`);
	if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
	return res.json();
}

function seed(body) {
	return fetch(`${BASE}/_dev/seed`, { method: "POST", headers: { "content-type": "application/json", "x-seed-token": seedToken }, body: JSON.stringify({ ownerPassword: "bench-password-123", ...body }) });
}

/** `count` free consultation slots of a staff member, from two days ahead on. */
async function freeSlots(staffId, count) {
	const found = [];
	for (let week = 0; found.length < count && week < 8; week++) {
		const from = new Date(Date.now() + (2 + 7 * week) * 86_400_000).toISOString().slice(0, 10);
		const to = new Date(Date.now() + (8 + 7 * week) * 86_400_000).toISOString().slice(0, 10);
		const res = await fetch(`${BASE}/api/v1/m/demo/availability?serviceId=svc_demo_consult&staffId=${staffId}&from=${from}&to=${to}&timezone=${ZONE}`);
		if (!res.ok) throw new Error(`availability ${res.status}`);
		found.push(...(await res.json()).slots.map((s) => s.start));
	}
	if (found.length < count) throw new Error(`only ${found.length} free slots for ${staffId}`);
	return found.slice(0, count);
}

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
	const calendar = (await control(`/${provider}/calendars`)).find((c) => c.owner === owner);
	if (calendar === undefined) return 0;
	const events = await control(`/${provider}/calendars/${encodeURIComponent(calendar.id)}/events`);
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

spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { env, stdio: "ignore" });
const sandbox = spawn("tsx", ["sandbox/main.ts"], { env: { ...env, SANDBOX_PORT: String(SANDBOX_PORT), SANDBOX_PUBLIC_URL: SANDBOX }, stdio: "ignore" });
const worker = spawn("wrangler", ["dev", "--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", state, "--show-interactive-dev-session=false", ...varArgs], { env, stdio: "ignore" });
try {
	await waitFor(`${SANDBOX}/_control/faults`);
	await waitFor(`${BASE}/healthz`);
	// The demo without calendars: its own bookings and ours are made before anything can be pushed.
	const seeded = await seed({});
	if (!seeded.ok) throw new Error(`seed failed: ${seeded.status} ${await seeded.text()}`);
	for (const { staffId } of STAFF) await book(staffId, await freeSlots(staffId, BOOKINGS));
	// The customers' confirmation emails go through the same queue: let them all pass before timing pushes.
	await settled(async () => (await control("/mail")).messages.length, STAFF.length * BOOKINGS);

	// Connecting queues one push per current and future booking of each staff member (the demo's own included).
	const started = performance.now();
	const connected = await seed({ sandboxUrl: SANDBOX });
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
	worker.kill("SIGTERM");
	sandbox.kill("SIGTERM");
	await sleep(500);
	rmSync(state, { recursive: true, force: true });
}
