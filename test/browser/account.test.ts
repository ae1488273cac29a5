// A customer's account in a real browser, from sign-up to a reset password: sign up, confirm the address
// from the sandbox mailbox, sign in, book on the hosted page, find the booking on the account page,
// reset the password through the emailed link and sign in with the new one. Then the same customer
// tries the business admin, is told why not, and switches to the owner's account from there.
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { browserForFile, shot, timeIn, visitor } from "./browser";
import { chooseService, pickSlot } from "./flow";

const appUrl = inject("appUrl");
const mailboxUrl = inject("mailboxUrl");
const browser = browserForFile();

const EMAIL = `bea.browser.${Date.now()}@example.com`;
const FIRST_PASSWORD = "first passphrase 1";
const NEW_PASSWORD = "second passphrase 2";

/** Opens the newest mail to `to` with this subject in the sandbox inbox and answers the app link in it. */
async function linkFromInbox(page: Page, to: string, subject: string, shotName: string): Promise<string> {
	await expect.poll(async () => (await (await fetch(`${mailboxUrl}/_control/mail?to=${encodeURIComponent(to)}`)).json()) as { messages: Array<{ subject: string }> }, { timeout: 15_000 }).toMatchObject({
		messages: expect.arrayContaining([expect.objectContaining({ subject })]),
	});
	await page.goto(`${mailboxUrl}/mail?to=${encodeURIComponent(to)}`);
	await page.getByRole("link", { name: subject }).first().click();
	await page.getByRole("heading", { name: subject }).waitFor();
	await shot(page, shotName);
	const text = (await page.locator("pre").textContent()) ?? "";
	const link = new RegExp(`${appUrl.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/\\S+token=[a-z0-9]+`).exec(text)?.[0];
	if (link === undefined) throw new Error(`no link in the mail "${subject}"`);
	return link;
}

async function signInAs(page: Page, email: string, password: string): Promise<void> {
	await page.getByLabel("Email", { exact: true }).fill(email);
	await page.getByLabel("Password", { exact: true }).fill(password);
	await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

describe("a customer's account", () => {
	it("signs up, confirms the address, signs in, books, sees the booking, resets the password and signs in with the new one", async () => {
		const context = await visitor(browser());
		const page = await context.newPage();

		await page.goto(`${appUrl}/signup`);
		await page.getByLabel("First name (optional)").fill("Bea");
		await page.getByLabel("Last name (optional)").fill("Browser");
		await page.getByLabel("Email", { exact: true }).fill(EMAIL);
		// A password the policy refuses is explained beside its field, in the API's words.
		await page.getByLabel("Password", { exact: true }).fill("short");
		await page.getByRole("button", { name: "Create account" }).click();
		await expect.poll(() => page.locator("#signup-password-error").textContent()).toContain("at least 10 characters");
		await shot(page, "account-01-signup-error");
		await page.getByLabel("Password", { exact: true }).fill(FIRST_PASSWORD);
		await page.getByRole("button", { name: "Create account" }).click();
		await page.getByRole("heading", { name: "Check your email" }).waitFor();
		await expect(page.locator("#signup-done-text").textContent()).resolves.toContain(EMAIL);
		await shot(page, "account-02-check-email");

		const confirm = await linkFromInbox(page, EMAIL, "Confirm your email address", "account-03-confirmation-mail");
		expect(new URL(confirm).pathname).toBe("/auth/verify-email");
		await page.goto(confirm);
		expect(new URL(page.url()).pathname).toBe("/");
		await page.getByText("Your email address is confirmed.").waitFor();
		await shot(page, "account-04-confirmed");

		// Signed in since sign-up: sign out, then sign in as anyone would.
		await page.getByRole("button", { name: "Sign out" }).click();
		await page.getByRole("link", { name: "Sign in", exact: true }).waitFor();
		await page.getByRole("link", { name: "Sign in", exact: true }).click();
		await signInAs(page, EMAIL, "not the password");
		await expect.poll(() => page.locator(".form-error").first().textContent()).toContain("The email or password is incorrect");
		await shot(page, "account-05-signin-wrong-password");
		await signInAs(page, EMAIL, FIRST_PASSWORD);
		await page.waitForURL(`${appUrl}/account`);
		await page.getByRole("heading", { name: "Bea Browser" }).waitFor();
		await expect(page.getByText("No upcoming bookings.").count()).resolves.toBe(1);
		await shot(page, "account-06-account-empty");

		// Book on the hosted page: the details are the account's, the address fixed to it.
		await page.goto(`${appUrl}/b/demo`);
		await chooseService(page, "svc_demo_consult", "stf_demo_chloe");
		const start = await pickSlot(page, 2);
		await page.getByText(`Signed in as ${EMAIL}`).waitFor();
		await expect(page.locator("#slotline-name").inputValue()).resolves.toBe("Bea Browser");
		await expect(page.locator("#slotline-email").inputValue()).resolves.toBe(EMAIL);
		await expect(page.locator("#slotline-email").getAttribute("readonly")).resolves.not.toBeNull();
		await shot(page, "account-07-book-details");
		await page.getByRole("button", { name: "Continue" }).click();
		await page.locator("#slotline-confirm").click();
		await page.getByRole("heading", { name: "You're booked!" }).waitFor();
		await expect(page.locator("#slotline-confirmation-to").textContent()).resolves.toBe(`We have emailed a confirmation to ${EMAIL}.`);
		await shot(page, "account-08-booked");

		await page.goto(`${appUrl}/account`);
		const booking = page.locator("li.booking").first();
		await expect(booking.textContent()).resolves.toContain("Consultation with Chloé");
		await expect(booking.textContent()).resolves.toContain(timeIn(start, "Europe/Amsterdam"));
		await expect(booking.getByRole("link", { name: "Change or cancel" }).getAttribute("href")).resolves.toMatch(/\/manage\/bkg_[^?]+\?token=/);
		await shot(page, "account-09-account-booking");

		// Forgotten password: ask for a link from the sign-in page, signed out.
		await page.getByRole("button", { name: "Sign out", exact: true }).click();
		await page.waitForURL(`${appUrl}/`);
		await page.goto(`${appUrl}/signin`);
		await page.getByRole("link", { name: "Forgot password?" }).click();
		await page.getByLabel("Email", { exact: true }).fill(EMAIL);
		await page.getByRole("button", { name: "Email me a link" }).click();
		await expect.poll(() => page.locator(".form-done").textContent()).toContain("If an account uses this address");
		await shot(page, "account-10-reset-requested");

		const reset = await linkFromInbox(page, EMAIL, "Reset your Slotline password", "account-11-reset-mail");
		await page.goto(reset);
		await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
		// The one-time token leaves the address bar as soon as the page runs.
		await expect.poll(() => new URL(page.url()).search).toBe("");
		await page.getByLabel("New password").fill(NEW_PASSWORD);
		await shot(page, "account-12-new-password");
		await page.getByRole("button", { name: "Save new password" }).click();
		await page.getByRole("heading", { name: "Your password is changed" }).waitFor();
		await shot(page, "account-13-password-changed");

		await page.goto(`${appUrl}/account`);
		await page.getByRole("button", { name: "Sign out", exact: true }).click();
		await page.waitForURL(`${appUrl}/`);
		await page.goto(`${appUrl}/signin`);
		await signInAs(page, EMAIL, FIRST_PASSWORD);
		await expect.poll(() => page.locator(".form-error").first().textContent()).toContain("incorrect");
		await shot(page, "account-14-old-password-refused");
		await signInAs(page, EMAIL, NEW_PASSWORD);
		await page.waitForURL(`${appUrl}/account`);
		await page.getByRole("heading", { name: "Bea Browser" }).waitFor();
		await shot(page, "account-15-signed-in-new-password");
		await context.close();
	});

	it("a signed-in customer without a business is told so at /admin and can switch to the owner's account there", async () => {
		const context = await visitor(browser());
		const page = await context.newPage();
		await page.goto(`${appUrl}/signin`);
		await signInAs(page, EMAIL, NEW_PASSWORD);
		await page.waitForURL(`${appUrl}/account`);

		await page.goto(`${appUrl}/admin`);
		await page.getByRole("heading", { name: "No business on this account" }).waitFor();
		await shot(page, "account-16-admin-no-access");
		await page.getByRole("link", { name: "Sign in with another account" }).click();
		await page.getByText(`You are signed in as ${EMAIL}`).waitFor();
		await shot(page, "account-17-admin-switch");
		await page.getByLabel("Email", { exact: true }).fill("owner@demo.slotline.test");
		await page.getByLabel("Password", { exact: true }).fill("browser-owner-password-1");
		await page.getByRole("button", { name: "Sign in", exact: true }).click();
		await page.waitForURL(`${appUrl}/admin`);
		await page.getByRole("heading", { name: "Dashboard" }).waitFor();
		await shot(page, "account-18-admin-dashboard");
		await context.close();
	});
});
