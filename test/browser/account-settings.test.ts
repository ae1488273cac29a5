// The account page's forms in a real browser: a profile field the API refuses is explained beside it,
// the profile saves, the password changes (signing the other device out), Google is linked through the
// sandbox consent page and unlinked again, a cancelled Google sign-in is explained on the sign-in
// page, and "sign out from every device" ends both sessions.
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { browserForFile, shot, visitor } from "./browser";

const appUrl = inject("appUrl");
const browser = browserForFile();

const EMAIL = `sami.settings.${Date.now()}@example.com`;
const GOOGLE_EMAIL = `sami.gmail.${Date.now()}@example.com`;
const PASSWORD = "settings passphrase 1";
const NEW_PASSWORD = "settings passphrase 2";

beforeAll(async () => {
	const created = await fetch(`${appUrl}/auth/signup`, {
		method: "POST",
		headers: { "content-type": "application/json", origin: appUrl },
		body: JSON.stringify({ email: EMAIL, password: PASSWORD, firstName: "Sami" }),
	});
	expect(created.status).toBe(201);
});

async function signIn(page: Page, password: string): Promise<void> {
	await page.goto(`${appUrl}/signin`);
	await page.getByLabel("Email", { exact: true }).fill(EMAIL);
	await page.getByLabel("Password", { exact: true }).fill(password);
	await page.getByRole("button", { name: "Sign in", exact: true }).click();
	await page.waitForURL(`${appUrl}/account`);
}

async function signedIn(page: Page): Promise<boolean> {
	const response = await page.goto(`${appUrl}/account`);
	return response !== null && new URL(page.url()).pathname === "/account";
}

describe("the account page", () => {
	it("saves the profile, explains a refused field, changes the password and signs the other device out", async () => {
		const laptop = await visitor(browser());
		const phone = await visitor(browser());
		const page = await laptop.newPage();
		const phonePage = await phone.newPage();
		await signIn(page, PASSWORD);
		await signIn(phonePage, PASSWORD);

		const profile = page.locator("#profile-form");
		await profile.getByLabel("Last name").fill("Settings");
		await profile.getByLabel("Photo URL (optional)").fill("http://pics.example/sami.png");
		await profile.getByRole("button", { name: "Save profile" }).click();
		await expect.poll(() => page.locator("#profile-photoUrl-error").textContent()).toBe("Use an https:// URL");
		await expect(page.locator("#profile-photoUrl").getAttribute("aria-invalid")).resolves.toBe("true");
		await shot(page, "settings-01-profile-error");
		await profile.getByLabel("Photo URL (optional)").fill("");
		await profile.getByRole("button", { name: "Save profile" }).click();
		await page.getByRole("heading", { name: "Sami Settings" }).waitFor();
		await shot(page, "settings-02-profile-saved");

		const password = page.locator("#password-form");
		await password.getByLabel("Current password").fill("not the password");
		await password.getByLabel("New password").fill(NEW_PASSWORD);
		await password.getByRole("button", { name: "Change password" }).click();
		await expect.poll(() => password.locator(".form-error").textContent()).toContain("The current password is incorrect");
		await shot(page, "settings-03-password-wrong");
		await password.getByLabel("Current password").fill(PASSWORD);
		await expect(password.getByLabel("Sign out on every other device").isChecked()).resolves.toBe(true);
		// Wait for the answer itself: navigating away while it is in flight would drop the rotated
		// session cookie it sets, and the old session is gone by then.
		const changed = page.waitForResponse((r) => r.url() === `${appUrl}/auth/password` && r.request().method() === "POST");
		await password.getByRole("button", { name: "Change password" }).click();
		expect((await changed).ok()).toBe(true);
		await expect.poll(() => signedIn(page)).toBe(true);
		// The other device's session ended with the change.
		expect(await signedIn(phonePage)).toBe(false);
		await shot(page, "settings-04-password-changed");
		await laptop.close();
		await phone.close();
	});

	it("links Google through the consent page and unlinks it; a cancelled Google sign-in is explained", async () => {
		const context = await visitor(browser());
		const page = await context.newPage();
		await signIn(page, NEW_PASSWORD);
		await page.getByRole("link", { name: "Link a Google account" }).click();
		await page.getByRole("heading", { name: "Sign in with Google" }).waitFor();
		await page.getByLabel("Another account:").check();
		await page.locator('input[name="new_email"]').fill(GOOGLE_EMAIL);
		await shot(page, "settings-05-google-consent");
		await page.getByRole("button", { name: "Allow" }).click();
		await page.waitForURL(`${appUrl}/account`);
		const login = page.locator("li[data-login]");
		await expect(login.textContent()).resolves.toContain(`Google (${GOOGLE_EMAIL})`);
		await shot(page, "settings-06-google-linked");

		page.once("dialog", (dialog) => void dialog.accept());
		await login.getByRole("button", { name: "Unlink Google" }).click();
		await expect.poll(() => page.locator("li[data-login]").count()).toBe(0);
		await shot(page, "settings-07-google-unlinked");

		await page.getByRole("button", { name: "Sign out", exact: true }).click();
		await page.waitForURL(`${appUrl}/`);
		await page.goto(`${appUrl}/signin`);
		await page.getByRole("link", { name: "Continue with Google" }).click();
		await page.getByRole("button", { name: "Deny" }).click();
		await page.waitForURL(`${appUrl}/signin?error=google-denied`);
		await expect(page.getByRole("alert").first().textContent()).resolves.toContain("You cancelled signing in with Google");
		await shot(page, "settings-08-google-cancelled");
		await context.close();
	});

	it("signs out from every device", async () => {
		const laptop = await visitor(browser());
		const phone = await visitor(browser());
		const page = await laptop.newPage();
		const phonePage = await phone.newPage();
		await signIn(page, NEW_PASSWORD);
		await signIn(phonePage, NEW_PASSWORD);
		await page.getByRole("button", { name: "Sign out from every device" }).click();
		await page.waitForURL(`${appUrl}/signin`);
		await shot(page, "settings-09-signed-out-everywhere");
		expect(await signedIn(page)).toBe(false);
		expect(await signedIn(phonePage)).toBe(false);
		await laptop.close();
		await phone.close();
	});
});
