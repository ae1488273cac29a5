// The repository stands alone: no file it holds may point above its root (a corpus or reference beside
// the checkout, a build machine's absolute path), since nothing is there for anyone who clones it.
// The tests read the iCalendar corpus from test/fixtures/ics; the provider references are docs/providers.md
// and docs/integrations.md.
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "");

/**
 * A relative path literal: a run of parent steps (not part of a longer path, a URL or `...`) followed by
 * at least one named segment. A bare parent step, as URL code or a regex writes it, is no reference.
 */
const RELATIVE = /(?<![\w.~/$}\\-])((?:\.\.\/)+)(\.?[\w@][\w@.*{},-]*(?:\/\.?[\w@*{][\w@.*{},-]*)*)/g;

/** The words of the folders that once stood beside the repository. */
const SIBLING_WORDS = /\bshared\/(?:fixtures|reference)\b/g;

/** Module paths resolve with these endings; an existing target inside the repository is a real reference. */
const ENDINGS = ["", ".ts", ".tsx", ".mts", ".js", ".mjs", ".json", "/index.ts", "/index.js"];

interface Finding {
	line: number;
	what: string;
}

function trackedFiles(): string[] {
	// Untracked files too (not ignored ones), so a reference is caught before it is committed.
	const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: root, encoding: "utf8" });
	return [...new Set(out.split("\0").filter((file) => file !== ""))].sort();
}

function readText(file: string): string | null {
	const full = path.join(root, file);
	if (!existsSync(full) || !lstatSync(full).isFile()) return null;
	const bytes = readFileSync(full);
	// Git's own test for binary content: a NUL byte near the start.
	if (bytes.subarray(0, 8000).includes(0)) return null;
	return bytes.toString("utf8");
}

function outsideRoot(target: string): boolean {
	const relative = path.relative(root, target);
	return relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

/** The part of a path before its first glob or template segment, which is what must exist. */
function literalPrefix(reference: string): string {
	const segments = reference.split("/");
	const glob = segments.findIndex((segment) => /[*{}]/.test(segment));
	return (glob === -1 ? segments : segments.slice(0, glob)).join("/");
}

function existsInside(target: string): boolean {
	return !outsideRoot(target) && ENDINGS.some((ending) => existsSync(target + ending));
}

/** Build output the repository ignores (dist/, .wrangler/): there only after a build, never tracked. */
function ignoredInside(target: string): boolean {
	if (outsideRoot(target)) return false;
	try {
		execFileSync("git", ["check-ignore", "-q", "--no-index", path.relative(root, target)], { cwd: root });
		return true;
	} catch {
		return false;
	}
}

/**
 * A relative path escapes when, resolved against the file's folder or against the root (helpers often
 * resolve against the working directory), it lands above the root, unless it names something that
 * exists from the file's folder (an import of a sibling folder, a link between docs) or build output
 * inside the root that a bare clone has not built yet (a tool's config pointing at dist/).
 */
function escapingReference(file: string, reference: string): boolean {
	const prefix = literalPrefix(reference);
	const fromFile = path.resolve(root, path.dirname(file), prefix);
	if (existsInside(fromFile) || ignoredInside(fromFile)) return false;
	return outsideRoot(fromFile) || outsideRoot(path.resolve(root, prefix));
}

/** The absolute paths that name this machine: anything under the folder that holds the checkout. */
function machinePrefix(): RegExp | null {
	const parent = path.dirname(root);
	// A checkout directly in / or in a bare temporary folder has no parent worth naming.
	if (parent === path.parse(parent).root || parent === realpathSync(tmpdir())) return null;
	const escaped = `${parent}/`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
	return new RegExp(`(?:(?<![\\w.~/$}\\\\-])|(?<=file://))${escaped}`, "g");
}

function findingsIn(file: string, text: string, machine: RegExp | null): Finding[] {
	const findings: Finding[] = [];
	text.split("\n").forEach((content, index) => {
		const line = index + 1;
		for (const match of content.matchAll(RELATIVE)) {
			// Prose ends a path with a comma or a full stop that is not part of it.
			const reference = match[0].replace(/[.,]+$/, "");
			if (escapingReference(file, reference)) findings.push({ line, what: `relative path above the root: ${reference}` });
		}
		for (const match of content.matchAll(SIBLING_WORDS)) findings.push({ line, what: `folder beside the repository: ${match[0]}` });
		if (machine !== null) {
			for (const match of content.matchAll(machine)) {
				const end = content.slice(match.index).search(/[\s"'`)\]>,;]|$/);
				findings.push({ line, what: `absolute path on this machine: ${content.slice(match.index, match.index + end)}` });
			}
		}
	});
	return findings;
}

describe("the repository stands alone", () => {
	it("lists the files to check", () => {
		const files = trackedFiles();
		expect(files).toContain("package.json");
		expect(files).toContain("test/repo/standalone.test.ts");
	});

	it("accepts a nested config's path to build output not built yet, and nothing above the root", () => {
		// Built here rather than written out, so this file does not hold the references it tests.
		const up = (levels: number, rest: string): string => `${"../".repeat(levels)}${rest}`;
		expect(escapingReference("scripts/bench/wrangler.bench.toml", up(2, "dist/not-built-yet"))).toBe(false);
		expect(escapingReference("scripts/bench/wrangler.bench.toml", up(3, "elsewhere"))).toBe(true);
		expect(escapingReference("README.md", up(1, "dist/client"))).toBe(true);
	});

	it("has no file that points above its root", () => {
		const machine = machinePrefix();
		const found: string[] = [];
		for (const file of trackedFiles()) {
			if (path.basename(file) === "package-lock.json") continue;
			const text = readText(file);
			if (text === null) continue;
			for (const finding of findingsIn(file, text, machine)) found.push(`${file}:${finding.line}: ${finding.what}`);
		}
		expect(found).toEqual([]);
	});
});
