// Steps the admin browser tests share: the demo owner's sign-in, the Admin API from the signed-in page, connecting
// an account through the sandbox's consent page, and the sandbox's control API.
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";
import { shot } from "./browser";

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

/**
 * The Admin API from inside the signed-in `page` (its CSRF token and business): for reading state and
 * putting back what a test changed.
 */
export async function adminApi<T>(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
	return page.evaluate(
		async ({ method, path, body }) => {
			const config = JSON.parse(document.getElementById("slotline-admin")?.textContent ?? "{}") as { csrfToken?: string; merchantId?: string };
			const res = await fetch(`/admin/api${path}`, {
				method,
				headers: { "content-type": "application/json", "x-csrf-token": config.csrfToken ?? "", "x-slotline-merchant": config.merchantId ?? "" },
				...(body === undefined ? {} : { body: JSON.stringify(body) }),
			});
			const text = await res.text();
			return { status: res.status, body: (text === "" ? null : JSON.parse(text)) as T };
		},
		{ method, path, body },
	);
}

/**
 * Connects a new account of `email` and `name` through the sandbox's consent page: clicks `connect` (a
 * "Connect …" link on the Integrations page), chooses another account, allows, and waits until the page is
 * back saying it connected. `consentShot` names a screenshot of the filled-in consent page.
 */
export async function connectThroughConsent(page: Page, connect: Locator, account: { email: string; name: string }, consentShot?: string): Promise<void> {
	await connect.click();
	await page.getByRole("button", { name: "Allow" }).waitFor();
	await page.locator('input[name="account"][value="new"]').check();
	await page.locator('input[name="new_email"]').fill(account.email);
	await page.locator('input[name="new_name"]').fill(account.name);
	if (consentShot !== undefined) await shot(page, consentShot);
	await page.getByRole("button", { name: "Allow" }).click();
	await page.waitForURL(/\/admin\/integrations\?connected=/);
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
