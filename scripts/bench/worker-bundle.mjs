// The Worker bundle exactly as `wrangler deploy` would upload it (`--dry-run --outdir`), with esbuild's
// metafile, for the size and start-up benchmarks and the check that start-up stays lean
// (test/repo/startup-bundle.test.ts).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

/** Builds the bundle into a temporary folder; `dispose` removes it. */
export function buildWorkerBundle() {
	const dir = mkdtempSync(join(tmpdir(), "slotline-worker-bundle-"));
	const metafilePath = join(dir, "meta.json");
	const out = join(dir, "out");
	const dryRun = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out, "--metafile", metafilePath], { env, encoding: "utf8" });
	if (dryRun.status !== 0) {
		rmSync(dir, { recursive: true, force: true });
		throw new Error(`wrangler deploy --dry-run failed: ${dryRun.stderr}`);
	}
	const name = readdirSync(out).find((file) => file.endsWith(".js"));
	if (name === undefined) throw new Error("no worker bundle written");
	return {
		path: join(out, name),
		bytes: readFileSync(join(out, name)),
		metafile: JSON.parse(readFileSync(metafilePath, "utf8")),
		dispose() {
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/**
 * The bundle's inputs that every isolate evaluates at start: those reachable from the entry without
 * crossing an `import()`. esbuild (one file, no splitting) wraps a module reached only through `import()`
 * in a lazy initializer that first runs when that `import()` does; a module any static path reaches runs
 * at start. A `require()` inside CommonJS runs with its caller, so it counts as static. Each input maps
 * to the one that imports it on a shortest path from the entry (the entry to null), so a chain can be named.
 */
export function eagerInputs(metafile, entry = "src/index.ts") {
	const importer = new Map([[entry, null]]);
	const queue = [entry];
	while (queue.length > 0) {
		const path = queue.shift();
		for (const edge of metafile.inputs[path]?.imports ?? []) {
			if (edge.kind === "dynamic-import" || edge.external === true || importer.has(edge.path)) continue;
			importer.set(edge.path, path);
			queue.push(edge.path);
		}
	}
	return importer;
}

/** How many bytes of the output each input contributes (esbuild's `bytesInOutput`), over every output. */
export function bytesInOutput(metafile) {
	const bytes = new Map();
	for (const output of Object.values(metafile.outputs)) {
		for (const [path, input] of Object.entries(output.inputs ?? {})) bytes.set(path, (bytes.get(path) ?? 0) + input.bytesInOutput);
	}
	return bytes;
}
