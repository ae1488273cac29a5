// Steps the admin browser tests share: the demo owner's sign-in, and the sandbox's control API.
import type { Page } from "playwright-core";
import { expect } from "vitest";

export const OWNER_EMAIL = "owner@demo.slotline.test";
/** What global-setup seeded the demo owner with. */
export const OWNER_PASSWORD = "browser-owner-password-1";

/** Signs the demo owner in on the admin sign-in page and waits for the dashboard. */
export async function signInOwner(page: Page, appUrl: string): Promise<void> {
	await page.goto(`${appUrl}/admin/signin`);
	await page.getByLabel("Email").fill(OWNER_EMAIL);
	await page.getByLabel("Password").fill(OWNER_PASSWORD);
	await page.getByRole("button", { name: "Sign in" }).click();
	await page.waitForURL(`${appUrl}/admin`);
}

/** POSTs to the sandbox's control API; throws on anything but 2xx. */
export async function sandboxControl(sandboxUrl: string, path: string, body: unknown): Promise<unknown> {
	const res = await fetch(`${sandboxUrl}/_control${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
	if (!res.ok) throw new Error(`sandbox ${path} answered ${res.status}: ${await res.text()}`);
	return res.status === 204 ? null : res.json();
}

/**
 * Loads `url` again and again until `read` gives what the chained matcher expects (up to 30 s): what
 * the queue consumer does in the background shows up only on a fresh page.
 */
export function reloadUntil<T>(page: Page, url: string, read: () => Promise<T>): ReturnType<typeof expect.poll<T>> {
	return expect.poll(
		async () => {
			await page.goto(url);
			return read();
		},
		{ timeout: 30_000, interval: 1_000 },
	);
}
