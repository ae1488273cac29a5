// Steps of the booking flow as a customer takes them, on the hosted page or inside the widget frame.
import type { FrameLocator, Page } from "playwright-core";

export type Scope = Page | FrameLocator;

export async function chooseService(scope: Scope, serviceId: string, staff: string): Promise<void> {
	await scope.locator(`button[data-service="${serviceId}"]`).click();
	await scope.locator(`button[data-staff="${staff}"]`).click();
}

/** Picks the first day with free times, then its `index`-th time; returns that slot's UTC start. */
export async function pickSlot(scope: Scope, index = 0): Promise<string> {
	await scope.locator("button.day:not([disabled])").first().click();
	const slot = scope.locator("button.slot").nth(index);
	const start = (await slot.getAttribute("data-start")) ?? "";
	await slot.click();
	return start;
}

export async function fillDetails(scope: Scope, customer: { name: string; email: string; phone?: string; notes?: string }): Promise<void> {
	await scope.getByLabel("Name").fill(customer.name);
	await scope.getByLabel("Email").fill(customer.email);
	if (customer.phone !== undefined) await scope.getByLabel("Phone (optional)").fill(customer.phone);
	if (customer.notes !== undefined) await scope.getByLabel("Notes (optional)").fill(customer.notes);
	await scope.getByRole("button", { name: "Continue" }).click();
}

/** Presses Tab until the focused element matches `selector` (keyboard only), failing after `max` presses. */
export async function tabTo(page: Page, selector: string, max = 20): Promise<void> {
	for (let i = 0; i < max; i++) {
		await page.keyboard.press("Tab");
		if (await page.evaluate((s) => document.activeElement?.matches(s) === true, selector)) return;
	}
	throw new Error(`Tab never reached ${selector}`);
}
