// The Setup page in a real browser, each change checked where it takes effect: Chloé's weekly hours get
// a break (the public availability skips it), a date override and time off (availability follows), a
// room is added, the business settings change (time zone, tentative policy, sign-in methods, brand
// colour: the booking page takes the colour, /signin?merchant= drops the disabled method), and a new
// staff member is invited and joins. Everything changed is put back afterwards, since the browser
// files share the demo merchant. Screenshots of each step in test-artifacts/browser/.
import type { BrowserContext, Locator, Page } from "playwright-core";
import { Temporal } from "temporal-polyfill";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminApi, signInOwner } from "./admin";
import { browserForFile, shot, visitor } from "./browser";

const appUrl = inject("appUrl");
const mailboxUrl = inject("mailboxUrl");
const browser = browserForFile();

const ZONE = "Europe/Amsterdam";
const DANA = { name: "Dana Berg", email: "dana.setup@demo.slotline.test", password: "dana-joins-password-1" };

let context: BrowserContext;
let page: Page;
/** What the test changes, as it was, to put back afterwards. */
let originalSettings: Record<string, unknown> = {};
let originalHours: Array<{ weekday: number; start: string; end: string }> = [];

/** The next `weekday` (1 = Monday) at least `daysAhead` days from today, in the demo zone. */
function next(weekday: number, daysAhead: number): Temporal.PlainDate {
	let date = Temporal.Now.plainDateISO(ZONE).add({ days: daysAhead });
	while (date.dayOfWeek !== weekday) date = date.add({ days: 1 });
	return date;
}

/** Chloé's free consultation start times on `date`, as wall-clock "HH:MM" in the demo zone. */
async function chloeSlots(date: Temporal.PlainDate): Promise<string[]> {
	const res = await fetch(`${appUrl}/api/v1/m/demo/availability?serviceId=svc_demo_consult&staffId=stf_demo_chloe&from=${date}&to=${date}&timezone=${ZONE}`);
	expect(res.status).toBe(200);
	const body = (await res.json()) as { slots: Array<{ localStart: string }> };
	return body.slots.map((s) => s.localStart.slice(11, 16));
}

function staffRow(id: string): Locator {
	return page.locator(`li[data-staff="${id}"]`);
}

/** A fresh Setup page (a new query string: going to the same page with only a new #hash would not reload it). */
async function setup(hash = ""): Promise<void> {
	await page.goto(`${appUrl}/admin/setup?at=${Date.now()}${hash}`);
}

/** Opens a staff member's "Hours, days off and time off" (a click on an open one would close it). */
async function openSchedule(id: string): Promise<Locator> {
	const row = staffRow(id);
	const details = row.locator("details.schedule");
	if ((await details.getAttribute("open")) === null) await details.locator("summary").click();
	return row;
}

/** Submits a data-api form whose success reloads the page, and waits for the new page. */
async function submitAndReload(button: Locator): Promise<void> {
	await Promise.all([page.waitForEvent("load"), button.click()]);
}

beforeAll(async () => {
	context = await visitor(browser());
	page = await context.newPage();
	await signInOwner(page, appUrl);
	await setup();
	originalSettings = (await adminApi<{ settings: Record<string, unknown> }>(page, "GET", "/settings")).body.settings;
	originalHours = (await adminApi<{ hours: Array<{ weekday: number; start: string; end: string }> }>(page, "GET", "/staff/stf_demo_chloe/hours")).body.hours;
});

afterAll(async () => {
	await setup();
	const { name, timezone, brandColor, tentativeBlocks, signIn } = originalSettings;
	await adminApi(page, "PATCH", "/settings", { name, timezone, brandColor, tentativeBlocks, signIn });
	await adminApi(page, "PUT", "/staff/stf_demo_chloe/hours", { hours: originalHours });
	await context.close();
});

describe("Setup", () => {
	const wednesday = next(3, 2);
	const overrideDay = next(3, 22);
	const timeOffDay = next(5, 22);

	it("gives Chloé's Wednesday a lunch break, which the public availability then skips", async () => {
		expect(await chloeSlots(wednesday)).toContain("14:20");
		await setup("#staff");
		const chloe = await openSchedule("stf_demo_chloe");
		const hours = chloe.locator('form[data-shape="hours"]');
		// A range that is not one: named on the form, nothing saved.
		await hours.getByLabel("Wednesday").fill("12:00 to 20:00");
		await hours.getByRole("button", { name: "Save hours" }).click();
		await expect.poll(() => hours.locator(".form-error").textContent()).toContain("is not a time range like 09:00-17:00");
		await hours.getByLabel("Wednesday").fill("12:00-14:00, 15:00-20:00");
		await hours.getByRole("button", { name: "Save hours" }).click();
		await expect.poll(() => page.locator("#admin-status").textContent()).toBe("Working hours saved.");
		await shot(page, "setup-01-hours-with-break");
		const slots = await chloeSlots(wednesday);
		expect(slots).toContain("13:40");
		expect(slots).toContain("15:00");
		expect(slots.filter((t) => t >= "14:00" && t < "15:00")).toEqual([]);
		// The page shows the pattern as saved.
		await setup("#staff");
		await expect(staffRow("stf_demo_chloe").getByLabel("Wednesday").inputValue()).resolves.toBe("12:00-14:00, 15:00-20:00");
	});

	it("adds a date override with other hours, which availability follows, and removes it again", async () => {
		const chloe = await openSchedule("stf_demo_chloe");
		const form = chloe.locator('form[data-shape="override"]');
		// No date: said on the date field, not a missing page.
		await form.getByLabel("Or these hours").fill("10:00-13:00");
		await form.getByRole("button", { name: "Add override" }).click();
		await expect.poll(() => form.locator(".form-error").textContent()).toBe("Date: Choose a date");
		await expect(form.getByLabel("Date").getAttribute("aria-invalid")).resolves.toBe("true");
		await form.getByLabel("Date").fill(overrideDay.toString());
		await submitAndReload(form.getByRole("button", { name: "Add override" }));
		const listed = staffRow("stf_demo_chloe").locator("li", { hasText: `${overrideDay}: 10:00-13:00` });
		await expect(listed.count()).resolves.toBe(1);
		await openSchedule("stf_demo_chloe");
		await shot(page, "setup-02-date-override");
		const slots = await chloeSlots(overrideDay);
		expect(slots[0]).toBe("10:00");
		expect(slots.every((t) => t < "13:00")).toBe(true);

		await openSchedule("stf_demo_chloe");
		await submitAndReload(listed.getByRole("button", { name: `Remove the override on ${overrideDay}` }));
		expect((await chloeSlots(overrideDay))[0]).toBe("12:00");
	});

	it("adds time off, which takes those hours out of availability", async () => {
		expect(await chloeSlots(timeOffDay)).toContain("12:00");
		const chloe = await openSchedule("stf_demo_chloe");
		const form = chloe.locator("form", { has: page.getByRole("button", { name: "Add time off" }) });
		await form.getByLabel("From").fill(`${timeOffDay}T12:00`);
		await form.getByLabel("Until").fill(`${timeOffDay}T16:00`);
		await form.getByLabel("Reason (optional)").fill("Dentist");
		await submitAndReload(form.getByRole("button", { name: "Add time off" }));
		await openSchedule("stf_demo_chloe");
		const listed = staffRow("stf_demo_chloe").locator("li", { hasText: "(Dentist)" });
		await expect(listed.textContent()).resolves.toMatch(/12:00.*16:00/s);
		await shot(page, "setup-03-time-off");
		const slots = await chloeSlots(timeOffDay);
		expect(slots[0]).toBe("16:00");
		await submitAndReload(listed.getByRole("button", { name: "Remove this time off" }));
		expect((await chloeSlots(timeOffDay))[0]).toBe("12:00");
	});

	it("adds a room", async () => {
		await setup("#rooms");
		const form = page.locator('form[data-api="/admin/api/resources"][data-method="POST"]');
		await form.getByLabel("New room name").fill("Treatment room 3");
		await submitAndReload(form.getByRole("button", { name: "Add room" }));
		await expect(page.locator("#rooms").locator('input[name="name"]').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value))).resolves.toContain("Treatment room 3");
		await shot(page, "setup-04-room");
		const rooms = await adminApi<{ resources: Array<{ name: string; type: string; active: boolean }> }>(page, "GET", "/resources");
		expect(rooms.body.resources).toContainEqual(expect.objectContaining({ name: "Treatment room 3", type: "room", active: true }));
		// Put back: deactivated after its confirmation.
		const row = page.locator("#rooms li", { has: page.locator('input[value="Treatment room 3"]') });
		page.once("dialog", (dialog) => void dialog.accept());
		await submitAndReload(row.getByRole("button", { name: "Deactivate" }));
	});

	it("changes the business settings, and the booking page, the sign-in page and the calendar follow", async () => {
		await setup("#business");
		const form = page.locator("#business form");
		// An unknown zone is named on its field.
		await form.getByLabel("Time zone").fill("Mars/Olympus");
		await form.getByRole("button", { name: "Save settings" }).click();
		await expect.poll(() => form.locator(".form-error").textContent()).toContain("Time zone");
		await form.getByLabel("Time zone").fill("Europe/Lisbon");
		await form.getByLabel("Branding colour").fill("#0f766e");
		await form.getByLabel("Tentative calendar events block booking time").uncheck();
		await form.getByLabel("Facebook").uncheck();
		await submitAndReload(form.getByRole("button", { name: "Save settings" }));
		await expect(page.locator("#business").getByLabel("Time zone").inputValue()).resolves.toBe("Europe/Lisbon");
		await expect(page.locator("#business").getByLabel("Tentative calendar events block booking time").isChecked()).resolves.toBe(false);
		await expect(page.locator("#business").getByLabel("Facebook").isChecked()).resolves.toBe(false);
		await expect(page.locator("#business").getByLabel("Google").isChecked()).resolves.toBe(true);
		await shot(page, "setup-05-business-settings");
		expect((await adminApi<{ settings: Record<string, unknown> }>(page, "GET", "/settings")).body.settings).toMatchObject({
			timezone: "Europe/Lisbon",
			brandColor: "#0f766e",
			tentativeBlocks: false,
			signIn: { google: true, facebook: false, password: true },
		});

		// The calendar now speaks in the new zone.
		await page.goto(`${appUrl}/admin/calendar`);
		await expect(page.locator(".legend").textContent()).resolves.toContain("Times in Europe/Lisbon");

		// The booking page takes the colour, in a visitor's own browser.
		const customerContext = await visitor(browser());
		const customer = await customerContext.newPage();
		await customer.goto(`${appUrl}/b/demo`);
		await customer.locator("button[data-service]").first().waitFor();
		await expect(customer.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--brand").trim())).resolves.toBe("#0f766e");
		await shot(customer, "setup-06-booking-page-brand");
		// Sign-in for this business offers Google and a password, no longer Facebook.
		await customer.goto(`${appUrl}/signin?merchant=demo`);
		await expect(customer.getByRole("link", { name: "Continue with Google" }).count()).resolves.toBe(1);
		await expect(customer.getByRole("link", { name: "Continue with Facebook" }).count()).resolves.toBe(0);
		await expect(customer.getByLabel("Email").count()).resolves.toBe(1);
		await shot(customer, "setup-07-signin-without-facebook");
		await customerContext.close();
	});

	it("adds a staff member, invites them by email, and shows that they joined", async () => {
		await setup("#staff");
		await page.getByText("Add a staff member").click();
		const form = page.locator("#staff form", { has: page.getByRole("button", { name: "Add staff member" }) });
		await form.getByLabel("Name").fill(DANA.name);
		await form.getByLabel("Email").fill(DANA.email);
		await submitAndReload(form.getByRole("button", { name: "Add staff member" }));
		const row = page.locator("#staff li", { hasText: DANA.name });
		await row.getByRole("button", { name: "Invite" }).click();
		await expect.poll(() => page.locator("#admin-status").textContent()).toBe(`Invitation sent to ${DANA.email}.`);
		await shot(page, "setup-08-invited");

		const mails = async (): Promise<Array<{ subject: string; text: string }>> =>
			((await (await fetch(`${mailboxUrl}/_control/mail?to=${encodeURIComponent(DANA.email)}`)).json()) as { messages: Array<{ subject: string; text: string }> }).messages;
		await expect.poll(async () => (await mails()).length, { timeout: 15_000 }).toBe(1);
		const link = /https?:\/\/\S+\/invitations\/accept\?token=[a-z0-9]+/.exec((await mails())[0]?.text ?? "")?.[0] ?? "";
		expect(link).not.toBe("");

		const danaContext = await visitor(browser());
		const dana = await danaContext.newPage();
		await dana.goto(link.replace(/^https?:\/\/[^/]+/, appUrl));
		await dana.getByLabel("Choose a password").fill(DANA.password);
		await dana.getByRole("button", { name: "Accept the invitation" }).click();
		await dana.waitForURL(/\/admin/);
		await dana.getByRole("heading", { name: "Dashboard" }).waitFor();
		await expect(dana.locator(".topbar .who").textContent()).resolves.toContain(`${DANA.email} (staff)`);
		await shot(dana, "setup-09-staff-joined");
		await danaContext.close();

		await setup("#staff");
		await expect(page.locator("#staff li", { hasText: DANA.name }).locator(".pill").textContent()).resolves.toBe("Has an account");
		// Put back: Dana leaves again (after the confirmation), so the other files see the demo's three.
		page.once("dialog", (dialog) => void dialog.accept());
		await submitAndReload(page.locator("#staff li", { hasText: DANA.name }).getByRole("button", { name: "Deactivate" }));
		await expect(page.locator("#staff li", { hasText: DANA.name }).textContent()).resolves.toContain("inactive");
	});
});
