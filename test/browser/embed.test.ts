// The widget embedded on a shop's page on another origin: inline where the tag is, or as a popup; the
// shop receives height and booking events by postMessage (and as DOM events from the loader).
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { browserForFile, shot, visitor } from "./browser";
import { chooseService, fillDetails, pickSlot } from "./flow";

const appUrl = inject("appUrl");
const shopUrl = inject("shopUrl");
const browser = browserForFile();

interface Recorded {
	origin: string;
	data: { source?: string; type?: string; height?: number; booking?: { id: string; start: string } };
}

describe("embedded widget", () => {
	it("books inside the shop's page and tells the shop by postMessage", async () => {
		const context = await visitor(browser());
		// The shop also listens for the height as a DOM event, as the README says it may.
		await context.addInitScript(() => {
			const heights: number[] = [];
			(window as unknown as { slotlineDomHeights: number[] }).slotlineDomHeights = heights;
			document.addEventListener("slotline:height", (event) => heights.push((event as CustomEvent<{ height: number }>).detail.height));
		});
		const page = await context.newPage();
		await page.goto(shopUrl);
		const iframe = page.locator('iframe[title="Book an appointment"]');
		await iframe.waitFor();
		expect(await iframe.getAttribute("src")).toBe(`${appUrl}/b/demo/embed?parent=${encodeURIComponent(shopUrl)}`);
		const frame = page.frameLocator('iframe[title="Book an appointment"]');
		await frame.locator('button[data-service="svc_demo_consult"]').waitFor();
		await shot(page, "embed-01-inline");

		await chooseService(frame, "svc_demo_consult", "stf_demo_chloe");
		const start = await pickSlot(frame);
		await shot(page, "embed-02-times");
		await fillDetails(frame, { name: "Shop Visitor", email: "visitor@example.com" });
		await frame.locator("#slotline-confirm").click();
		await frame.getByRole("heading", { name: "You're booked!" }).waitFor();
		await shot(page, "embed-03-booked");

		const messages = (await page.evaluate(() => (window as unknown as { slotlineMessages: unknown[] }).slotlineMessages)) as Recorded[];
		const ours = messages.filter((m) => m.data?.source === "slotline");
		expect(ours.every((m) => m.origin === appUrl)).toBe(true);
		const heights = ours.filter((m) => m.data.type === "slotline:height");
		expect(heights.length).toBeGreaterThan(0);
		const created = ours.find((m) => m.data.type === "slotline:booking-created");
		expect(created?.data.booking?.start).toBe(start);
		expect(created?.data.booking?.id).toMatch(/^bkg_/);
		// The manage token stays inside the frame.
		expect(JSON.stringify(ours)).not.toContain("token");
		// The loader sized the frame to its content and re-announced the booking as a DOM event.
		const lastHeight = heights.at(-1)?.data.height ?? 0;
		await expect.poll(() => iframe.evaluate((el) => (el as HTMLIFrameElement).style.height)).toBe(`${lastHeight}px`);
		const domEvents = (await page.evaluate(() => (window as unknown as { slotlineDomEvents: unknown[] }).slotlineDomEvents)) as Recorded["data"][];
		expect(domEvents.map((e) => e.booking?.id)).toEqual([created?.data.booking?.id]);
		await expect.poll(() => page.evaluate(() => (window as unknown as { slotlineDomHeights: number[] }).slotlineDomHeights.at(-1))).toBe(lastHeight);
		await context.close();
	});

	it("opens as a popup from a button and closes with Escape", async () => {
		const context = await visitor(browser(), { phone: true });
		const page = await context.newPage();
		await page.goto(`${shopUrl}/popup`);
		await shot(page, "embed-04-popup-button");
		await page.getByRole("button", { name: "Book now" }).click();
		const dialog = page.getByRole("dialog", { name: "Book an appointment" });
		await dialog.waitFor();
		await page.frameLocator('dialog iframe[title="Book an appointment"]').locator('button[data-service="svc_demo_cut"]').waitFor();
		await shot(page, "embed-05-popup-open");
		await page.keyboard.press("Escape");
		await expect.poll(() => dialog.isVisible()).toBe(false);
		await context.close();
	});
});
