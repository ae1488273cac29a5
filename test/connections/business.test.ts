// The calendar for the whole business, and staff members with several calendars: one business
// connection at most (a second account is refused with 409), every booking goes to it, its events block
// every staff member in availability, in booking and in the admin's conflicts; a staff member may use
// Google, Microsoft and CalDAV at once, and calendars checked across connections all block time.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { busyWithConflicts } from "../../src/booking/busy-view";
import { bookingsBetween } from "../../src/booking/calendar-view";
import { calendarsOf } from "../../src/db/queries/connections";
import { calendarConnections } from "../../src/db/schema";
import { DEMO_MERCHANT_ID, DEMO_OWNER_EMAIL } from "../../src/demo/seed";
import { ConflictError } from "../../src/errors";
import { chooseCalendars } from "../../src/sync/connection-calendars";
import { BusinessCalendarTakenError, connectUnstored, disconnect } from "../../src/sync/connection-lifecycle";
import { runCalendarSync } from "../../src/sync/inbound";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
import { PASSWORD, harness, signIn } from "../auth/harness";
import { inject } from "vitest";
import { blocksOf, book, connectStaff, createExternalEvent, db, deliver, freeSlots, inboundContext, runQueuedSyncs, workday } from "../inbound/harness";
import type { InboundTestContext } from "../inbound/harness";
import { at } from "../support/demo";
import { control, sandboxUrl } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { liveEvents } from "../sync/harness";

const caldavUrl = inject("caldavUrl");

beforeEach(async () => {
	await seedDemo({ owner: { password: PASSWORD } });
});

async function syncNow(context: InboundTestContext, calendarId: string): Promise<void> {
	const report = await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
	expect(["synced", "unchanged"]).toContain(report.outcome);
}

describe("the business calendar", () => {
	it("gets every staff member's bookings, blocks everyone's time, conflicts with everyone's bookings, and is the only one", async () => {
		const context = inboundContext();
		const business = await connectStaff(context, "google", null);
		expect(business.connection.staffId).toBeNull();
		await runQueuedSyncs(context);

		// Outbound: Ana's and Ben's bookings both land in the business calendar.
		const day = workday();
		const [ana] = await book({ staffId: "stf_demo_ana", start: Date.parse(at(day, "10:00")) });
		const [ben] = await book({ staffId: "stf_demo_ben", start: Date.parse(at(day, "11:00")) });
		expect(await deliver(context)).toEqual(["written", "written"]);
		expect(await liveEvents("google", business.write.externalId)).toHaveLength(2);

		// Inbound: one event in it takes everybody's time.
		const later = workday(10);
		// 15:10 and 16:10 are slot starts for both (Ana's afternoon starts 13:30, Ben's 14:30; 20-minute slots).
		expect(await freeSlots("stf_demo_ana", later)).toContain(at(later, "15:10"));
		expect(await freeSlots("stf_demo_ben", later)).toContain(at(later, "15:10"));
		await createExternalEvent("google", business.write.externalId, { summary: "Team meeting", start: at(later, "15:10"), end: at(later, "16:10") });
		// An event over both bookings, added after they were made.
		await createExternalEvent("google", business.write.externalId, { summary: "Inspection", start: at(day, "10:00"), end: at(day, "12:00") });
		await syncNow(context, business.write.id);
		const blocks = await blocksOf(business.write.id);
		expect(blocks.map((b) => b.staff_id)).toEqual([null, null]);
		expect(await freeSlots("stf_demo_ana", later)).not.toContain(at(later, "15:10"));
		expect(await freeSlots("stf_demo_ben", later)).not.toContain(at(later, "15:10"));
		expect(await freeSlots("stf_demo_ben", later)).toContain(at(later, "16:10"));
		// The booking path's own check sees it too.
		await expect(book({ staffId: "stf_demo_ben", serviceId: "svc_demo_consult", start: Date.parse(at(later, "15:30")) })).rejects.toBeInstanceOf(ConflictError);

		// Admin: the block conflicts with both bookings, and each booking with the block; neither is cancelled.
		const from = Date.parse(at(day, "00:00"));
		const to = from + 86_400_000;
		const busy = await busyWithConflicts(env, db, { merchantId: DEMO_MERCHANT_ID, from, to, staffIds: null, tentativeBlocks: true });
		expect(busy).toHaveLength(1);
		expect(busy[0]?.conflictsWith.sort()).toEqual([ana!.id, ben!.id].sort());
		const listed = await bookingsBetween(env, db, { merchantId: DEMO_MERCHANT_ID, from, to, staffId: null, tentativeBlocks: true });
		expect(listed.map((b) => [b.booking.status, b.conflicts.length])).toEqual([["confirmed", 1], ["confirmed", 1]]);

		// A second account for the business is refused; the same account may reconnect.
		await expect(connectStaff(context, "microsoft", null)).rejects.toBeInstanceOf(BusinessCalendarTakenError);
		const again = await connectSandboxAccount(context, { sandboxUrl, provider: "google", email: business.email, name: "Biz", merchantId: DEMO_MERCHANT_ID, staffId: null });
		expect(again.id).toBe(business.connection.id);
		const businessRows = await db.select().from(calendarConnections).where(eq(calendarConnections.merchantId, DEMO_MERCHANT_ID)).all();
		expect(businessRows.filter((r) => r.staffId === null)).toHaveLength(1);

		// Through the API it is a 409 problem; once the first is disconnected another may take its place.
		const h = harness();
		const owner = h.browser();
		expect((await signIn(h, owner, DEMO_OWNER_EMAIL)).status).toBe(200);
		const appleId = `biz-${crypto.randomUUID().slice(0, 8)}@icloud.test`;
		await control("/icloud/accounts", { appleId, appPassword: "app-pass-1234" });
		const body = { provider: "icloud", staffId: "business", serverUrl: `${sandboxUrl}/icloud`, username: appleId, password: "app-pass-1234" };
		const refused = await h.request("/admin/api/connections", { method: "POST", browser: owner, json: body });
		expect(refused.status).toBe(409);
		expect(refused.headers.get("content-type")).toContain("application/problem+json");
		expect(await refused.json()).toMatchObject({ type: expect.stringMatching(/business-calendar-exists$/), connectionId: business.connection.id });
		await disconnect(context, again);
		expect((await h.request("/admin/api/connections", { method: "POST", browser: owner, json: body })).status).toBe(201);
	});
});

/** A Radicale account with one calendar holding one event; returns the credentials and the calendar URL. */
async function caldavWithEvent(start: string, end: string): Promise<{ username: string; password: string }> {
	const username = `multi-${crypto.randomUUID().slice(0, 8)}`;
	const password = "pw-123456";
	await control("/caldav/users", { username, password });
	const { url } = (await control("/caldav/calendars", { username, password, slug: "private", displayName: "Private" })) as { url: string };
	const stamp = (iso: string): string => iso.replace(/[-:]/g, "").replace(/\.\d{3}/, "");
	const ics = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", "BEGIN:VEVENT", "UID:private-1", "DTSTAMP:20260101T000000Z", `DTSTART:${stamp(start)}`, `DTEND:${stamp(end)}`, "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
	const put = await fetch(new URL("private-1.ics", url.endsWith("/") ? url : `${url}/`), { method: "PUT", headers: { authorization: `Basic ${btoa(`${username}:${password}`)}`, "content-type": "text/calendar" }, body: ics });
	expect(put.status).toBeLessThan(300);
	return { username, password };
}

describe("one staff member, several providers", () => {
	it("writes each booking to every write calendar, and events of calendars checked across connections all block time", async () => {
		const context = inboundContext();
		const google = await connectStaff(context, "google", "stf_demo_ana");
		const microsoft = await connectStaff(context, "microsoft", "stf_demo_ana");
		// A week after the booking below, so only the external events take time that day.
		const day = workday(10);
		const dav = await caldavWithEvent(at(day, "15:10"), at(day, "16:10"));
		const caldav = await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana" }, {
			provider: "caldav",
			credentials: { kind: "password", ...dav },
			serverUrl: caldavUrl,
			accountLabel: dav.username,
		});
		// The CalDAV calendar only blocks time: bookings go to Google and Outlook.
		const [davCalendar] = await calendarsOf(db, caldav.id);
		await chooseCalendars(context, caldav, { writeCalendarId: null, conflictCalendarIds: [davCalendar!.id] });
		await runQueuedSyncs(context);

		await book({ staffId: "stf_demo_ana", start: Date.parse(at(workday(), "10:00")) });
		expect((await deliver(context)).sort()).toEqual(["written", "written"]);
		expect(await liveEvents("google", google.write.externalId)).toHaveLength(1);
		expect(await liveEvents("microsoft", microsoft.write.externalId)).toHaveLength(1);

		await createExternalEvent("google", google.write.externalId, { summary: "Dentist", start: at(day, "09:00"), end: at(day, "10:00") });
		await createExternalEvent("microsoft", microsoft.write.externalId, { summary: "Gym", start: at(day, "11:00"), end: at(day, "12:00") });
		for (const calendarId of [google.write.id, microsoft.write.id, davCalendar!.id]) await syncNow(context, calendarId);
		const free = await freeSlots("stf_demo_ana", day);
		for (const taken of ["09:00", "11:00", "15:10"]) expect(free).not.toContain(at(day, taken));
		for (const open of ["10:00", "14:10", "16:10"]) expect(free).toContain(at(day, open));
		// Someone else's time is untouched.
		expect(await freeSlots("stf_demo_ben", day)).toContain(at(day, "11:00"));
	});
});
