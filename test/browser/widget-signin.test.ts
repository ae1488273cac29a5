// Signing in from the widget on a shop's page: "Sign in with email" opens our hosted sign-in in a new tab
// (a frame gets no first-party cookies), which offers what the business allows and comes back to its
// booking page with the chosen time; the booking then goes to the account, and the confirmation says
// it was sent to the account's address, whatever was typed before.
import { describe, expect, inject, it } from "vitest";
import { browserForFile, shot, timeIn, visitor } from "./browser";
import { chooseService, pickSlot } from "./flow";

const appUrl = inject("appUrl");
const shopUrl = inject("shopUrl");
const mailboxUrl = inject("mailboxUrl");
const browser = browserForFile();

const EMAIL = `wendy.widget.${Date.now()}@example.com`;
const PASSWORD = "widget passphrase 1";

describe("signing in from the embedded widget", () => {
	it("signs in with email in a new tab and books there under the account's address", async () => {
		// The account exists already (as /signup would make it; the origin check wants our Origin).
		const created = await fetch(`${appUrl}/auth/signup`, {
			method: "POST",
			headers: { "content-type": "application/json", origin: appUrl },
			body: JSON.stringify({ email: EMAIL, password: PASSWORD, firstName: "Wendy", lastName: "Widget" }),
		});
		expect(created.status).toBe(201);
		// Confirmed, so the booking joins the account (an unconfirmed address pulls no bookings into it).
		await expect
			.poll(async () => ((await (await fetch(`${mailboxUrl}/_control/mail?to=${encodeURIComponent(EMAIL)}`)).json()) as { messages: Array<{ text: string }> }).messages.length, { timeout: 15_000 })
			.toBe(1);
		const mail = ((await (await fetch(`${mailboxUrl}/_control/mail?to=${encodeURIComponent(EMAIL)}`)).json()) as { messages: Array<{ text: string }> }).messages[0];
		const confirm = /http\S+\/auth\/verify-email\?token=[a-z0-9]+/.exec(mail?.text ?? "")?.[0] ?? "";
		// Opened in the session sign-up started: a confirmation link proves nothing to a browser not signed in to the account.
		const session = created.headers.getSetCookie().find((line) => line.startsWith("__Host-slotline_session="))?.split(";")[0] ?? "";
		const verified = await fetch(confirm, { redirect: "manual", headers: { cookie: session } });
		expect(verified.headers.get("location")).toBe(`${appUrl}/?email-verified=1`);

		const context = await visitor(browser());
		const page = await context.newPage();
		await page.goto(shopUrl);
		const frame = page.frameLocator('iframe[title="Book an appointment"]');
		await chooseService(frame, "svc_demo_consult", "stf_demo_chloe");
		const start = await pickSlot(frame, 3);
		await frame.getByLabel("Email").fill("typed.in.the.frame@example.com");
		await shot(page, "widget-signin-01-details-in-frame");

		const link = frame.getByRole("link", { name: "Sign in with email" });
		const href = (await link.getAttribute("href")) ?? "";
		expect(href).toMatch(/^\/signin\?merchant=demo&returnTo=%2Fb%2Fdemo%3Fresume%3D/);
		expect(await link.getAttribute("target")).toBe("_blank");
		const [tab] = await Promise.all([context.waitForEvent("page"), link.click()]);
		await tab.waitForLoadState();
		expect(new URL(tab.url()).pathname).toBe("/signin");
		await tab.getByRole("heading", { name: "Sign in to book with Demo Studio" }).waitFor();
		await shot(tab, "widget-signin-02-hosted-signin");

		await tab.getByLabel("Email", { exact: true }).fill(EMAIL);
		await tab.getByLabel("Password", { exact: true }).fill(PASSWORD);
		await tab.getByRole("button", { name: "Sign in", exact: true }).click();
		await tab.waitForURL((url) => url.pathname === "/b/demo");
		// Back at the details step with the chosen time, the account's name and its fixed address.
		await tab.getByText(`Signed in as ${EMAIL}`).waitFor();
		await expect(tab.locator("#slotline-email").inputValue()).resolves.toBe(EMAIL);
		await expect(tab.locator("#slotline-name").inputValue()).resolves.toBe("Wendy Widget");
		// The resume state is dropped from the address once read.
		expect(new URL(tab.url()).search).toBe("");
		await shot(tab, "widget-signin-03-back-at-details");

		await tab.getByRole("button", { name: "Continue" }).click();
		await expect(tab.locator(".summary").first().textContent()).resolves.toContain(timeIn(start, "Europe/Amsterdam"));
		await expect(tab.locator(".summary").nth(1).textContent()).resolves.toContain(EMAIL);
		await shot(tab, "widget-signin-04-confirm");
		await tab.locator("#slotline-confirm").click();
		await tab.getByRole("heading", { name: "You're booked!" }).waitFor();
		await expect(tab.locator("#slotline-confirmation-to").textContent()).resolves.toBe(`We have emailed a confirmation to ${EMAIL}.`);
		await shot(tab, "widget-signin-05-booked");

		// And that is where it went: the account's mailbox, not the address typed in the frame.
		await expect
			.poll(async () => ((await (await fetch(`${mailboxUrl}/_control/mail?to=${encodeURIComponent(EMAIL)}`)).json()) as { messages: Array<{ subject: string }> }).messages.map((m) => m.subject).join("\n"), { timeout: 20_000 })
			.toMatch(/Consultation/);
		const typed = (await (await fetch(`${mailboxUrl}/_control/mail?to=typed.in.the.frame%40example.com`)).json()) as { messages: unknown[] };
		expect(typed.messages).toEqual([]);

		await tab.goto(`${appUrl}/account`);
		await expect(tab.locator("li.booking").first().textContent()).resolves.toContain("Consultation with Chloé");
		await shot(tab, "widget-signin-06-account");
		await context.close();
	});
});
