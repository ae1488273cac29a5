/// <reference types="vite/client" />
// Runs every case of the iCalendar corpus (test/fixtures/ics) through the importer and the one blocking
// policy, for both tentativeBlocks policies, and compares the blocks exactly.
import { describe, expect, it } from "vitest";
import { icalendarBlocks } from "./support/icalendar-blocks";

// workerd has no file system: Vite inlines the files into the test bundle at transform time.
const files = import.meta.glob<string>("./fixtures/ics/*.ics", { query: "?raw", import: "default", eager: true });
const manifests = import.meta.glob<string>("./fixtures/ics/manifest.json", { query: "?raw", import: "default", eager: true });

interface FixtureBlock {
	start: string;
	end: string;
}

interface FixtureCase {
	file: string;
	description: string;
	staffTimezone: string;
	staffEmail: string;
	window: { from: string; to: string };
	expected: { tentativeBlocks_true: FixtureBlock[]; tentativeBlocks_false: FixtureBlock[] };
}

const manifestText = Object.values(manifests)[0];
const cases: FixtureCase[] = manifestText === undefined ? [] : (JSON.parse(manifestText) as FixtureCase[]);

function fixtureText(file: string): string {
	const entry = Object.entries(files).find(([path]) => path.endsWith(`/${file}`));
	if (entry === undefined) throw new Error(`fixture ${file} was not bundled`);
	return entry[1];
}

function iso(ms: number): string {
	return new Date(ms).toISOString().replace(".000Z", "Z");
}

describe("iCalendar fixtures", () => {
	it("finds the corpus and every file the manifest names", () => {
		expect(cases.length).toBeGreaterThanOrEqual(22);
		for (const fixture of cases) expect(() => fixtureText(fixture.file)).not.toThrow();
	});

	for (const tentativeBlocks of [true, false]) {
		describe(`tentativeBlocks: ${tentativeBlocks}`, () => {
			for (const fixture of cases) {
				it(`${fixture.file}: ${fixture.description}`, () => {
					const result = icalendarBlocks(fixtureText(fixture.file), {
						staffTimezone: fixture.staffTimezone,
						ownAddresses: [fixture.staffEmail],
						window: { from: Date.parse(fixture.window.from), to: Date.parse(fixture.window.to) },
					});
					expect(result.errors).toEqual([]);
					const blocks = result.blocks
						.filter((block) => tentativeBlocks || !block.tentative)
						.map((block) => ({ start: iso(block.start), end: iso(block.end) }));
					const expected = tentativeBlocks ? fixture.expected.tentativeBlocks_true : fixture.expected.tentativeBlocks_false;
					expect(blocks).toEqual(expected);
				});
			}
		});
	}
});
