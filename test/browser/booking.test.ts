// The hosted booking page in a real browser: a keyboard-only booking, what another customer's browser
// receives afterwards, switching the time zone on a phone, and losing a slot to someone else.
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { browserForFile, shot, timeIn, visitor } from "./browser";
import { chooseService, fillDetails, pickSlot, tabTo } from "./flow";

const appUrl = inject("appUrl");
const browser = browserForFile();

describe("hosted booking page", () => {
	it("books a slot end to end with the keyboard alone, and another customer sees nothing of it", async () => {
		const context = await visitor(browser());
		const page = await context.newPage();
		await page.goto(`${appUrl}/b/demo`);
		await shot(page, "book-01-services");

		await tabTo(page, 'button[data-service="svc_demo_cut"]');
		await page.keyboard.press("Enter");
		await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Choose who you would like");
		await shot(page, "book-02-staff");
		await tabTo(page, 'button[data-staff="anyone"]');
		await page.keyboard.press("Enter");

		// The time zone is detected from the browser; days load while a live region says so.
		await expect.poll(() => page.locator("#slotline-tz").inputValue()).toBe("Europe/Amsterdam");
		await expect.poll(() => page.locator('[role="status"]').textContent()).toMatch(/days with free times/);
		await shot(page, "book-03-dates");
		await tabTo(page, "button.day:not([disabled])");
		await page.keyboard.press("Enter");
		// Choosing a day moves focus to its first time.
		await expect.poll(() => page.evaluate(() => document.activeElement?.classList.contains("slot"))).toBe(true);
		const start = (await page.evaluate(() => document.activeElement?.getAttribute("data-start"))) ?? "";
		await shot(page, "book-04-times");
		await page.keyboard.press("Enter");

		await expect(page.getByRole("link", { name: "Continue with Google" }).getAttribute("href")).resolves.toBe("/auth/google?returnTo=%2Fb%2Fdemo");
		await expect(page.getByRole("link", { name: "Continue with Facebook" }).count()).resolves.toBe(1);
		await tabTo(page, "#slotline-name");
		await page.keyboard.type("Alice Anders");
		await page.keyboard.press("Tab");
		await page.keyboard.type("alice.anders@example.com");
		await page.keyboard.press("Tab");
		await page.keyboard.type("+31 6 1111 2222");
		await page.keyboard.press("Tab");
		await page.keyboard.type("Alice's private note");
		await shot(page, "book-05-details");
		await tabTo(page, 'button[type="submit"]');
		await page.keyboard.press("Enter");

		await expect(page.locator(".summary").first().textContent()).resolves.toContain(timeIn(start, "Europe/Amsterdam"));
		await shot(page, "book-06-confirm");
		await tabTo(page, "#slotline-confirm");
		await page.keyboard.press("Enter");

		await page.getByRole("heading", { name: "You're booked!" }).waitFor();
		await shot(page, "book-07-done");
		const manage = (await page.locator("#slotline-manage").getAttribute("href")) ?? "";
		expect(manage).toMatch(/\/manage\/bkg_[^?]+\?token=/);
		const ics = (await page.getByRole("link", { name: "Add to calendar (.ics)" }).getAttribute("href")) ?? "";
		const icsRes = await fetch(`${appUrl}${ics}`);
		expect(icsRes.status).toBe(200);
		expect(await icsRes.text()).toContain(`DTSTART:${start.replace(/[-:]/g, "").replace(/\.\d{3}/, "")}`);
		const google = (await page.getByRole("link", { name: "Add to Google Calendar" }).getAttribute("href")) ?? "";
		expect(new URL(google).searchParams.get("action")).toBe("TEMPLATE");
		await context.close();

		// Who A got, from A's own manage link (B's flow below must not reveal it).
		const token = new URL(manage, appUrl).searchParams.get("token") ?? "";
		const bookingId = /\/manage\/([^?]+)/.exec(manage)?.[1] ?? "missing";
		const mine = ((await (await fetch(`${appUrl}/api/v1/bookings/${bookingId}?token=${token}`)).json()) as { booking: { staffId: string; localStart: string } }).booking;

		// Customer B walks the same flow with the same staff member in another browser: no response and no
		// DOM carries A's booking, and A's time is simply not offered.
		const other = await visitor(browser());
		const pageB = await other.newPage();
		const bodies: Array<Promise<string>> = [];
		pageB.on("response", (res) => {
			if (res.url().startsWith(appUrl)) bodies.push(res.text().catch(() => ""));
		});
		await pageB.goto(`${appUrl}/b/demo`);
		await chooseService(pageB, "svc_demo_cut", mine.staffId);
		await pageB.locator(`button.day[data-date="${mine.localStart.slice(0, 10)}"]`).click();
		await pageB.locator("button.slot").first().waitFor();
		await shot(pageB, "book-08-other-customer");
		const seen = [...(await Promise.all(bodies)), await pageB.content()].join("\n");
		for (const secret of ["Alice", "alice.anders", "1111 2222", "private note", bookingId, token]) expect(seen).not.toContain(secret);
		const offered = await pageB.locator("button.slot").evaluateAll((buttons) => buttons.map((b) => b.getAttribute("data-start")));
		expect(offered.length).toBeGreaterThan(0);
		expect(offered).not.toContain(start);
		await other.close();
	});

	it("shows the chosen day's times in another zone when the customer switches it, on a phone", async () => {
		const context = await visitor(browser(), { phone: true });
		const page = await context.newPage();
		await page.goto(`${appUrl}/b/demo`);
		await chooseService(page, "svc_demo_consult", "stf_demo_ben");
		const day = page.locator("button.day:not([disabled])").first();
		const date = (await day.getAttribute("data-date")) ?? "";
		await day.click();
		const first = page.locator("button.slot").first();
		const start = (await first.getAttribute("data-start")) ?? "";
		expect(await first.textContent()).toBe(timeIn(start, "Europe/Amsterdam"));
		await shot(page, "tz-01-amsterdam-phone");

		// The chosen day stays chosen, and its times come back in the new zone.
		await page.locator("#slotline-tz").selectOption("America/New_York");
		await expect.poll(() => page.locator('[role="status"]').textContent()).toMatch(/times available on/);
		await expect(page.locator('button.day[aria-pressed="true"]').getAttribute("data-date")).resolves.toBe(date);
		const nyFirst = page.locator("button.slot").first();
		const nyStart = (await nyFirst.getAttribute("data-start")) ?? "";
		expect(nyStart).toBe(start);
		expect(await nyFirst.textContent()).toBe(timeIn(start, "America/New_York"));
		expect(timeIn(start, "America/New_York")).not.toBe(timeIn(start, "Europe/Amsterdam"));
		// Nothing overflows the phone's width.
		expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
		await shot(page, "tz-02-new-york-phone");

		await nyFirst.click();
		// What the time step announced ("12 times available on…") is gone from the steps after it.
		await page.getByRole("heading", { name: "Your details" }).waitFor();
		await expect(page.getByRole("status").textContent()).resolves.toBe("");
		await fillDetails(page, { name: "Tz Tester", email: "tz@example.com" });
		await expect(page.locator(".summary").first().textContent()).resolves.toContain("America/New York");
		await expect(page.getByRole("status").textContent()).resolves.toBe("");
		await shot(page, "tz-03-confirm-phone");
		await context.close();
	});

	it("offers the alternatives when someone else takes the slot first, and books the one picked", async () => {
		const context = await visitor(browser());
		const page = await context.newPage();
		await page.goto(`${appUrl}/b/demo`);
		await chooseService(page, "svc_demo_colour", "stf_demo_ana");
		const start = await pickSlot(page);
		await fillDetails(page, { name: "Slow Sam", email: "slow.sam@example.com" });
		await page.locator("#slotline-confirm").waitFor();

		// Meanwhile another customer books exactly that slot.
		const rival = await fetch(`${appUrl}/api/v1/m/demo/bookings`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ serviceId: "svc_demo_colour", staffId: "stf_demo_ana", start, timezone: "Europe/Amsterdam", customer: { name: "Quick Quinn", email: "quinn@example.com" } }),
		});
		expect(rival.status).toBe(201);

		await page.locator("#slotline-confirm").click();
		const alert = page.getByRole("alert");
		await expect(alert.textContent()).resolves.toContain("Sorry, someone just booked that time.");
		const alternatives = page.locator("button.alternative");
		expect(await alternatives.count()).toBeGreaterThan(0);
		await shot(page, "race-01-alternatives");
		expect(await page.content()).not.toContain("Quick Quinn");

		const chosen = (await alternatives.first().getAttribute("data-start")) ?? "";
		expect(chosen).not.toBe(start);
		await alternatives.first().click();
		await expect(page.locator(".summary").first().textContent()).resolves.toContain(timeIn(chosen, "Europe/Amsterdam"));
		await page.locator("#slotline-confirm").click();
		await page.getByRole("heading", { name: "You're booked!" }).waitFor();
		await shot(page, "race-02-booked-alternative");
		await context.close();
	});

	it("lists the alternatives to a taken time in time order, and no longer offers to confirm the taken one", async () => {
		const context = await visitor(browser());
		const page = await context.newPage();
		await page.goto(`${appUrl}/b/demo`);
		await chooseService(page, "svc_demo_consult", "stf_demo_ben");
		await page.locator("button.day:not([disabled])").nth(1).click();
		const starts = await page.locator("button.slot").evaluateAll((buttons) => buttons.map((b) => Date.parse(b.getAttribute("data-start") ?? "")));
		// A time with free ones 20 and 40 minutes before it and 20 after (consultations are 20 minutes, no
		// buffers): the nearest free times then lie on both sides of it.
		const step = 20 * 60_000;
		const taken = starts.find((t) => starts.includes(t - step) && starts.includes(t - 2 * step) && starts.includes(t + step));
		if (taken === undefined) throw new Error("no run of four free consultations with Ben");
		await page.locator("button.slot").nth(starts.indexOf(taken)).click();
		await fillDetails(page, { name: "Patient Pat", email: "patient.pat@example.com" });
		await page.locator("#slotline-confirm").waitFor();

		const rival = await fetch(`${appUrl}/api/v1/m/demo/bookings`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ serviceId: "svc_demo_consult", staffId: "stf_demo_ben", start: new Date(taken).toISOString(), timezone: "Europe/Amsterdam", customer: { name: "Rapid Rae", email: "rae@example.com" } }),
		});
		expect(rival.status).toBe(201);

		await page.locator("#slotline-confirm").click();
		await page.getByRole("alert").waitFor();
		await shot(page, "race-03-alternatives-in-order");
		const offered = await page.locator("button.alternative").evaluateAll((buttons) => buttons.map((b) => Date.parse(b.getAttribute("data-start") ?? "")));
		expect(offered.some((t) => t < taken) && offered.some((t) => t > taken)).toBe(true);
		expect(offered).toEqual([...offered].sort((a, b) => a - b));
		// The taken time cannot be confirmed again; the alternatives and "See all times" remain.
		expect(await page.locator("#slotline-confirm").isDisabled()).toBe(true);
		await context.close();
	});
});
