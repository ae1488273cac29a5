#!/usr/bin/env node
// Bundles the browser code (client/) with esbuild into dist/client, which Workers static assets serve:
// /embed.js (the loader a merchant pastes into their site), /assets/widget.{js,css} (the booking flow
// and manage page inside our own pages), /assets/admin.{js,css} (the merchant admin's islands) and
// /assets/account.{js,css} (the customer account pages' islands), beside /favicon.ico, which browsers ask
// every page's origin for. Run by wrangler's [build] command, so dev, deploy and tests always serve fresh
// bundles.
import { build } from "esbuild";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist", "client");

/**
 * Writes a file only when its content changed. Several `wrangler dev`s (npm start, the browser suite, the
 * start-script test, benchmarks) build into the same folder while others serve it: a file that is never
 * removed or rewritten with the same bytes cannot be missing or half-written for a server that reads it.
 */
function writeIfChanged(path, contents) {
	if (existsSync(path) && Buffer.compare(readFileSync(path), Buffer.from(contents)) === 0) return;
	mkdirSync(dirname(path), { recursive: true });
	const temp = `${path}.${process.pid}.tmp`;
	writeFileSync(temp, contents);
	renameSync(temp, path);
}

/** Builds every client bundle into dist/client; returns the written paths. */
export async function buildClient() {
	const common = { bundle: true, minify: true, format: "iife", target: ["es2020"], legalComments: "none", logLevel: "warning", write: false };
	const results = await Promise.all([
		build({ ...common, entryPoints: [join(root, "client", "embed.ts")], outfile: join(out, "embed.js") }),
		build({ ...common, entryPoints: [join(root, "client", "widget.ts")], outfile: join(out, "assets", "widget.js") }),
		build({ ...common, entryPoints: [join(root, "client", "widget.css")], outfile: join(out, "assets", "widget.css"), loader: { ".css": "css" } }),
		build({ ...common, entryPoints: [join(root, "client", "admin.ts")], outfile: join(out, "assets", "admin.js") }),
		build({ ...common, entryPoints: [join(root, "client", "admin.css")], outfile: join(out, "assets", "admin.css"), loader: { ".css": "css" } }),
		build({ ...common, entryPoints: [join(root, "client", "account.ts")], outfile: join(out, "assets", "account.js") }),
		build({ ...common, entryPoints: [join(root, "client", "account.css")], outfile: join(out, "assets", "account.css"), loader: { ".css": "css" } }),
	]);
	for (const file of results.flatMap((result) => result.outputFiles)) writeIfChanged(file.path, file.contents);
	// Headers for the static files (they never reach the Worker's middleware).
	writeIfChanged(join(out, "_headers"), readFileSync(join(root, "client", "_headers")));
	writeIfChanged(join(out, "favicon.ico"), readFileSync(join(root, "client", "favicon.ico")));
	return ["embed.js", "assets/widget.js", "assets/widget.css", "assets/admin.js", "assets/admin.css", "assets/account.js", "assets/account.css"].map((file) => join(out, file));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	await buildClient();
}
