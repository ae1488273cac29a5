// Where a service takes place (issue 18 item 1) in a real browser: the owner sets it in Setup (Meet is
// refused beside the field while the staff member has no Google calendar), the booking page says
// "Online (Google Meet)" before anyone books, and a service where the staff member calls needs the
// customer's number and says so on the confirmation. Everything changed is put back afterwards.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminApi, signInOwner } from "./admin";
import { browserForFile, shot, visitor } from "./browser";
import { chooseService, pickSlot } from "./flow";

const appUrl = inject("appUrl");
const browser = browserForFile();

let context: BrowserContext;
let page: Page;
let createdServiceId: string | null = null;

beforeAll(async () => {
	context = await visitor(browser());
	page = await context.newPage();
	await signInOwner(page, appUrl);
});

afterAll(async () => {
	await page.goto(`${appUrl}/admin/setup?at=${Date.now()}`);
	await adminApi(page, "PATCH", "/services/svc_demo_consult", { place: { kind: "in_person_business" } });
	if (createdServiceId !== null) await adminApi(page, "DELETE", `/services/${createdServiceId}`, {});
	await context.close();
});

describe("where a service takes place", () => {
	it("is set in Setup, and the booking page shows an online service as such before booking", async () => {
		await page.goto(`${appUrl}/admin/setup?at=${Date.now()}`);
		const create = page.locator("#new-service");
		await page.locator("details.create", { has: create }).locator("summary").click();
		await create.getByLabel("Name", { exact: true }).fill("Video consult");
		await create.getByLabel("Takes place").selectOption("google_meet");
		// Only the chosen kind's field shows.
		await expect(create.getByLabel("Meeting link (https://…)").isVisible()).resolves.toBe(false);
		await create.getByRole("button", { name: "Create service" }).click();
		// Every demo staff member offers a new service at first; which of them have connected Google depends on
		// the browser tests that ran before, so the refusal names one of them, whoever it is.
		await expect.poll(() => create.locator(".form-error").textContent()).toMatch(/Google Meet needs a Google calendar connection for (Ana Jansen|Ben Okafor|Chloé Martin)/);
		await shot(page, "place-01-meet-refused");

		// Offered by nobody yet, it needs nobody's calendar.
		for (const box of await create.locator('input[name="staffIds"]').all()) await box.uncheck();
		await Promise.all([page.waitForEvent("load"), create.getByRole("button", { name: "Create service" }).click()]);
		createdServiceId = await page.locator("li[data-service]", { hasText: "Video consult" }).getAttribute("data-service");
		expect(createdServiceId).toMatch(/^svc_/);

		// A customer in a browser of their own (the owner's session would fill in the owner's details).
		const customerContext = await visitor(browser());
		const customer = await customerContext.newPage();
		await customer.goto(`${appUrl}/b/demo`);
		await expect(customer.locator(`button[data-service="${createdServiceId}"]`).textContent()).resolves.toContain("Online (Google Meet)");
		await expect(customer.locator('button[data-service="svc_demo_cut"]').textContent()).resolves.toContain("In person at");
		await shot(customer, "place-02-booking-page");
		await customerContext.close();
	});

	it("needs the customer's number when the staff member calls, and says so on the confirmation", async () => {
		await page.goto(`${appUrl}/admin/setup?at=${Date.now()}`);
		const row = page.locator('li[data-service="svc_demo_consult"]');
		await row.locator("summary", { hasText: "Edit" }).click();
		await row.getByLabel("Takes place").selectOption("phone_staff_calls");
		await Promise.all([page.waitForEvent("load"), row.getByRole("button", { name: "Save" }).click()]);

		const customerContext = await visitor(browser());
		const customer = await customerContext.newPage();
		await customer.goto(`${appUrl}/b/demo`);
		await expect(customer.locator('button[data-service="svc_demo_consult"]').textContent()).resolves.toContain("By phone: we call you");
		await chooseService(customer, "svc_demo_consult", "anyone");
		await pickSlot(customer);
		const phone = customer.getByLabel("Phone", { exact: true });
		await expect(phone.getAttribute("required")).resolves.not.toBeNull();
		await customer.getByLabel("Name").fill("Pia Phone");
		await customer.getByLabel("Email").fill("pia.phone@example.com");
		await phone.fill("+31 6 5555 0101");
		await customer.getByRole("button", { name: "Continue" }).click();
		await expect(customer.locator(".summary").first().textContent()).resolves.toContain("By phone: we call you at +31 6 5555 0101");
		await customer.locator("#slotline-confirm").click();
		await customer.getByRole("heading", { name: "You're booked!" }).waitFor();
		await expect(customer.locator(".summary").first().textContent()).resolves.toContain("By phone: we call you at +31 6 5555 0101");
		await shot(customer, "place-03-confirmed");
		await customerContext.close();
	});
});
