// Booking in a browser that refuses storage. Safari, Firefox's strict mode and Brave block storage in a
// third-party frame (the widget on a shop's page), where reading window.sessionStorage throws; a visitor
// can also block it for every site. The flow must neither throw nor lose the chosen time.
import { describe, expect, inject, it } from "vitest";
import { browserForFile, shot, timeIn, visitor } from "./browser";
import { chooseService, fillDetails, pickSlot } from "./flow";

const appUrl = inject("appUrl");
const shopUrl = inject("shopUrl");
const browser = browserForFile();

/** Storage getters that throw as the browser's SecurityError does, in frames only or everywhere. */
function blockStorage(where: "frames" | "everywhere"): string {
	return `if (${where === "everywhere"} || window !== window.top) for (const name of ["sessionStorage", "localStorage"]) {
		Object.defineProperty(window, name, { configurable: true, get() { throw new DOMException("The operation is insecure.", "SecurityError"); } });
	}`;
}

describe("booking with storage blocked", () => {
	it("books in the widget on a shop's page without an uncaught error, sign-in link included", async () => {
		const context = await visitor(browser());
		await context.addInitScript(blockStorage("frames"));
		const page = await context.newPage();
		const errors: string[] = [];
		page.on("pageerror", (error) => errors.push(error.message));
		await page.goto(shopUrl);
		const frame = page.frameLocator('iframe[title="Book an appointment"]');
		await frame.locator('button[data-service="svc_demo_consult"]').waitFor();
		// The frame really runs without storage, as in those browsers.
		expect(await frame.locator("body").evaluate(() => {
			try {
				return typeof window.sessionStorage;
			} catch (error) {
				return (error as DOMException).name;
			}
		})).toBe("SecurityError");

		await chooseService(frame, "svc_demo_consult", "stf_demo_chloe");
		const start = await pickSlot(frame, 5);
		// Signing in from the frame opens our hosted page in a new tab, with the chosen time in its address.
		const link = frame.getByRole("link", { name: "Sign in with email" });
		expect(await link.getAttribute("href")).toContain("returnTo=%2Fb%2Fdemo%3Fresume%3D");
		const [tab] = await Promise.all([context.waitForEvent("page"), link.click()]);
		await tab.close();

		await fillDetails(frame, { name: "Private Browser", email: "private.browser@example.com" });
		await frame.locator("#slotline-confirm").click();
		await frame.getByRole("heading", { name: "You're booked!" }).waitFor();
		await expect(frame.locator(".summary").first().textContent()).resolves.toContain(timeIn(start, "Europe/Amsterdam"));
		await shot(page, "storage-blocked-01-booked-in-frame");
		expect(errors).toEqual([]);
		await context.close();
	});

	it("keeps the chosen time through sign-in on the hosted page in its address when storage is refused", async () => {
		const context = await visitor(browser());
		await context.addInitScript(blockStorage("everywhere"));
		const page = await context.newPage();
		const errors: string[] = [];
		page.on("pageerror", (error) => errors.push(error.message));
		await page.goto(`${appUrl}/b/demo`);
		await chooseService(page, "svc_demo_consult", "stf_demo_ben");
		const start = await pickSlot(page, 2);
		const href = (await page.getByRole("link", { name: "Sign in with email" }).getAttribute("href")) ?? "";
		const returnTo = new URL(href, appUrl).searchParams.get("returnTo") ?? "";
		expect(returnTo).toMatch(/^\/b\/demo\?resume=/);

		// Where the sign-in sends the customer back: the details step again, with the same time.
		await page.goto(`${appUrl}${returnTo}`);
		await page.getByRole("heading", { name: "Your details" }).waitFor();
		await fillDetails(page, { name: "Strict Browser", email: "strict.browser@example.com" });
		await expect(page.locator(".summary").first().textContent()).resolves.toContain(timeIn(start, "Europe/Amsterdam"));
		await shot(page, "storage-blocked-02-hosted-resumed");
		expect(errors).toEqual([]);
		await context.close();
	});
});
