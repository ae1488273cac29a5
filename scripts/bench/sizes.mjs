// Bundle sizes: every browser bundle in dist/client (built fresh) and the Worker bundle as
// `wrangler deploy --dry-run` writes it, raw and gzipped (the size that travels and counts against
// the Workers script limit). Prints `BENCH size.<file> <bytes> bytes` lines.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

function filesUnder(dir) {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? filesUnder(path) : [path];
	});
}

function report(name, path) {
	const bytes = readFileSync(path);
	console.log(`BENCH size.${name}.gzip ${gzipSync(bytes, { level: 9 }).length} bytes`);
	console.log(`BENCH size.${name}.raw ${bytes.length} bytes`);
}

const build = spawnSync("node", ["scripts/build-client.mjs"], { env, stdio: "inherit" });
if (build.status !== 0) throw new Error("client build failed");
for (const path of filesUnder("dist/client").filter((p) => /\.(js|css)$/.test(p)).sort()) report(`client.${relative("dist/client", path)}`, path);

const out = mkdtempSync(join(tmpdir(), "slotline-bench-worker-"));
try {
	const dryRun = spawnSync("wrangler", ["deploy", "--dry-run", "--outdir", out], { env, encoding: "utf8" });
	if (dryRun.status !== 0) throw new Error(`wrangler deploy --dry-run failed: ${dryRun.stderr}`);
	const bundle = filesUnder(out).find((p) => p.endsWith(".js"));
	if (bundle === undefined) throw new Error("no worker bundle written");
	report("worker", bundle);
} finally {
	rmSync(out, { recursive: true, force: true });
}
