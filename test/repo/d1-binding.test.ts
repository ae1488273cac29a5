// The Worker reaches D1 only through d1() or database() (src/db/client.ts), the one place the statement counter
// sits: a statement run on the bare `env.DB` is invisible to test/load/d1-statements.test.ts and the benchmark,
// which would then report fewer D1 statements than the code issues.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const src = path.join(import.meta.dirname, "..", "..", "src");

/** The binding handed to d1() or database(), as in `database(this.env.DB)`. */
const THROUGH_CLIENT = /\b(?:d1|database)\(\s*(?:[\w$]+\s*\.\s*)*DB\s*\)/g;
const BINDING = /\bDB\b/;
const COMMENT = /^\s*(?:\/\/|\/?\*)/;

/** `file:line: text` for every line of the Worker's own code that names the D1 binding other than through the client. */
function bareUses(): string[] {
	const found: string[] = [];
	for (const file of readdirSync(src, { recursive: true, encoding: "utf8" })) {
		if (!/\.tsx?$/.test(file) || /\.test\.tsx?$/.test(file) || file.endsWith(".d.ts")) continue;
		const lines = readFileSync(path.join(src, file), "utf8").split("\n");
		lines.forEach((line, index) => {
			if (COMMENT.test(line)) return;
			if (BINDING.test(line.replace(THROUGH_CLIENT, ""))) found.push(`src/${file}:${index + 1}: ${line.trim()}`);
		});
	}
	return found;
}

describe("the D1 binding", () => {
	it("is used only through d1() or database(), so every statement can be counted", () => {
		expect(bareUses()).toEqual([]);
	});
});
