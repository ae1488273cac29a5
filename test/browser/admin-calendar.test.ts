// The admin calendar with items that overlap: a booking of Ben's and two events of an ICS feed of his
// that cover it and each other. They are laid side by side (no box covers another), and axe-core finds no
// serious accessibility problem on the page, the booking buttons' spoken names included.
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { reloadUntil, signInOwner } from "./admin";
import { seriousViolations } from "./axe";
import { browserForFile, shot, visitor } from "./browser";

const appUrl = inject("appUrl");
const browser = browserForFile();
const MINUTE = 60_000;

let context: BrowserContext;
let page: Page;
let feed: Server;
let feedUrl = "";
let booking: { id: string; start: string; manageUrl: string };
let feedEvents: Array<{ uid: string; start: number; end: number }> = [];

function basic(instant: number): string {
	return new Date(instant).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

function feedIcs(): string {
	const events = feedEvents.flatMap((e) => ["BEGIN:VEVENT", `UID:${e.uid}`, `DTSTAMP:${basic(Date.now())}`, `DTSTART:${basic(e.start)}`, `DTEND:${basic(e.end)}`, "SUMMARY:Ben away", "END:VEVENT"]);
	return ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Slotline tests//Overlaps//EN", ...events, "END:VCALENDAR", ""].join("\r\n");
}

beforeAll(async () => {
	// Ben's first free haircut three weeks ahead, booked as a customer would: other files book the first
	// free times of the coming days, and their items on the same day would join the overlap.
	const from = new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10);
	const to = new Date(Date.now() + 35 * 86_400_000).toISOString().slice(0, 10);
	const res = await fetch(`${appUrl}/api/v1/m/demo/availability?serviceId=svc_demo_cut&staffId=stf_demo_ben&from=${from}&to=${to}&timezone=Europe/Amsterdam`);
	const slot = ((await res.json()) as { slots: Array<{ start: string }> }).slots[0];
	if (slot === undefined) throw new Error("Ben has no free haircut");
	const created = await fetch(`${appUrl}/api/v1/m/demo/bookings`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ serviceId: "svc_demo_cut", staffId: "stf_demo_ben", start: slot.start, timezone: "Europe/Amsterdam", customer: { name: "Olive Overlap", email: "olive@example.com" } }),
	});
	expect(created.status).toBe(201);
	booking = ((await created.json()) as { booking: typeof booking }).booking;
	// Two events of Ben's own calendar: one over the booking's second half, one inside both of them.
	const start = Date.parse(booking.start);
	feedEvents = [
		{ uid: "long@overlaps.test", start: start + 15 * MINUTE, end: start + 75 * MINUTE },
		{ uid: "short@overlaps.test", start: start + 30 * MINUTE, end: start + 60 * MINUTE },
	];
	feed = createServer((_req, res) => res.writeHead(200, { "content-type": "text/calendar; charset=utf-8" }).end(feedIcs()));
	await new Promise<void>((resolve) => feed.listen(0, "127.0.0.1", resolve));
	feedUrl = `http://localhost:${(feed.address() as AddressInfo).port}/ben.ics`;

	context = await visitor(browser());
	page = await context.newPage();
	await signInOwner(page, appUrl);
	await page.goto(`${appUrl}/admin/integrations`);
	const ben = page.locator('section[data-owner="stf_demo_ben"]');
	await ben.getByText("Add an ICS feed (read-only)").click();
	const form = ben.locator("form", { has: page.getByRole("button", { name: "Add feed" }) });
	await form.getByLabel("Feed URL").fill(feedUrl);
	await Promise.all([page.waitForEvent("load"), form.getByRole("button", { name: "Add feed" }).click()]);
});

afterAll(async () => {
	// Leave Ben's calendar as other files expect it: no feed blocking his time, no booking of ours.
	await page.goto(`${appUrl}/admin/integrations`);
	const card = page.locator('section[data-owner="stf_demo_ben"] article.connection', { has: page.getByRole("heading", { name: /^ICS feed/ }) });
	page.once("dialog", (dialog) => void dialog.accept());
	await Promise.all([page.waitForEvent("load"), card.getByRole("button", { name: "Disconnect" }).click()]);
	const token = new URL(booking.manageUrl).searchParams.get("token") ?? "";
	await fetch(`${appUrl}/api/v1/bookings/${booking.id}/cancel?token=${token}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ scope: "one" }) });
	await context.close();
	await new Promise<void>((resolve) => feed.close(() => resolve()));
});

interface Box {
	name: string;
	left: number;
	right: number;
	top: number;
	bottom: number;
}

/** The drawn boxes of every item in `lane`, named by their text. */
async function boxes(lane: Locator): Promise<{ lane: Box; items: Box[] }> {
	return lane.evaluate((element) => {
		const box = (el: Element, name: string): Box => {
			const r = el.getBoundingClientRect();
			return { name, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
		};
		return { lane: box(element, "lane"), items: Array.from(element.querySelectorAll(":scope > .item")).map((item) => box(item, item.textContent ?? "")) };
	});
}

/** Pairs of items whose boxes share any area. */
function collisions(items: Box[]): string[] {
	const found: string[] = [];
	items.forEach((a, i) => {
		for (const b of items.slice(i + 1)) {
			if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) found.push(`${a.name} / ${b.name}`);
		}
	});
	return found;
}

describe("admin calendar with overlapping items", () => {
	it("lays a booking and the busy times over it side by side, in the day and the week view", async () => {
		const date = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam" }).format(new Date(booking.start));
		for (const view of ["day", "week"]) {
			const url = `${appUrl}/admin/calendar?view=${view}&date=${date}`;
			const lane = page.locator('.lane[data-staff="stf_demo_ben"]', { has: page.locator(`[data-booking="${booking.id}"]`) });
			await reloadUntil(page, url, () => lane.locator(".busy.item").count()).toBe(2);
			await shot(page, `calendar-overlaps-${view}`);
			const drawn = await boxes(lane);
			// Nothing in the lane covers anything else; ours are the booking and what is drawn beside it (both feed
			// events start during it), whatever else other files left on that day.
			expect(collisions(drawn.items)).toEqual([]);
			const booked = drawn.items.find((item) => item.name.includes("Olive Overlap"));
			if (booked === undefined) throw new Error("our booking is not drawn");
			const ours = drawn.items.filter((item) => item.top < booked.bottom && booked.top < item.bottom);
			expect(ours).toHaveLength(3);
			// All three overlap at the booking's middle: three columns, each within the lane.
			expect(new Set(ours.map((item) => Math.round(item.left))).size).toBe(3);
			for (const item of drawn.items) {
				expect(item.left).toBeGreaterThanOrEqual(drawn.lane.left);
				expect(item.right).toBeLessThanOrEqual(drawn.lane.right);
			}
		}
	});

	it("has no serious accessibility violation, and a booking's spoken name starts with what it shows", async () => {
		const date = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam" }).format(new Date(booking.start));
		await page.goto(`${appUrl}/admin/calendar?date=${date}`);
		expect(await seriousViolations(page)).toEqual([]);
		const button = page.locator(`[data-booking="${booking.id}"]`);
		const shown = (await button.innerText()).split(/\s+/).join(" ").trim();
		expect(shown).toMatch(/^\d\d:\d\d–\d\d:\d\d Haircut Olive Overlap ⚠ Conflict$/);
		expect(await button.getAttribute("aria-label")).toBe(`${shown}, with Ben Okafor, conflicts with a calendar event`);
	});
});
