// Booking storm: 1,000 booking requests over 50 slots against the running app (wrangler dev with
// local D1, Durable Objects and Queues), for one merchant. Prints bookings per second and the number
// of double bookings (overlapping confirmed pairs), which must be 0.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const PORT = Number(process.env.BENCH_PORT ?? 8791);
const BASE = `http://127.0.0.1:${PORT}`;
const REQUESTS = Number(process.env.STORM_REQUESTS ?? 1000);
const SLOTS = 50;
const CONCURRENCY = Number(process.env.STORM_CONCURRENCY ?? 100);
const state = mkdtempSync(join(tmpdir(), "slotline-bench-"));
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
const seedToken = randomBytes(16).toString("hex");
const vars = {
	SESSION_SECRET: randomBytes(32).toString("base64url"),
	ENCRYPTION_KEYS: JSON.stringify({ current: "b", keys: { b: randomBytes(32).toString("base64") } }),
	DEMO_SEED_TOKEN: seedToken,
	GOOGLE_CLIENT_ID: "bench",
	GOOGLE_CLIENT_SECRET: "bench",
	MICROSOFT_CLIENT_ID: "bench",
	MICROSOFT_CLIENT_SECRET: "bench",
	FACEBOOK_APP_ID: "bench",
	FACEBOOK_APP_SECRET: "bench",
};
const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);

function d1(sql) {
	const out = spawnSync("wrangler", ["d1", "execute", "DB", "--local", "--persist-to", state, "--json", "--command", sql], { env, encoding: "utf8" });
	if (out.status !== 0) throw new Error(out.stderr);
	return JSON.parse(out.stdout)[0].results;
}

async function waitFor(url) {
	for (let i = 0; i < 300; i++) {
		try {
			if ((await fetch(url)).ok) return;
		} catch {}
		await new Promise((r) => setTimeout(r, 300));
	}
	throw new Error(`${url} did not come up`);
}

spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { env, stdio: "ignore" });
const worker = spawn("wrangler", ["dev", "--port", String(PORT), "--ip", "127.0.0.1", "--persist-to", state, "--show-interactive-dev-session=false", ...varArgs], { env, stdio: "ignore" });
try {
	await waitFor(`${BASE}/healthz`);
	const seeded = await fetch(`${BASE}/_dev/seed`, { method: "POST", headers: { "content-type": "application/json", "x-seed-token": seedToken }, body: JSON.stringify({ ownerPassword: "bench-password-123" }) });
	if (!seeded.ok) throw new Error(`seed failed: ${seeded.status}`);

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
	worker.kill("SIGTERM");
	await new Promise((r) => worker.once("exit", r));
	const [{ n: doubles }] = d1(
		"select count(*) as n from bookings a join bookings b on a.id < b.id where a.status = 'confirmed' and b.status = 'confirmed' and (a.staff_id = b.staff_id or (a.resource_id is not null and a.resource_id = b.resource_id)) and a.block_start < b.block_end and b.block_start < a.block_end",
	);
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
	worker.kill("SIGTERM");
	await new Promise((r) => setTimeout(r, 500));
	rmSync(state, { recursive: true, force: true });
}
