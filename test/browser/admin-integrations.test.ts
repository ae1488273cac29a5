// The Integrations page in a real browser, for every kind of connection Google's test (admin-flow) does
// not cover: Chloé's iCloud calendar through the form (the app-specific password explained, a wrong one
// refused on the field), the calendar pickers, the sync log, Resync, "last sync" in words, the
// re-authorisation after the app-specific password was replaced, and Disconnect with its confirmation;
// Ben's calendars on another CalDAV server and on Microsoft; an ICS feed for the whole business, its
// event hatched as Busy on the calendar. Screenshots of each step in test-artifacts/browser/.
import type { BrowserContext, Dialog, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { connectThroughConsent, reloadUntil, sandboxControl, signInOwner } from "./admin";
import { browserForFile, shot, visitor } from "./browser";

/**
 * The day of the shop's feed event (12:00 UTC on the UTC date two days ahead, global-setup.ts), which is the
 * same date in Amsterdam; the Amsterdam date of "now + 2 days" is a day later between 22:00 and 24:00 UTC.
 */
function feedEventDate(): string {
	return new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
}

const appUrl = inject("appUrl");
const sandboxUrl = inject("mailboxUrl");
const caldavUrl = inject("caldavUrl");
const shopUrl = inject("shopUrl");
const browser = browserForFile();

const APPLE_ID = "chloe.integrations@icloud.test";
const APP_PASSWORD = "abcd-efgh-ijkl-mnop";
const NEW_APP_PASSWORD = "qrst-uvwx-yzab-cdef";
const BEN_DAV = { username: "ben-integrations", password: "ben-dav-password" };
const BEN_OUTLOOK = "ben.integrations@outlook.test";

let context: BrowserContext;
let page: Page;

beforeAll(async () => {
	await sandboxControl(sandboxUrl, "/icloud/accounts", { appleId: APPLE_ID, appPassword: APP_PASSWORD });
	await sandboxControl(sandboxUrl, "/caldav/users", BEN_DAV);
	for (const [slug, displayName] of [
		["work", "Work"],
		["family", "Family"],
	]) {
		await sandboxControl(sandboxUrl, "/caldav/calendars", { ...BEN_DAV, slug, displayName });
	}
	// The browser suite's app has its own Microsoft client id; the sandbox learns it here.
	await sandboxControl(sandboxUrl, "/microsoft/clients", { clientId: "slotline-browser-microsoft", clientSecret: "browser-microsoft-secret" });
	context = await visitor(browser());
	page = await context.newPage();
	await signInOwner(page, appUrl);
});

afterAll(async () => {
	await context.close();
});

function section(owner: string): Locator {
	return page.locator(`section[data-owner="${owner}"]`);
}

function card(owner: string, account: string): Locator {
	return section(owner).locator("article.connection", { has: page.getByRole("heading", { name: account }) });
}

async function integrations(): Promise<void> {
	await page.goto(`${appUrl}/admin/integrations`);
}

/** Submits a data-api form whose success reloads the page, and waits for the new page. */
async function submitAndReload(button: Locator): Promise<void> {
	await Promise.all([page.waitForEvent("load"), button.click()]);
}

describe("Integrations for every kind of calendar", () => {
	it("explains iCloud's app-specific password and refuses a wrong one on its field", async () => {
		await integrations();
		await shot(page, "integrations-01-overview");
		const chloe = section("stf_demo_chloe");
		await chloe.getByText("Connect Apple iCloud").click();
		const help = chloe.locator("#icloud-help-stf_demo_chloe");
		await expect(help.textContent()).resolves.toMatch(/app-specific password.*never your Apple ID\s+password/s);
		await expect(help.getByRole("link", { name: "appleid.apple.com" }).getAttribute("href")).resolves.toBe("https://appleid.apple.com");
		await expect(help.textContent()).resolves.toContain("Sign-In and Security → App-Specific Passwords");
		const form = chloe.locator("form", { has: page.getByRole("button", { name: "Connect iCloud" }) });
		const password = form.getByLabel("App-specific password");
		await expect(password.getAttribute("aria-describedby")).resolves.toBe("icloud-help-stf_demo_chloe");

		await form.getByLabel("Apple ID (email)").fill(APPLE_ID);
		await password.fill("my-apple-id-password");
		await form.getByRole("button", { name: "Connect iCloud" }).click();
		await expect.poll(() => form.locator(".form-error").textContent()).toContain("app-specific password");
		await expect(password.getAttribute("aria-invalid")).resolves.toBe("true");
		await shot(page, "integrations-02-icloud-wrong-password");
		expect(await chloe.locator("article.connection").count()).toBe(0);
	});

	it("connects Chloé's iCloud calendar and writes to its Home calendar (Reminders is not offered)", async () => {
		const form = section("stf_demo_chloe").locator("form", { has: page.getByRole("button", { name: "Connect iCloud" }) });
		await form.getByLabel("App-specific password").fill(APP_PASSWORD);
		await submitAndReload(form.getByRole("button", { name: "Connect iCloud" }));
		const icloud = card("stf_demo_chloe", APPLE_ID);
		await expect(icloud.getByRole("heading").textContent()).resolves.toBe(`Apple iCloud · ${APPLE_ID}`);
		await expect(icloud.locator(".status-text").textContent()).resolves.toBe("Active");
		await expect(icloud.getByRole("radio", { name: "Home" }).isChecked()).resolves.toBe(true);
		await expect(icloud.getByRole("checkbox", { name: "Home" }).isChecked()).resolves.toBe(true);
		expect(await icloud.getByText("Reminders").count()).toBe(0);
		await shot(page, "integrations-03-icloud-connected");
	});

	it("picks the calendars to write to and to check, and keeps the choice", async () => {
		const icloud = card("stf_demo_chloe", APPLE_ID);
		await icloud.getByRole("radio", { name: "Don't write bookings" }).check();
		await icloud.getByRole("checkbox", { name: "Home" }).uncheck();
		await submitAndReload(icloud.getByRole("button", { name: "Save calendars" }));
		await expect(icloud.getByRole("radio", { name: "Don't write bookings" }).isChecked()).resolves.toBe(true);
		await expect(icloud.getByRole("checkbox", { name: "Home" }).isChecked()).resolves.toBe(false);
		await shot(page, "integrations-04-icloud-no-write");
		await icloud.getByRole("radio", { name: "Home" }).check();
		await icloud.getByRole("checkbox", { name: "Home" }).check();
		await submitAndReload(icloud.getByRole("button", { name: "Save calendars" }));
		await expect(icloud.getByRole("radio", { name: "Home" }).isChecked()).resolves.toBe(true);
		await expect(icloud.getByRole("checkbox", { name: "Home" }).isChecked()).resolves.toBe(true);
	});

	it("shows the last sync in words and the sync log", async () => {
		const icloud = card("stf_demo_chloe", APPLE_ID);
		const lastSync = icloud.locator("p", { hasText: "Last sync:" });
		await reloadUntil(page, `${appUrl}/admin/integrations`, () => lastSync.textContent()).toMatch(/Last sync: (just now|\d+ minutes? ago)/);
		await expect(lastSync.locator("time").getAttribute("datetime")).resolves.toMatch(/^\d{4}-\d{2}-\d{2}T/);
		await icloud.getByText("Sync log").click();
		const log = icloud.locator("details.log table");
		await log.waitFor();
		const operations = await log.locator("tbody tr td:nth-child(2)").allTextContents();
		expect(operations).toEqual(expect.arrayContaining(["connect", "list-calendars", "choose-calendars"]));
		await expect(log.getByRole("columnheader").allTextContents()).resolves.toEqual(["When", "Operation", "Outcome", "Message"]);
		await shot(page, "integrations-05-sync-log");
	});

	it("resyncs, which the log then shows", async () => {
		const icloud = card("stf_demo_chloe", APPLE_ID);
		await icloud.getByRole("button", { name: "Resync" }).click();
		await expect.poll(() => page.locator("#admin-status").textContent()).toBe("Resync started.");
		await shot(page, "integrations-06-resync");
		await integrations();
		await icloud.getByText("Sync log").click();
		// Newest first; the pushes it queued may already have logged their writes above it.
		await expect(icloud.locator("details.log tbody tr td:nth-child(2)").allTextContents()).resolves.toContain("resync");
	});

	it("asks for the new app-specific password after the old one was replaced, and works again with it", async () => {
		// Chloé revoked the app-specific password at Apple and made a new one.
		await sandboxControl(sandboxUrl, "/icloud/accounts", { appleId: APPLE_ID, appPassword: NEW_APP_PASSWORD });
		const icloud = card("stf_demo_chloe", APPLE_ID);
		await icloud.getByRole("button", { name: "Refresh calendar list" }).click();
		await expect.poll(() => page.locator("#admin-status").textContent()).toContain("Re-authorize");
		await integrations();
		await expect(icloud.locator(".status-text").textContent()).resolves.toBe("Error");
		await expect(icloud.locator(".status-message").textContent()).resolves.toContain("iCloud refused the app-specific password");
		const reauthorize = icloud.locator("form.reauthorize");
		await expect(reauthorize.textContent()).resolves.toContain("appleid.apple.com");
		await shot(page, "integrations-07-icloud-reauthorize");
		const attention = "Apple iCloud calendar of Chloé needs re-authorization";
		expect(await (await page.request.get(`${appUrl}/admin`)).text()).toContain(attention);
		await reauthorize.getByLabel("New app-specific password").fill(NEW_APP_PASSWORD);
		await submitAndReload(reauthorize.getByRole("button", { name: "Re-enter password" }));
		await expect(icloud.locator(".status-text").textContent()).resolves.toBe("Active");
		await shot(page, "integrations-08-icloud-reauthorized");
		const dashboard = await (await page.request.get(`${appUrl}/admin`)).text();
		expect(dashboard).not.toContain(attention);
	});

	it("disconnects only after the confirmation is accepted, keeping a way to reconnect", async () => {
		const icloud = card("stf_demo_chloe", APPLE_ID);
		const messages: string[] = [];
		const dismiss = (dialog: Dialog): void => {
			messages.push(dialog.message());
			void dialog.dismiss();
		};
		page.once("dialog", dismiss);
		await icloud.getByRole("button", { name: "Disconnect" }).click();
		await expect.poll(() => messages.length).toBe(1);
		expect(messages[0]).toBe(`Disconnect Apple iCloud (${APPLE_ID})? Events already written stay in that calendar.`);
		await integrations();
		await expect(icloud.locator(".status-text").textContent()).resolves.toBe("Active");

		page.once("dialog", (dialog) => void dialog.accept());
		await submitAndReload(icloud.getByRole("button", { name: "Disconnect" }));
		await expect(icloud.locator(".status-text").textContent()).resolves.toBe("Disconnected");
		// The grey dot, and the password form to come back (the account and its choices are kept).
		await expect(icloud.locator(".dot").evaluate((dot) => getComputedStyle(dot).backgroundColor)).resolves.toBe("rgb(156, 163, 175)");
		await expect(icloud.getByRole("button", { name: "Reconnect" }).count()).resolves.toBe(1);
		expect(await icloud.getByRole("button", { name: "Resync" }).count()).toBe(0);
		await shot(page, "integrations-09-icloud-disconnected");
	});

	it("connects Ben's calendars on another CalDAV server, writing to one and checking both", async () => {
		const ben = section("stf_demo_ben");
		await ben.getByText("Connect another CalDAV server").click();
		const form = ben.locator("form", { has: page.getByRole("button", { name: "Connect calendar" }) });
		await form.getByLabel("Server address").fill(`${caldavUrl}/`);
		await form.getByLabel("User name").fill(BEN_DAV.username);
		await form.getByLabel("Password").fill(BEN_DAV.password);
		await shot(page, "integrations-10-caldav-form");
		await submitAndReload(form.getByRole("button", { name: "Connect calendar" }));
		const dav = card("stf_demo_ben", BEN_DAV.username);
		await expect(dav.locator(".status-text").textContent()).resolves.toBe("Active");
		await dav.getByRole("radio", { name: "Work" }).check();
		await dav.getByRole("checkbox", { name: "Work" }).check();
		await dav.getByRole("checkbox", { name: "Family" }).check();
		await submitAndReload(dav.getByRole("button", { name: "Save calendars" }));
		await expect(dav.getByRole("radio", { name: "Work" }).isChecked()).resolves.toBe(true);
		await expect(dav.getByRole("checkbox", { name: "Family" }).isChecked()).resolves.toBe(true);
		await shot(page, "integrations-11-caldav-picked");
	});

	it("connects Ben's Microsoft calendar through the consent page", async () => {
		await connectThroughConsent(page, section("stf_demo_ben").getByRole("link", { name: "Connect Microsoft" }), { email: BEN_OUTLOOK, name: "Ben Okafor" }, "integrations-12-microsoft-consent");
		await expect(page.getByRole("status").first().textContent()).resolves.toContain("Calendar connected");
		await expect(card("stf_demo_ben", BEN_OUTLOOK).locator(".status-text").textContent()).resolves.toBe("Active");
		await shot(page, "integrations-13-microsoft-connected");
	});

	it("adds an ICS feed for the business, shown masked, whose event is hatched Busy for everyone", async () => {
		const business = section("business");
		await business.getByText("Add an ICS feed (read-only)").click();
		const form = business.locator("form", { has: page.getByRole("button", { name: "Add feed" }) });
		await form.getByLabel("Feed URL").fill("not a url");
		await form.getByRole("button", { name: "Add feed" }).click();
		await expect.poll(() => form.locator(".form-error").textContent()).toContain("Feed URL");
		await form.getByLabel("Feed URL").fill(`${shopUrl}/feeds/team.ics`);
		await submitAndReload(form.getByRole("button", { name: "Add feed" }));
		const feed = business.locator("article.connection");
		await expect(feed.getByRole("heading").textContent()).resolves.toMatch(/^ICS feed · /);
		await expect(feed.locator(".status-text").textContent()).resolves.toBe("Active");
		// Read-only: nothing to write to, and the feed is checked for conflicts.
		await expect(feed.getByRole("radio", { name: "Don't write bookings" }).isChecked()).resolves.toBe(true);
		await expect(feed.getByRole("checkbox").first().isChecked()).resolves.toBe(true);
		await shot(page, "integrations-14-ics-feed");

		const date = feedEventDate();
		const busy = page.locator('.lane[data-staff="stf_demo_ben"] .busy.item', { hasText: "ICS feed (business)" });
		await reloadUntil(page, `${appUrl}/admin/calendar?date=${date}`, () => busy.count()).toBe(1);
		expect(await page.content()).not.toContain("Team lunch");
		await shot(page, "integrations-15-feed-busy");
	});

	it("disconnects the feed, and its busy time stops counting", async () => {
		await integrations();
		const feed = section("business").locator("article.connection");
		page.once("dialog", (dialog) => void dialog.accept());
		await submitAndReload(feed.getByRole("button", { name: "Disconnect" }));
		await expect(feed.locator(".status-text").textContent()).resolves.toBe("Disconnected");
		const date = feedEventDate();
		await page.goto(`${appUrl}/admin/calendar?date=${date}`);
		expect(await page.locator(".busy.item", { hasText: "ICS feed" }).count()).toBe(0);
	});
});
