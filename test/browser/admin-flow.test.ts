// The merchant admin in a real browser, one owner's session from sign-in to a revoked calendar: create a
// service, connect Ana's sandbox Google calendar through its consent page, see a widget booking arrive in
// that calendar, see an event of that calendar hatched as Busy, and see the revoked grant turn red.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectThroughConsent, reloadUntil } from "./admin";
import { browserForFile, shot, visitor } from "./browser";
import { chooseService, fillDetails, pickSlot } from "./flow";

const appUrl = inject("appUrl");
const sandboxUrl = inject("mailboxUrl");
const browser = browserForFile();
/** Ana's account in the sandbox Google; its primary calendar's id is the address. */
const ANA_GOOGLE = "ana.admin-flow@example.com";

interface GoogleEvent {
	id: string;
	status?: string;
	summary?: string;
	start?: { dateTime?: string; timeZone?: string };
}

async function sandboxEvents(): Promise<GoogleEvent[]> {
	const res = await fetch(`${sandboxUrl}/_control/google/calendars/${encodeURIComponent(ANA_GOOGLE)}/events`);
	if (!res.ok) return [];
	const body = (await res.json()) as GoogleEvent[] | { items?: GoogleEvent[]; events?: GoogleEvent[] };
	return Array.isArray(body) ? body : (body.items ?? body.events ?? []);
}

let context: BrowserContext;
let page: Page;
let booked = "";

beforeAll(async () => {
	context = await visitor(browser());
	page = await context.newPage();
});

afterAll(async () => {
	await context.close();
});

describe("merchant admin", () => {
	it("signs the owner in from the sign-in page it is sent to", async () => {
		await page.goto(`${appUrl}/admin/calendar`);
		expect(new URL(page.url()).pathname).toBe("/admin/signin");
		await shot(page, "admin-01-signin");
		await page.getByLabel("Email").fill("owner@demo.slotline.test");
		await page.getByLabel("Password").fill("wrong password");
		await page.getByRole("button", { name: "Sign in" }).click();
		await expect.poll(() => page.getByRole("alert").textContent()).toContain("incorrect");
		await page.getByLabel("Password").fill("browser-owner-password-1");
		await page.getByRole("button", { name: "Sign in" }).click();
		await page.waitForURL(`${appUrl}/admin/calendar`);
		await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Dashboard" }).click();
		await page.getByRole("heading", { name: "Dashboard" }).waitFor();
		await shot(page, "admin-02-dashboard");
	});

	it("creates a service on the Setup page", async () => {
		await page.goto(`${appUrl}/admin/setup`);
		await page.getByText("Add a service").click();
		const form = page.locator("#new-service");
		await form.getByLabel("Name").fill("");
		await form.getByRole("button", { name: "Create service" }).click();
		// The API's field error is shown on the form, beside a marked field.
		await expect.poll(() => form.locator(".form-error").textContent()).toContain("Name");
		await form.getByLabel("Name").fill("Beard trim");
		await form.getByLabel("Duration (minutes)").fill("25");
		await form.getByLabel("Price (EUR, optional)").fill("19.50");
		await form.getByRole("button", { name: "Create service" }).click();
		await page.locator("#service-list").getByText("Beard trim").waitFor();
		await shot(page, "admin-03-service-created");
		const services = (await (await fetch(`${appUrl}/api/v1/m/demo/services`)).json()) as { services: Array<{ name: string; durationMinutes: number; price: { amountCents: number } | null }> };
		expect(services.services.find((s) => s.name === "Beard trim")).toMatchObject({ durationMinutes: 25, price: { amountCents: 1950 } });
	});

	it("connects Ana's Google calendar through the provider's consent page", async () => {
		await page.goto(`${appUrl}/admin/integrations`);
		const ana = page.locator('section[data-owner="stf_demo_ana"]');
		// The sandbox's consent page: another account, then Allow.
		await connectThroughConsent(page, ana.getByRole("link", { name: "Connect Google" }), { email: ANA_GOOGLE, name: "Ana Jansen" }, "admin-04-google-consent");
		const card = ana.locator("article.connection");
		await expect(card.locator(".status-text").textContent()).resolves.toBe("Active");
		await expect(card.getByRole("heading").textContent()).resolves.toContain(ANA_GOOGLE);
		// The primary calendar is where bookings go, and is checked for conflicts.
		await expect(card.getByRole("radio", { name: ANA_GOOGLE }).isChecked()).resolves.toBe(true);
		await shot(page, "admin-05-google-connected");
	});

	it("writes a booking made in the widget into Ana's Google calendar", async () => {
		// A customer in their own browser, not signed in to Slotline.
		const customerContext = await visitor(browser());
		const customer = await customerContext.newPage();
		await customer.goto(`${appUrl}/b/demo`);
		await chooseService(customer, "svc_demo_cut", "stf_demo_ana");
		booked = await pickSlot(customer, 2);
		await fillDetails(customer, { name: "Widget Wendy", email: "wendy@example.com" });
		await customer.locator("#slotline-confirm").click();
		await customer.getByRole("heading", { name: "You're booked!" }).waitFor();
		await customerContext.close();

		// Google keeps the wall-clock time and the zone the event was written in.
		const wallClock = new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Amsterdam", dateStyle: "short", timeStyle: "medium" }).format(new Date(booked)).replace(" ", "T");
		await expect
			.poll(async () => (await sandboxEvents()).find((e) => e.summary === "Widget Wendy" && e.status !== "cancelled")?.start, { timeout: 20_000, interval: 500 })
			.toEqual({ dateTime: wallClock, timeZone: "Europe/Amsterdam" });

		const date = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam" }).format(new Date(booked));
		await page.goto(`${appUrl}/admin/calendar?date=${date}`);
		const booking = page.locator('.lane[data-staff="stf_demo_ana"] .booking', { hasText: "Widget Wendy" });
		await booking.waitFor();
		await shot(page, "admin-06-calendar-with-booking");
		await booking.click();
		const dialog = page.getByRole("dialog");
		await expect(dialog.getByRole("heading").textContent()).resolves.toBe("Haircut with Ana Jansen");
		await dialog.getByLabel("Merchant notes (only staff see these)").fill("Prefers the window seat");
		const saved = page.waitForResponse((r) => r.url().includes("/admin/api/bookings/") && r.request().method() === "PATCH");
		await dialog.getByRole("button", { name: "Save notes" }).click();
		expect((await saved).ok()).toBe(true);
		await page.getByRole("dialog").waitFor({ state: "hidden" });
		await page.locator('.lane[data-staff="stf_demo_ana"] .booking', { hasText: "Widget Wendy" }).click();
		await expect(page.getByRole("dialog").getByLabel("Merchant notes (only staff see these)").inputValue()).resolves.toBe("Prefers the window seat");
		await expect(page.getByRole("dialog").textContent()).resolves.toContain("Widget Wendy · wendy@example.com");
		await shot(page, "admin-07-booking-dialog");
		await page.keyboard.press("Escape");
	});

	it("shows an event added in Ana's Google calendar as hatched Busy time", async () => {
		const start = new Date(Date.parse(booked) + 3 * 3600_000).toISOString();
		const end = new Date(Date.parse(booked) + 4 * 3600_000).toISOString();
		const created = await fetch(`${sandboxUrl}/_control/google/calendars/${encodeURIComponent(ANA_GOOGLE)}/events`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ summary: "Dentist (private)", start, end }),
		});
		expect(created.ok).toBe(true);
		const date = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam" }).format(new Date(start));
		const busy = page.locator('.lane[data-staff="stf_demo_ana"] .busy.item');
		await reloadUntil(page, `${appUrl}/admin/calendar?date=${date}`, () => busy.count()).toBeGreaterThan(0);
		await expect(busy.first().textContent()).resolves.toContain("Busy · Google");
		// Slotline stores no details of the event: its title never reaches the page.
		expect(await page.content()).not.toContain("Dentist");
		await shot(page, "admin-08-busy-hatched");
	});

	it("turns the connection red with its message when Google revokes the grant", async () => {
		// Ana's grant only: the other browser files use this sandbox's Google accounts too.
		const scope = { account: ANA_GOOGLE };
		for (const fault of [{ provider: "google", revokeRefreshTokens: true, scope }, { provider: "google", expireAccessTokens: true, scope }]) {
			const res = await fetch(`${sandboxUrl}/_control/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) });
			expect(res.ok).toBe(true);
		}
		await page.goto(`${appUrl}/admin/integrations`);
		const card = page.locator('section[data-owner="stf_demo_ana"] article.connection');
		// Resync pushes Ana's bookings again, which needs a fresh access token: the refresh is refused.
		await card.getByRole("button", { name: "Resync" }).click();
		await expect.poll(() => page.getByRole("status").textContent()).toContain("Resync started");
		await reloadUntil(page, `${appUrl}/admin/integrations`, () => card.locator(".status-text").textContent()).toBe("Error");
		await expect(card.locator(".status-message").textContent()).resolves.toContain(`Slotline lost access to ${ANA_GOOGLE}`);
		await expect(card.getByRole("link", { name: "Re-authorize" }).count()).resolves.toBe(1);
		await shot(page, "admin-09-integrations-error");
		await page.goto(`${appUrl}/admin`);
		await expect(page.getByRole("alert").first().textContent()).resolves.toContain("Google calendar of Ana needs re-authorization");
		await shot(page, "admin-10-dashboard-banner");
	});
});
