// Zoom on the Integrations page in a real browser: Ben connects his Zoom through the consent page, the card
// shows it with its health and log and no calendar controls, the page stays accessible (axe), and
// Disconnect (confirmed) leaves a way to reconnect. Screenshots in test-artifacts/browser/.
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectThroughConsent, signInOwner } from "./admin";
import { seriousViolations } from "./axe";
import { browserForFile, shot, visitor } from "./browser";

const appUrl = inject("appUrl");
const browser = browserForFile();
const BEN_ZOOM = `ben.zoom.${Date.now()}@zoom.test`;

let context: BrowserContext;
let page: Page;

beforeAll(async () => {
	context = await visitor(browser());
	page = await context.newPage();
	await signInOwner(page, appUrl);
});

afterAll(async () => {
	await context.close();
});

function section(owner: string): Locator {
	return page.locator(`section[data-owner="${owner}"]`);
}

function zoomCard(): Locator {
	return section("stf_demo_ben").locator("article.connection", { has: page.getByRole("heading", { name: `Zoom · ${BEN_ZOOM}` }) });
}

describe("Zoom on the Integrations page", () => {
	it("connects Ben's Zoom through the consent page, beside his calendars, and stays accessible", async () => {
		await page.goto(`${appUrl}/admin/integrations`);
		expect(await seriousViolations(page)).toEqual([]);
		await connectThroughConsent(page, section("stf_demo_ben").getByRole("link", { name: "Connect Zoom" }), { email: BEN_ZOOM, name: "Ben Okafor" });
		await expect(page.getByRole("status").first().textContent()).resolves.toContain("Zoom connected");
		await expect(zoomCard().locator(".status-text").textContent()).resolves.toBe("Active");
		// A Zoom account has no calendars to pick, resync or refresh; Ben cannot connect a second one.
		await expect(zoomCard().getByRole("button", { name: "Resync" }).count()).resolves.toBe(0);
		await expect(section("stf_demo_ben").getByRole("link", { name: "Connect Zoom" }).count()).resolves.toBe(0);
		await zoomCard().getByText("Log").click();
		await expect(zoomCard().locator("tbody tr").first().textContent()).resolves.toContain("connect");
		expect(await seriousViolations(page)).toEqual([]);
		await shot(page, "zoom-01-connected");
	});

	it("disconnects after the confirmation, offering to reconnect", async () => {
		page.once("dialog", (dialog) => void dialog.accept());
		await Promise.all([page.waitForEvent("load"), zoomCard().getByRole("button", { name: "Disconnect" }).click()]);
		await expect(zoomCard().locator(".status-text").textContent()).resolves.toBe("Disconnected");
		await expect(zoomCard().getByRole("link", { name: "Reconnect" }).getAttribute("href")).resolves.toContain("/admin/api/connect/zoom?staffId=stf_demo_ben");
		await expect(section("stf_demo_ben").getByRole("link", { name: "Connect Zoom" }).count()).resolves.toBe(1);
		expect(await seriousViolations(page)).toEqual([]);
		await shot(page, "zoom-02-disconnected");
	});
});
