// Issue 18's browser test: a customer books a service on Google Meet (a real provider: the staff member's
// sandbox Google calendar, connected through its consent page, makes the meeting with the event) and finds
// the link: on the confirmation screen once the meeting exists (asked of the booking's manage-token route,
// never the public API), in the email from the sandbox mailbox and on the manage page; the owner sees it in
// the booking's dialog, and both screens stay accessible.
// Everything made here is cancelled, deleted or deactivated afterwards.
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { adminApi, connectThroughConsent, reloadUntil, sandboxControl, signInOwner } from "./admin";
import { seriousViolations } from "./axe";
import { browserForFile, shot, visitor } from "./browser";
import { fillDetails, pickSlot } from "./flow";

const appUrl = inject("appUrl");
const mailboxUrl = inject("mailboxUrl");
const browser = browserForFile();

const MEET_LINK = /https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}/;
const VERA_GOOGLE = `vera.video.${Date.now()}@gmail.test`;
const CUSTOMER = `video.customer.${Date.now()}@example.com`;

let context: BrowserContext;
let page: Page;
let staffId = "";
let serviceId = "";
let manageUrl = "";

interface Mail {
	subject: string;
	text: string;
	html?: string;
}

async function mailsTo(to: string): Promise<Mail[]> {
	const res = await fetch(`${mailboxUrl}/_control/mail?to=${encodeURIComponent(to)}`);
	return ((await res.json()) as { messages: Mail[] }).messages;
}

beforeAll(async () => {
	context = await visitor(browser());
	page = await context.newPage();
	await signInOwner(page, appUrl);
	// A staff member of this file's own, so no other browser file's calendars are in the way.
	const created = await adminApi<{ staff: { id: string } }>(page, "POST", "/staff", { name: "Vera Video", email: `vera.${Date.now()}@demo.test`, timezone: "Europe/Amsterdam", color: "#2a9d8f" });
	expect(created.status).toBe(201);
	staffId = created.body.staff.id;
	const hours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: "08:00", end: "20:00" }));
	expect((await adminApi(page, "PUT", `/staff/${staffId}/hours`, { hours })).status).toBe(200);
});

afterAll(async () => {
	if (manageUrl !== "") {
		const url = new URL(manageUrl);
		await fetch(`${appUrl}/api/v1/bookings/${url.pathname.split("/").at(-1)}/cancel${url.search}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
	}
	await page.goto(`${appUrl}/admin/setup?at=${Date.now()}`);
	if (serviceId !== "") await adminApi(page, "DELETE", `/services/${serviceId}`, {});
	if (staffId !== "") await adminApi(page, "PATCH", `/staff/${staffId}`, { active: false });
	await context.close();
});

describe("a booking of a service on Google Meet", () => {
	it("is possible once the staff member's Google calendar is connected", async () => {
		await page.goto(`${appUrl}/admin/integrations`);
		const vera = page.locator(`section[data-owner="${staffId}"]`);
		await connectThroughConsent(page, vera.getByRole("link", { name: "Connect Google" }), { email: VERA_GOOGLE, name: "Vera Video" });
		await expect(vera.locator("article.connection .status-text").textContent()).resolves.toBe("Active");

		const service = await adminApi<{ service: { id: string } }>(page, "POST", "/services", { name: "Meet check-in", durationMinutes: 30, color: "#264653", staffIds: [staffId], place: { kind: "google_meet" } });
		expect(service.status).toBe(201);
		serviceId = service.body.service.id;
	});

	it("finds the link on the confirmation screen, in the email and on the manage page", { timeout: 120_000 }, async () => {
		const customerContext = await visitor(browser());
		const customer = await customerContext.newPage();
		await customer.goto(`${appUrl}/b/demo`);
		await expect(customer.locator(`button[data-service="${serviceId}"]`).textContent()).resolves.toContain("Online (Google Meet)");
		// Vera alone offers it: the widget goes straight to the times.
		await customer.locator(`button[data-service="${serviceId}"]`).click();
		await pickSlot(customer);
		await fillDetails(customer, { name: "Vic Video", email: CUSTOMER });
		const created = customer.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/api/v1/m/demo/bookings"));
		await customer.locator("#slotline-confirm").click();
		await customer.getByRole("heading", { name: "You're booked!" }).waitFor();
		// The public answer never holds the link; the screen asks the booking's own route until it exists.
		expect(await (await created).text()).not.toMatch(MEET_LINK);
		manageUrl = (await customer.locator("#slotline-manage").getAttribute("href")) ?? "";
		expect(manageUrl).toContain("/manage/");
		const onScreen = customer.locator("#slotline-join");
		await onScreen.waitFor({ timeout: 60_000 });
		await expect(onScreen.textContent()).resolves.toBe("Join the video meeting");
		await expect(onScreen.getAttribute("target")).resolves.toBe("_blank");
		await expect(onScreen.getAttribute("rel")).resolves.toContain("noopener");
		await expect(customer.locator('p.status[role="status"]').textContent()).resolves.toBe("Your video meeting link is ready.");
		expect(await seriousViolations(customer)).toEqual([]);
		await shot(customer, "meeting-01-confirmed");

		// Google makes the meeting with Vera's event (pending first, then success): the link comes by email,
		// in the confirmation if it was there in time, else in the follow-up.
		await expect.poll(async () => (await mailsTo(CUSTOMER)).some((m) => MEET_LINK.test(m.text)), { timeout: 40_000, interval: 500 }).toBe(true);
		const mails = await mailsTo(CUSTOMER);
		const carrying = mails.filter((m) => MEET_LINK.test(m.text));
		const link = MEET_LINK.exec(carrying[0]?.text ?? "")?.[0] ?? "";
		expect(carrying[0]?.html).toContain(`href="${link}"`);
		await expect(onScreen.getAttribute("href")).resolves.toBe(link);
		// One email per link: the follow-up only when the confirmation went without it.
		const followUps = mails.filter((m) => m.subject.startsWith("Your video link for Meet check-in"));
		const confirmation = mails.find((m) => m.subject.startsWith("Booking confirmed: Meet check-in"));
		expect(followUps).toHaveLength(confirmation !== undefined && MEET_LINK.test(confirmation.text) ? 0 : 1);

		await reloadUntil(customer, manageUrl, () => customer.locator("#slotline-join").getAttribute("href")).toBe(link);
		await expect(customer.locator("#slotline-place").textContent()).resolves.toBe("Online (Google Meet)");
		await shot(customer, "meeting-02-manage");
		await customerContext.close();

		// The owner sees it in the booking's dialog on the calendar, and the page stays accessible.
		const bookingId = new URL(manageUrl).pathname.split("/").at(-1) ?? "";
		const booking = await adminApi<{ booking: { localStart: string; meeting: { joinUrl: string | null } | null } }>(page, "GET", `/bookings/${bookingId}`);
		expect(booking.body.booking.meeting?.joinUrl).toBe(link);
		await page.goto(`${appUrl}/admin/calendar?date=${booking.body.booking.localStart.slice(0, 10)}&booking=${bookingId}`);
		const join = page.locator("#booking-join");
		await join.waitFor();
		await expect(join.getAttribute("href")).resolves.toBe(link);
		expect(await seriousViolations(page)).toEqual([]);
		await shot(page, "meeting-03-admin");
	});

	it("shows the owner why a link could not be made, with a Retry that is queued, and stays accessible", async () => {
		// Vera's calendar stops allowing Meet (a Workspace admin's setting): her next booking's meeting is refused.
		await sandboxControl(mailboxUrl, `/google/calendars/${encodeURIComponent(VERA_GOOGLE)}/conferencing`, { allowedConferenceSolutionTypes: [] });
		const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
		const slots = (await (await fetch(`${appUrl}/api/v1/m/demo/availability?serviceId=${serviceId}&staffId=${staffId}&from=${day}&to=${day}&timezone=Europe/Amsterdam`)).json()) as { slots: Array<{ start: string }> };
		const made = await fetch(`${appUrl}/api/v1/m/demo/bookings`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ serviceId, staffId, start: slots.slots[0]?.start, timezone: "Europe/Amsterdam", customer: { name: "Rae Refused", email: `refused.${Date.now()}@example.com` } }),
		});
		expect(made.status).toBe(201);
		const refused = ((await made.json()) as { booking: { id: string; localStart: string; manageUrl: string } }).booking;
		await expect
			.poll(async () => (await adminApi<{ booking: { meeting: { state: string } | null } }>(page, "GET", `/bookings/${refused.id}`)).body.booking.meeting?.state, { timeout: 30_000, interval: 500 })
			.toBe("failed");

		await page.goto(`${appUrl}/admin/calendar?date=${refused.localStart.slice(0, 10)}&booking=${refused.id}`);
		await expect(page.locator("#booking-meeting-error").textContent()).resolves.toMatch(/Google Meet is not allowed on this Google calendar/);
		expect(await seriousViolations(page)).toEqual([]);
		await page.locator("#booking-meeting-retry").click();
		await expect.poll(() => page.locator("#booking-meeting-retry-status").textContent()).toContain("Retrying the meeting");
		await shot(page, "meeting-04-retry");
		await fetch(`${appUrl}/api/v1/bookings/${refused.id}/cancel?token=${new URL(refused.manageUrl).searchParams.get("token")}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
	});
});
