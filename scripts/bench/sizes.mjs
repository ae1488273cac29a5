// Bundle sizes: every browser bundle in dist/client (built fresh), raw and gzipped (the size that
// travels). Prints `BENCH size.<file> <bytes> bytes` lines. The Worker's bundle is measured with its
// start-up (scripts/bench/startup.mjs).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
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
