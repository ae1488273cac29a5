// What every isolate evaluates at start: the Worker bundle as `wrangler deploy` builds it, read through
// esbuild's metafile. The libraries src/lazy.ts defers must stay out of the modules src/index.ts reaches
// statically (those run at start), yet still be in the bundle, behind an import().
import { afterAll, describe, expect, it } from "vitest";
import { buildWorkerBundle, eagerInputs } from "../../scripts/bench/worker-bundle.mjs";

/** The deferred libraries, with what they alone pull in (core-js comes with mimetext's Babel helpers). */
const DEFERRED = [/^node_modules\/mimetext\//, /^node_modules\/@babel\/runtime-corejs3\//, /^node_modules\/core-js-pure\//];

function isDeferred(path: string): boolean {
	return DEFERRED.some((pattern) => pattern.test(path));
}

/** "src/index.ts -> … -> path": how the entry reaches an input statically. */
function chainTo(importers: Map<string, string | null>, path: string): string {
	const chain: string[] = [];
	for (let at: string | null | undefined = path; at != null; at = importers.get(at)) chain.unshift(at);
	return chain.join(" -> ");
}

describe("the Worker bundle's start-up", () => {
	const bundle = buildWorkerBundle();
	afterAll(() => bundle.dispose());

	it("does not evaluate the deferred libraries when an isolate starts", () => {
		const importers = eagerInputs(bundle.metafile);
		const eager = [...importers.keys()].filter(isDeferred);
		expect(eager.slice(0, 3).map((path) => chainTo(importers, path))).toEqual([]);
		// The walk sees the app itself, so an empty answer above is not an empty graph.
		expect(importers.has("src/web/app.ts")).toBe(true);
	});

	it("still bundles them, behind an import()", () => {
		const inputs = Object.keys(bundle.metafile.inputs);
		for (const pattern of DEFERRED) expect(inputs.some((path) => pattern.test(path))).toBe(true);
		const dynamic = Object.values(bundle.metafile.inputs).flatMap((input) => input.imports.filter((edge) => edge.kind === "dynamic-import").map((edge) => edge.path));
		expect(dynamic).toContain("node_modules/mimetext/dist/mimetext.browser.es.js");
	});
});
