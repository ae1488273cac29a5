// A throwaway `wrangler dev` for the booking storms: fresh local state and secrets, migrations applied,
// the demo seeded; SQL against its local D1 once it has stopped; the state removed at the end.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The benchmarks' own Worker: the app as wrangler.toml has it, plus the storms' baseline (see that file). */
export const BENCH_CONFIG = "scripts/bench/wrangler.bench.toml";

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/** Overlapping confirmed pairs (same staff member or resource): the double bookings, which must be 0. */
export const DOUBLE_BOOKINGS_SQL =
	"select count(*) as n from bookings a join bookings b on a.id < b.id where a.status = 'confirmed' and b.status = 'confirmed' and (a.staff_id = b.staff_id or (a.resource_id is not null and a.resource_id = b.resource_id)) and a.block_start < b.block_end and b.block_start < a.block_end";

async function waitFor(url) {
	for (let i = 0; i < 300; i++) {
		try {
			if ((await fetch(url)).ok) return;
		} catch {}
		await new Promise((r) => setTimeout(r, 300));
	}
	throw new Error(`${url} did not come up`);
}

/**
 * Starts the Worker on `port` (from the wrangler config at `config`, wrangler.toml by default) and seeds the
 * demo; returns its base URL, the seed token, and stop/sql.
 */
export async function startLocalWorker(port, { config = "wrangler.toml" } = {}) {
	// Another process on the port would answer the health check and take our requests.
	const taken = await fetch(`http://127.0.0.1:${port}/healthz`).then(
		() => true,
		() => false,
	);
	if (taken) throw new Error(`port ${port} is already in use; set another port in the environment`);
	const state = mkdtempSync(join(tmpdir(), "slotline-bench-"));
	const base = `http://127.0.0.1:${port}`;
	const seedToken = randomBytes(16).toString("hex");
	const vars = {
		SESSION_SECRET: randomBytes(32).toString("base64url"),
		ENCRYPTION_KEYS: JSON.stringify({ current: "b", keys: { b: randomBytes(32).toString("base64") } }),
		DEMO_SEED_TOKEN: seedToken,
		// GET /_dev/d1-statements, for scripts/bench/d1-statements.mjs.
		D1_STATEMENT_COUNTING: "1",
		GOOGLE_CLIENT_ID: "bench",
		GOOGLE_CLIENT_SECRET: "bench",
		MICROSOFT_CLIENT_ID: "bench",
		MICROSOFT_CLIENT_SECRET: "bench",
		FACEBOOK_APP_ID: "bench",
		FACEBOOK_APP_SECRET: "bench",
		ZOOM_CLIENT_ID: "bench",
		ZOOM_CLIENT_SECRET: "bench",
		ZOOM_WEBHOOK_SECRET: "bench",
	};
	// An env file rather than --var: a developer's .dev.vars (from `npm start`) would override --var values.
	const envFile = join(state, "bench.env");
	writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join("\n"), { mode: 0o600 });
	const varArgs = ["--env-file", envFile];
	const configArgs = ["--config", config];
	spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state, ...configArgs], { env, stdio: "ignore" });
	const worker = spawn("wrangler", ["dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--show-interactive-dev-session=false", ...configArgs, ...varArgs], { env, stdio: "ignore" });
	const exited = new Promise((r) => worker.once("exit", r));
	let running = true;
	async function stop() {
		if (!running) return;
		running = false;
		worker.kill("SIGTERM");
		await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
	}
	try {
		await waitFor(`${base}/healthz`);
		const seeded = await fetch(`${base}/_dev/seed`, { method: "POST", headers: { "content-type": "application/json", "x-seed-token": seedToken }, body: JSON.stringify({ ownerPassword: randomBytes(12).toString("hex") }) });
		if (!seeded.ok) throw new Error(`seed failed: ${seeded.status}`);
	} catch (error) {
		await stop();
		rmSync(state, { recursive: true, force: true });
		throw error;
	}
	return {
		base,
		seedToken,
		stop,
		/** Reads the local D1 directly; call after stop(), since the running Worker holds the database. */
		sql(query) {
			const out = spawnSync("wrangler", ["d1", "execute", "DB", "--local", "--persist-to", state, "--json", "--command", query, ...configArgs], { env, encoding: "utf8" });
			if (out.status !== 0) throw new Error(out.stderr);
			return JSON.parse(out.stdout)[0].results;
		},
		async dispose() {
			await stop();
			rmSync(state, { recursive: true, force: true });
		},
	};
}
