// The size budget: the embed loader at most 3 KB gzipped, the whole widget (JS and CSS) at most 30 KB.
// globalSetup's `wrangler dev` ran the [build] step, so dist/client holds this run's bundles.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const dist = join(import.meta.dirname, "..", "..", "dist", "client");

function gzipped(path: string): number {
	return gzipSync(readFileSync(join(dist, path)), { level: 9 }).length;
}

describe("client bundle sizes", () => {
	it("keeps the embed loader within 3 KB gzipped", () => {
		const size = gzipped("embed.js");
		console.log(`BUNDLE embed.js ${size} bytes gzip`);
		expect(size).toBeGreaterThan(0);
		expect(size).toBeLessThanOrEqual(3 * 1024);
	});

	it("keeps the whole widget (loader, JS and CSS) within 30 KB gzipped", () => {
		const js = gzipped("assets/widget.js");
		const css = gzipped("assets/widget.css");
		console.log(`BUNDLE widget.js ${js} bytes gzip, widget.css ${css} bytes gzip`);
		expect(js).toBeGreaterThan(0);
		expect(css).toBeGreaterThan(0);
		expect(gzipped("embed.js") + js + css).toBeLessThanOrEqual(30 * 1024);
	});
});
