// Start-up of a cold isolate: the CPU time that evaluating the Worker's modules and answering its first
// request take, and the bundle every isolate loads. Prints `BENCH startup.<figure> <value> <unit>` lines.
//
// Method: every sample starts a fresh workerd through Miniflare, so its isolate has run nothing yet. The
// Worker is the bundle `wrangler deploy --dry-run` writes, loaded unchanged as a module behind a small
// entry that imports it only when asked (as `wrangler check startup` does). Three requests go through:
// the first warms what surrounds the Worker (Miniflare's routing, D1) without touching it; the second
// imports the bundle (module evaluation: the top level of everything src/index.ts reaches statically);
// the third is the Worker's first request (GET /healthz: every middleware and one D1 query, its
// functions compiled on first use). Each figure is the CPU time workerd's threads spent on that request,
// read from Linux's per-thread counters (/proc/<pid>/task/<tid>/schedstat, in nanoseconds) before and
// after it: CPU time, not wall time, so other work on the machine does not inflate it, as it would a
// sampling profile. workerd compiles every module when it loads the Worker, before any request, so
// parsing is not in these figures; the bundle sizes stand for it.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { unstable_readConfig } from "wrangler";
import { cpuMs, descendantsNamed } from "./process-cpu.mjs";
import { buildWorkerBundle, bytesInOutput, eagerInputs } from "./worker-bundle.mjs";

const SAMPLES = Number(process.env.STARTUP_SAMPLES ?? 15);
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

// The Miniflare that wrangler itself runs, so these samples use the same workerd as `wrangler dev`.
const miniflarePath = createRequire(createRequire(import.meta.url).resolve("wrangler/package.json")).resolve("miniflare");
const { Miniflare, convertV4MiniflareOptions } = await import(pathToFileURL(miniflarePath).href);

const ENTRY = `
let worker;
export default {
	async fetch(request, env, ctx) {
		const { pathname } = new URL(request.url);
		if (pathname === "/__warm") {
			await env.DB.prepare("select 1").first();
			return new Response(null, { status: 204 });
		}
		if (pathname === "/__import") {
			worker = (await import("./worker.js")).default;
			return new Response(null, { status: 204 });
		}
		return worker.fetch(request, env, ctx);
	},
};
`;

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The workerd that Miniflare started for this process (its only workerd). */
function workerdPid() {
	const [pid] = descendantsNamed(process.pid, "workerd");
	if (pid === undefined) throw new Error("no workerd child process found");
	return pid;
}

/** The Worker's bindings as wrangler.toml declares them, with throwaway secrets; no Durable Object, cron or queue consumer (the entry exports none). */
function workerOptions(bundleText, persistence) {
	const config = unstable_readConfig({ config: "wrangler.toml" });
	const secrets = {
		SESSION_SECRET: randomBytes(32).toString("base64url"),
		ENCRYPTION_KEYS: JSON.stringify({ current: "b", keys: { b: randomBytes(32).toString("base64") } }),
	};
	for (const name of config.secrets?.required ?? []) secrets[name] ??= "bench";
	return {
		name: "startup",
		compatibilityDate: config.compatibility_date,
		compatibilityFlags: config.compatibility_flags,
		modulesRoot: "/",
		modules: [
			{ type: "ESModule", path: "/entry.mjs", contents: ENTRY },
			{ type: "ESModule", path: "/worker.js", contents: bundleText },
		],
		bindings: { ...config.vars, ...secrets },
		d1Databases: Object.fromEntries(config.d1_databases.map((db) => [db.binding, db.database_id])),
		resourcePersistencePath: persistence,
		queueProducers: Object.fromEntries(config.queues.producers.map((queue) => [queue.binding, queue.queue])),
		email: { send_email: config.send_email.map((binding) => ({ name: binding.name })) },
	};
}

/** One cold isolate: CPU ms of evaluating the Worker and of its first request. */
async function sample(options) {
	const mf = new Miniflare(convertV4MiniflareOptions(options));
	try {
		await mf.ready;
		const pid = workerdPid();
		async function measured(path, wantStatus) {
			const before = cpuMs(pid);
			const response = await mf.dispatchFetch(`http://localhost${path}`);
			await response.arrayBuffer();
			const spent = cpuMs(pid) - before;
			if (response.status !== wantStatus) throw new Error(`${path} answered ${response.status}, not ${wantStatus}`);
			return spent;
		}
		await measured("/__warm", 204);
		const evaluation = await measured("/__import", 204);
		const firstRequest = await measured("/healthz", 200);
		return { evaluation, firstRequest };
	} finally {
		await mf.dispose();
	}
}

const bundle = buildWorkerBundle();
const state = mkdtempSync(join(tmpdir(), "slotline-bench-startup-"));
try {
	const bytesOf = bytesInOutput(bundle.metafile);
	const eager = [...eagerInputs(bundle.metafile).keys()].reduce((sum, path) => sum + (bytesOf.get(path) ?? 0), 0);
	console.log(`BENCH startup.bundle_raw_kib ${(bundle.bytes.length / 1024).toFixed(1)} KiB`);
	console.log(`BENCH startup.bundle_gzip_kib ${(gzipSync(bundle.bytes, { level: 9 }).length / 1024).toFixed(1)} KiB`);
	// The part of the bundle every isolate evaluates at start (the rest waits for an import()).
	console.log(`BENCH startup.bundle_eager_kib ${(eager / 1024).toFixed(1)} KiB`);

	if (!existsSync("/proc/self/task")) {
		console.error("startup: CPU figures need Linux's /proc; only the bundle sizes were measured");
	} else {
		// /healthz reads D1: the schema as wrangler applies it, in a local state of this run's own.
		const migrated = spawnSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { env, encoding: "utf8" });
		if (migrated.status !== 0) throw new Error(`migrations failed: ${migrated.stderr}`);
		const options = workerOptions(bundle.bytes.toString("utf8"), join(state, "v3"));
		const samples = [];
		for (let i = 0; i < SAMPLES; i++) samples.push(await sample(options));
		const totals = samples.map((s) => s.evaluation + s.firstRequest);
		console.log(`BENCH startup.samples ${samples.length} isolates`);
		console.log(`BENCH startup.cpu_ms ${median(totals).toFixed(1)} ms`);
		console.log(`BENCH startup.eval_cpu_ms ${median(samples.map((s) => s.evaluation)).toFixed(1)} ms`);
		console.log(`BENCH startup.first_request_cpu_ms ${median(samples.map((s) => s.firstRequest)).toFixed(1)} ms`);
	}
} finally {
	bundle.dispose();
	rmSync(state, { recursive: true, force: true });
}
