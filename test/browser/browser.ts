// Playwright on Debian's Chromium for the browser suite, and a screenshot of every step under
// test-artifacts/browser/ (git-ignored) to look at after a run.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { findChromium } from "../../scripts/system-deps.mjs";

const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts", "browser");

/** A fresh headless Chromium (Playwright gives every launch a new temporary profile). */
export function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		// `npm test` installs it first (scripts/system-deps.mjs); CHROMIUM_PATH points elsewhere.
		executablePath: findChromium() ?? "/usr/bin/chromium",
		headless: true,
		args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
	});
}

/** One browser for the test file: launched before its tests, closed after them. */
export function browserForFile(): () => Browser {
	let browser: Browser | undefined;
	beforeAll(async () => {
		browser = await launchBrowser();
	});
	afterAll(async () => {
		await browser?.close();
	});
	return () => {
		if (browser === undefined) throw new Error("the browser is not launched yet");
		return browser;
	};
}

/** A visitor in Amsterdam with an English (UK) browser; `phone` gives a small touch screen. */
export function visitor(browser: Browser, options: { phone?: boolean; timezoneId?: string } = {}): Promise<BrowserContext> {
	return browser.newContext({
		locale: "en-GB",
		timezoneId: options.timezoneId ?? "Europe/Amsterdam",
		viewport: options.phone === true ? { width: 390, height: 780 } : { width: 1000, height: 900 },
		...(options.phone === true ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
	});
}

export async function shot(page: Page, name: string): Promise<void> {
	mkdirSync(ARTIFACTS, { recursive: true });
	await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** What the browser shows for an instant, formatted as the widget does (en-GB, the given zone). */
export function timeIn(instant: string, timeZone: string): string {
	return new Intl.DateTimeFormat("en-GB", { hour: "numeric", minute: "2-digit", timeZone }).format(new Date(instant));
}
