// The manage link from a confirmation: cancel the booking, or move it to another free time.
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { browserForFile, shot, timeIn, visitor } from "./browser";

const appUrl = inject("appUrl");
const browser = browserForFile();

interface Booked {
	id: string;
	start: string;
	manageUrl: string;
}

/** Books the `index`-th free massage with Chloé through the public API, as the widget would. */
async function bookMassage(index: number, email: string): Promise<Booked> {
	const from = new Date(Date.now() + 86400_000).toISOString().slice(0, 10);
	const to = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
	const res = await fetch(`${appUrl}/api/v1/m/demo/availability?serviceId=svc_demo_massage&staffId=stf_demo_chloe&from=${from}&to=${to}&timezone=Europe/Amsterdam`);
	const { slots } = (await res.json()) as { slots: Array<{ start: string }> };
	const slot = slots[index];
	if (slot === undefined) throw new Error("no free massage slot");
	const created = await fetch(`${appUrl}/api/v1/m/demo/bookings`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ serviceId: "svc_demo_massage", staffId: "stf_demo_chloe", start: slot.start, timezone: "Europe/Amsterdam", customer: { name: "Manage Me", email } }),
	});
	expect(created.status).toBe(201);
	return ((await created.json()) as { booking: Booked }).booking;
}

async function statusOf(booking: Booked): Promise<{ status: string; start: string }> {
	const token = new URL(booking.manageUrl).searchParams.get("token") ?? "";
	const res = await fetch(`${appUrl}/api/v1/bookings/${booking.id}?token=${token}`);
	return ((await res.json()) as { booking: { status: string; start: string } }).booking;
}

describe("manage page", () => {
	it("cancels the booking through the manage link", async () => {
		const booking = await bookMassage(0, "cancel.me@example.com");
		const context = await visitor(browser());
		const page = await context.newPage();
		// The link points at APP_URL, which is this server.
		await page.goto(booking.manageUrl);
		await expect(page.locator("#slotline-status").textContent()).resolves.toBe("Confirmed");
		const addToCalendar = page.getByRole("link", { name: /^Add to/ });
		expect(await addToCalendar.count()).toBe(2);
		await shot(page, "manage-01-booking");
		await page.getByRole("button", { name: "Cancel booking" }).click();
		await shot(page, "manage-02-cancel-question");
		await page.getByRole("button", { name: "Yes, cancel it" }).click();
		await expect.poll(() => page.locator("#slotline-status").textContent()).toBe("Cancelled");
		await expect(page.getByRole("status").textContent()).resolves.toBe("Your booking is cancelled.");
		// Nothing left to add to a calendar, without a reload.
		expect(await addToCalendar.count()).toBe(0);
		await shot(page, "manage-03-cancelled");
		expect((await statusOf(booking)).status).toBe("cancelled");
		await context.close();
	});

	it("moves the booking to another free time", async () => {
		const booking = await bookMassage(1, "move.me@example.com");
		const context = await visitor(browser());
		const page = await context.newPage();
		await page.goto(booking.manageUrl);
		await page.getByRole("button", { name: "Reschedule" }).click();
		await page.locator("button.day:not([disabled])").nth(1).click();
		const slot = page.locator("button.slot").first();
		const start = (await slot.getAttribute("data-start")) ?? "";
		await shot(page, "manage-04-reschedule");
		await slot.click();
		await expect.poll(() => page.getByRole("status").textContent()).toContain("Your booking is moved to");
		await expect(page.locator("#slotline-when").textContent()).resolves.toContain(timeIn(start, "Europe/Amsterdam"));
		// The Google Calendar link adds the new time, not the old one.
		const google = (await page.getByRole("link", { name: "Add to Google Calendar" }).getAttribute("href")) ?? "";
		expect(new URL(google).searchParams.get("dates")?.split("/")[0]).toBe(start.replace(/[-:]/g, "").replace(/\.\d{3}/, ""));
		await shot(page, "manage-05-moved");
		expect((await statusOf(booking)).start).toBe(start.replace(".000Z", "Z"));
		await context.close();
	});

	it("shows nothing for a wrong token", async () => {
		const booking = await bookMassage(2, "wrong.token@example.com");
		const context = await visitor(browser());
		const page = await context.newPage();
		const res = await page.goto(`${appUrl}/manage/${booking.id}?token=wrong`);
		expect(res?.status()).toBe(404);
		expect(await page.content()).not.toContain("Massage");
		await context.close();
	});
});
