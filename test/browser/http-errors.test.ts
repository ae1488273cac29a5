// Answers that are not our JSON (a proxy's HTML error page, a plain-text 503, a dropped connection)
// reach the admin and account islands through the one shared helper (client/shared/http.ts): each
// becomes a clear message on the form, never an unhandled error or a parser's message.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { browserForFile, shot, visitor } from "./browser";

const appUrl = inject("appUrl");
const browser = browserForFile();

let context: BrowserContext;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
	context = await visitor(browser());
	page = await context.newPage();
	page.on("pageerror", (error) => pageErrors.push(error.message));
});

afterAll(async () => {
	await context.close();
});

const HTML_502 = { status: 502, contentType: "text/html", body: "<html><body><h1>502 Bad Gateway</h1></body></html>" };

describe("error answers that are not JSON", () => {
	it("admin sign-in: a proxy's HTML error page becomes a clear message", async () => {
		await page.route("**/auth/signin", (route) => route.fulfill(HTML_502));
		await page.goto(`${appUrl}/admin/signin`);
		await page.getByLabel("Email").fill("owner@demo.slotline.test");
		await page.getByLabel("Password").fill("browser-owner-password-1");
		await page.getByRole("button", { name: "Sign in" }).click();
		await expect.poll(() => page.locator("#signin-form .form-error").textContent()).toContain("error 502");
		await shot(page, "http-01-admin-signin-502");
		await page.unroute("**/auth/signin");
		expect(pageErrors).toEqual([]);
	});

	it("admin forms: a plain-text 503 and a dropped connection each become the form's message", async () => {
		await page.getByRole("button", { name: "Sign in" }).click();
		await page.waitForURL(`${appUrl}/admin`);
		await page.goto(`${appUrl}/admin/setup#rooms`);
		const form = page.locator('form[data-api="/admin/api/resources"][data-method="POST"]');
		await page.route("**/admin/api/resources", (route) => route.fulfill({ status: 503, contentType: "text/plain", body: "Service Unavailable" }));
		await form.getByLabel("New room name").fill("Room that never arrives");
		await form.getByRole("button", { name: "Add room" }).click();
		await expect.poll(() => form.locator(".form-error").textContent()).toBe("Slotline could not finish that (error 503). Please try again in a moment.");
		await shot(page, "http-02-admin-form-503");
		await page.unroute("**/admin/api/resources");
		await page.route("**/admin/api/resources", (route) => route.abort("connectionreset"));
		await form.getByRole("button", { name: "Add room" }).click();
		await expect.poll(() => form.locator(".form-error").textContent()).toContain("could not be reached");
		await page.unroute("**/admin/api/resources");
		expect(pageErrors).toEqual([]);
	});

	it("customer sign-in: the same helper, the same clear message", async () => {
		const customer = await visitor(browser());
		const tab = await customer.newPage();
		const errors: string[] = [];
		tab.on("pageerror", (error) => errors.push(error.message));
		await tab.route("**/auth/signin", (route) => route.fulfill(HTML_502));
		await tab.goto(`${appUrl}/signin`);
		await tab.getByLabel("Email").fill("someone@example.com");
		await tab.getByLabel("Password", { exact: true }).fill("whatever password");
		await tab.getByRole("button", { name: "Sign in" }).click();
		await expect.poll(() => tab.locator("#signin-form .form-error").textContent()).toContain("error 502");
		await shot(tab, "http-03-account-signin-502");
		expect(errors).toEqual([]);
		await customer.close();
	});
});
