// axe-core on the page under test. Its source goes in through the DevTools protocol, which the page's CSP
// (scripts from our origin only) does not govern, so the page is checked exactly as it is served.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults } from "axe-core";
import type { Page } from "playwright-core";

const source = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface Violation {
	rule: string;
	impact: string;
	/** The offending elements as CSS selectors, and what axe says is wrong with the first. */
	targets: string[];
	summary: string;
}

/** Every serious or critical violation axe's default rules find in the page as it is now. */
export async function seriousViolations(page: Page): Promise<Violation[]> {
	await page.evaluate(source);
	const violations = await page.evaluate(async () => {
		const axe = (window as unknown as { axe: { run(context: Document): Promise<AxeResults> } }).axe;
		const results = await axe.run(document);
		return results.violations.map((v) => ({
			rule: v.id,
			impact: v.impact ?? "unknown",
			targets: v.nodes.map((n) => n.target.join(" ")),
			summary: v.nodes[0]?.failureSummary ?? v.help,
		}));
	});
	return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}
