// The merchant admin pages, server-side: the sign-in gate, roles, what each page renders from the
// database (bookings, busy time, connections needing attention) and what it must never render.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { createSession } from "../../src/auth/session";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { bookings, busyBlocks, calendarConnections, connectionCalendars, connectionLog, staff, users } from "../../src/db/schema";
import { syncContextFor } from "../../src/sync/context";
import { forgetDeadJobs, recordDeadJob } from "../../src/sync/dead-letters";
import { safeReturnPath } from "../../src/web/pages/admin/guard";
import { db } from "../auth/harness";
import { importSchedule } from "../support/schedule";
import { adminWorld } from "./support";
import type { AdminWorld } from "./support";

let world: AdminWorld;

beforeEach(async () => {
	world = await adminWorld();
});

function page(path: string, as: "owner" | "staff" | "none" = "owner"): Promise<Response> {
	const browser = as === "owner" ? world.owner : as === "staff" ? world.staffMember : world.h.browser();
	return world.h.request(path, { browser });
}

/** A Google connection of Ana's with one calendar, in the given state. */
async function anasGoogle(status: "active" | "error"): Promise<void> {
	const now = Date.now();
	await db().batch([
		db()
			.insert(calendarConnections)
			.values({
				id: "con_ana_google",
				merchantId: DEMO_MERCHANT_ID,
				staffId: "stf_demo_ana",
				provider: "google",
				accountLabel: "ana@gmail.test",
				status,
				errorKind: status === "error" ? "reauthorize" : null,
				statusMessage: status === "error" ? "Slotline lost access to ana@gmail.test. Reconnect this calendar to resume syncing." : null,
				credentials: "SEALED-CREDENTIALS-MUST-NOT-SHOW",
				lastSyncedAt: now - 2 * 60_000,
				updatedAt: now,
			}),
		db().insert(connectionCalendars).values({ id: "cal_ana_primary", connectionId: "con_ana_google", externalId: "ana@gmail.test", name: "Ana's calendar", writable: true, isWriteTarget: true, checkConflicts: true }),
		db().insert(connectionLog).values({ connectionId: "con_ana_google", at: now - 60_000, operation: "calendar.push", outcome: "error", message: "invalid_grant" }),
	]);
}

describe("admin pages: the sign-in gate", () => {
	it("sends a signed-out visitor to the sign-in page and back to where they were going", async () => {
		for (const path of ["/admin", "/admin/calendar?view=week", "/admin/setup", "/admin/integrations"]) {
			const res = await page(path, "none");
			expect(res.status).toBe(303);
			expect(res.headers.get("location")).toBe(`/admin/signin?next=${encodeURIComponent(path)}`);
		}
		const signin = await page("/admin/signin?next=%2Fadmin%2Fcalendar", "none");
		expect(signin.status).toBe(200);
		const html = await signin.text();
		expect(html).toContain('<label for="signin-password">Password</label>');
		expect(html).toContain('"next":"/admin/calendar"');
		expect(signin.headers.get("cache-control")).toBe("private, no-store");
	});

	it("only ever returns to an admin page of ours after sign-in", () => {
		expect(safeReturnPath("/admin/calendar?view=week", env.APP_URL)).toBe("/admin/calendar?view=week");
		for (const bad of [undefined, "https://evil.test/admin", "//evil.test/admin", "/administrator", "/admin\\..\\x", "/admin/signin?next=/admin", "/b/demo", "/\t/evil.test/admin", "/admin/../\t/evil.test"]) {
			expect(safeReturnPath(bad, env.APP_URL)).toBe("/admin");
		}
	});

	it("refuses a signed-in person who belongs to no business, and shows an owner only their own", async () => {
		await db().insert(users).values({ id: "usr_nobody", email: "nobody@example.test" });
		const { token } = await createSession(db(), "usr_nobody", Date.now());
		const nobody = await world.h.request("/admin", { browser: { ...world.h.browser(), cookie: token } });
		expect(nobody.status).toBe(403);
		expect(await nobody.text()).not.toContain("Demo");
		const rival = await world.h.request("/admin", { browser: world.rival });
		// The rival owner belongs to the rival merchant: their own dashboard, never the demo one.
		expect(rival.status).toBe(200);
		const html = await rival.text();
		expect(html).toContain("Rival Salon");
		expect(html).not.toContain("Demo");
	});
});

describe("admin pages: roles", () => {
	it("shows Setup to the owner only", async () => {
		const owner = await page("/admin/setup");
		expect(owner.status).toBe(200);
		const html = await owner.text();
		expect(html).toContain("Create service");
		expect(html).toContain('data-api="/admin/api/staff/stf_demo_ben/invite"');
		const staff = await page("/admin/setup", "staff");
		expect(staff.status).toBe(403);
		expect(await staff.text()).not.toContain("Create service");
		expect(await (await page("/admin", "staff")).text()).not.toContain('href="/admin/setup"');
	});

	it("offers time zones in Setup by their current names, and each staff member's other calendar addresses", async () => {
		await db().update(staff).set({ calendarAddresses: ["ana.private@example.test", "ana@work.example"] }).where(eq(staff.id, "stf_demo_ana"));
		const html = await (await page("/admin/setup")).text();
		const zones = [...html.matchAll(/<option value="([^"]+)"><\/option>/g)].map((m) => m[1]);
		expect(zones).toContain("Asia/Kolkata");
		expect(zones).toContain("Europe/Kyiv");
		expect(zones).not.toContain("Asia/Calcutta");
		expect(zones).not.toContain("Europe/Kiev");
		expect(zones).toEqual([...new Set(zones)].sort());
		expect(html).toContain('name="calendarAddresses" type="text" data-type="addresses" value="ana.private@example.test, ana@work.example"');
	});

	it("shows staff only their own connections on Integrations", async () => {
		await anasGoogle("active");
		await db()
			.insert(calendarConnections)
			.values({ id: "con_ben_ms", merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ben", provider: "microsoft", accountLabel: "ben@outlook.test", status: "active", updatedAt: Date.now() });
		const ana = await (await page("/admin/integrations", "staff")).text();
		expect(ana).toContain("ana@gmail.test");
		expect(ana).not.toContain("ben@outlook.test");
		const owner = await (await page("/admin/integrations")).text();
		expect(owner).toContain("ben@outlook.test");
		expect(owner).toContain("The business");
	});
});

describe("admin pages: content", () => {
	it("flags a connection in Error on the dashboard and shows its status, message and log on Integrations, never its credentials", async () => {
		await anasGoogle("error");
		const dashboard = await (await page("/admin")).text();
		expect(dashboard).toContain("Google calendar of Ana needs re-authorization");
		const res = await page("/admin/integrations");
		const html = await res.text();
		expect(html).toContain('class="status status-error"');
		expect(html).toContain("Slotline lost access to ana@gmail.test");
		expect(html).toContain("2 minutes ago");
		expect(html).toContain("invalid_grant");
		expect(html).toContain('href="/admin/api/connect/google?staffId=stf_demo_ana&amp;loginHint=ana%40gmail.test"');
		expect(html).toContain("App-Specific Passwords");
		expect(html).not.toContain("SEALED-CREDENTIALS");
		expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
		expect(res.headers.get("x-frame-options")).toBe("DENY");
	});

	it("tells owners, not staff, about booking updates that ran out of retries, until a later try gets them through", async () => {
		const context = syncContextFor(env, db());
		const email = { type: "booking.notify", merchantId: DEMO_MERCHANT_ID, bookingId: "bkg_x", version: 2, change: "rescheduled" } as const;
		const fanOut = { type: "booking.changed", merchantId: DEMO_MERCHANT_ID, bookingId: "bkg_y", version: 1, change: "created" } as const;
		await recordDeadJob(context, email);
		await recordDeadJob(context, fanOut);
		// A duplicate of the same dead message is the same update.
		await recordDeadJob(context, email);
		const banner = "1 customer email and 1 booking change (its email and calendar writes) could not be sent yet.";
		expect(await (await page("/admin")).text()).toContain(banner);
		expect(await (await page("/admin", "staff")).text()).not.toContain("could not be sent yet");
		// The later try is the cron's requeue of each (requeued: true), which succeeds.
		await forgetDeadJobs(db(), [{ ...email, requeued: true }, { ...fanOut, requeued: true }]);
		expect(await (await page("/admin")).text()).not.toContain("could not be sent yet");
	});

	it("renders bookings in their service colour and external busy time as hatched Busy naming only the provider", async () => {
		await anasGoogle("active");
		const date = "2030-03-05";
		const start = Date.parse("2030-03-05T09:00:00Z"); // 10:00 in Amsterdam
		await db().batch([
			db()
				.insert(bookings)
				.values({
					id: "bkg_page_test",
					merchantId: DEMO_MERCHANT_ID,
					serviceId: "svc_demo_cut",
					staffId: "stf_demo_ana",
					startsAt: start,
					endsAt: start + 45 * 60_000,
					blockStart: start,
					blockEnd: start + 60 * 60_000,
					timezone: "Europe/Amsterdam",
					status: "confirmed",
					walkIn: true,
					updatedAt: start,
				}),
			db()
				.insert(busyBlocks)
				.values({ id: "busy_page_test", merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana", calendarId: "cal_ana_primary", externalEventId: "evt1", startsAt: start + 30 * 60_000, endsAt: start + 90 * 60_000 }),
		]);
		// Into the merchant's object, where the calendar reads bookings and busy time.
		await importSchedule();
		const html = await (await page(`/admin/calendar?date=${date}`)).text();
		expect(html).toMatch(/class="booking item conflict" data-booking="bkg_page_test" data-top="600" data-height="45" data-color="#f97316"/);
		expect(html).toContain("Busy · Google");
		// The overlapping block is flagged too: the booking stays, and both show the conflict.
		expect(html).toMatch(/class="busy item conflict" data-top="630" data-height="60" data-provider="google" aria-label="Busy · Google, 10:30 to 11:30, conflicts with a booking"/);
		expect(html).toContain('aria-label="New booking at 10:00 with Ana Jansen"');
		const week = await (await page(`/admin/calendar?view=week&date=${date}`)).text();
		// The week of Tuesday 5 March starts on Monday 4 March.
		expect(week).toContain("Week of Mon 4 Mar");
		expect(week.match(/class="cal-day"/g)?.length).toBe(7);
	});

	it("turns a wall-clock time in the merchant's zone into an instant, DST included", async () => {
		const summer = await page("/admin/instant?local=2030-07-01T10:00");
		expect(await summer.json()).toEqual({ instant: "2030-07-01T08:00:00Z", timezone: "Europe/Amsterdam" });
		const gap = await page("/admin/instant?local=2030-03-31T02:30");
		expect(((await gap.json()) as { instant: string }).instant).toBe("2030-03-31T01:30:00Z");
		expect((await page("/admin/instant?local=2030-02-30T10:00")).status).toBe(400);
	});
});
