// A throwaway `wrangler dev` wired to a throwaway provider sandbox, for the sync benchmarks: fresh local
// state and secrets, migrations applied, the providers, their dev OAuth clients and the mailbox pointed at
// the sandbox, each on the port given. `stop()` ends both and removes the state.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const benchEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(url) {
	for (let i = 0; i < 300; i++) {
		try {
			if ((await fetch(url)).status < 500) return;
		} catch {}
		await sleep(300);
	}
	throw new Error(`${url} did not come up`);
}

/** `count` free slots of the demo's 20-minute consultation with a staff member, from two days ahead on. */
export async function freeSlots(base, staffId, count, zone = "Europe/Amsterdam") {
	const found = [];
	for (let week = 0; found.length < count && week < 8; week++) {
		const from = new Date(Date.now() + (2 + 7 * week) * 86_400_000).toISOString().slice(0, 10);
		const to = new Date(Date.now() + (8 + 7 * week) * 86_400_000).toISOString().slice(0, 10);
		const res = await fetch(`${base}/api/v1/m/demo/availability?serviceId=svc_demo_consult&staffId=${staffId}&from=${from}&to=${to}&timezone=${zone}`);
		if (!res.ok) throw new Error(`availability ${res.status}`);
		found.push(...(await res.json()).slots.map((s) => s.start));
	}
	if (found.length < count) throw new Error(`only ${found.length} free slots for ${staffId}`);
	return found.slice(0, count);
}

/** `vars` adds to (or overrides) the Worker's variables, e.g. `{ D1_STATEMENT_COUNTING: "1" }`. */
export async function startSandboxedWorker({ port, sandboxPort, name, vars: extraVars = {} }) {
	const base = `http://127.0.0.1:${port}`;
	const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
	const state = mkdtempSync(join(tmpdir(), `slotline-bench-${name}-`));
	const seedToken = randomBytes(16).toString("hex");
	const vars = {
		APP_URL: base,
		SESSION_SECRET: randomBytes(32).toString("base64url"),
		ENCRYPTION_KEYS: JSON.stringify({ current: "b", keys: { b: randomBytes(32).toString("base64") } }),
		DEMO_SEED_TOKEN: seedToken,
		GOOGLE_ISSUER: `${sandboxUrl}/google`,
		GOOGLE_CALENDAR_API: `${sandboxUrl}/google/calendar/v3`,
		MICROSOFT_AUTHORITY: `${sandboxUrl}/microsoft/common/v2.0`,
		MICROSOFT_GRAPH_API: `${sandboxUrl}/microsoft/graph/v1.0`,
		ZOOM_OAUTH_URL: `${sandboxUrl}/zoom/oauth`,
		ZOOM_API: `${sandboxUrl}/zoom/v2`,
		MAIL_SANDBOX_URL: sandboxUrl,
		GOOGLE_CLIENT_ID: "slotline-dev-google",
		GOOGLE_CLIENT_SECRET: "dev-google-secret",
		MICROSOFT_CLIENT_ID: "slotline-dev-microsoft",
		MICROSOFT_CLIENT_SECRET: "dev-microsoft-secret",
		FACEBOOK_APP_ID: "bench",
		FACEBOOK_APP_SECRET: "bench",
		ZOOM_CLIENT_ID: "slotline-dev-zoom",
		ZOOM_CLIENT_SECRET: "dev-zoom-secret",
		ZOOM_WEBHOOK_SECRET: "bench-zoom-webhook-secret",
		...extraVars,
	};
	const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
	spawnSync("wrangler", ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { env: benchEnv, stdio: "ignore" });
	const sandbox = spawn(process.execPath, ["--import", "tsx", "sandbox/main.ts"], { env: { ...benchEnv, SANDBOX_PORT: String(sandboxPort), SANDBOX_PUBLIC_URL: sandboxUrl }, stdio: "ignore" });
	const worker = spawn("wrangler", ["dev", "--port", String(port), "--ip", "127.0.0.1", "--persist-to", state, "--show-interactive-dev-session=false", ...varArgs], { env: benchEnv, stdio: "ignore" });
	async function stop() {
		worker.kill("SIGTERM");
		sandbox.kill("SIGTERM");
		await sleep(500);
		rmSync(state, { recursive: true, force: true });
	}
	try {
		await waitFor(`${sandboxUrl}/_control/faults`);
		await waitFor(`${base}/healthz`);
	} catch (error) {
		await stop();
		throw error;
	}
	return {
		base,
		sandboxUrl,
		state,
		/** For the DEMO_SEED_TOKEN-guarded /_dev routes. */
		seedToken,
		stop,
		/** POST /_dev/seed with the demo owner's password and `body` (e.g. `{ sandboxUrl }` to connect the demo calendars). */
		seed(body = {}) {
			return fetch(`${base}/_dev/seed`, { method: "POST", headers: { "content-type": "application/json", "x-seed-token": seedToken }, body: JSON.stringify({ ownerPassword: "bench-password-123", ...body }) });
		},
		/** The sandbox's control API; answers its JSON (null for an empty answer). */
		async control(path, body, method = body === undefined ? "GET" : "POST") {
			const res = await fetch(`${sandboxUrl}/_control${path}`, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
			if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
			return res.status === 204 || res.status === 202 ? null : res.json();
		},
	};
}
