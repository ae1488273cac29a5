// Outbound sync to a CalDAV account (Radicale) through the real consumer path: connect, fan-out,
// calendar.push; the calendar holds exactly one resource per booking or series, at the right times.
import { beforeEach, describe, expect, it } from "vitest";
import { inject } from "vitest";
import ICAL from "ical.js";
import { eq } from "drizzle-orm";
import { calendarsOf } from "../../src/db/queries/connections";
import type { ConnectionCalendarRow } from "../../src/db/queries/connections";
import { eventLinks } from "../../src/db/schema";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { connectUnstored } from "../../src/sync/connection-lifecycle";
import { handleCalendarPush } from "../../src/sync/outbound";
import { weekdayAt } from "../support/demo";
import { control } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, calendarPushes, change, db, deliver, outboxJobs, testContext } from "./harness";
import type { TestContext } from "./harness";

const caldavUrl = inject("caldavUrl");

beforeEach(() => seedDemo({ owner: { password: null } }));

interface Account {
	username: string;
	password: string;
	write: ConnectionCalendarRow;
}

/** A fresh Radicale user with one calendar, connected for Ana the way the password form does it. */
async function connectCalDav(context: TestContext, staffId = "stf_demo_ana"): Promise<Account> {
	const username = `out-${crypto.randomUUID().slice(0, 8)}`;
	const password = "pw-123456";
	await control("/caldav/users", { username, password });
	await control("/caldav/calendars", { username, password, slug: "work", displayName: "Work" });
	const connection = await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId }, {
		provider: "caldav",
		accountLabel: username,
		credentials: { kind: "password", username, password },
		serverUrl: caldavUrl,
	});
	const write = (await calendarsOf(db, connection.id)).find((c) => c.isWriteTarget);
	if (write === undefined) throw new Error("no write calendar was chosen");
	return { username, password, write };
}

interface Resource {
	href: string;
	/** VEVENTs of the resource: the master first, then RECURRENCE-ID overrides. */
	events: ICAL.Event[];
	master: ICAL.Component;
}

/** Every calendar object in the collection, read back with a calendar-query REPORT. */
async function resources(account: Account): Promise<Resource[]> {
	const url = new URL(account.write.externalId, caldavUrl).toString();
	const response = await fetch(url, {
		method: "REPORT",
		headers: { authorization: `Basic ${btoa(`${account.username}:${account.password}`)}`, depth: "1", "content-type": "application/xml" },
		body: `<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>`,
	});
	expect(response.status).toBe(207);
	const xml = await response.text();
	const found: Resource[] = [];
	for (const match of xml.matchAll(/<(?:\w+:)?response\b[\s\S]*?<\/(?:\w+:)?response>/g)) {
		const block = match[0];
		const href = /<(?:\w+:)?href>([^<]+)</.exec(block)?.[1] ?? "";
		const data = /<(?:\w+:)?calendar-data[^>]*>([\s\S]*?)<\/(?:\w+:)?calendar-data>/.exec(block)?.[1];
		if (data === undefined) continue;
		const text = data.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&#13;", "\r").replaceAll("&amp;", "&");
		const calendar = new ICAL.Component(ICAL.parse(text));
		const vevents = calendar.getAllSubcomponents("vevent");
		const master = vevents.find((v) => !v.hasProperty("recurrence-id")) ?? vevents[0];
		if (master === undefined) continue;
		found.push({ href, events: vevents.map((v) => new ICAL.Event(v)), master });
	}
	return found;
}

function epoch(time: ICAL.Time): number {
	return time.toJSDate().getTime();
}

function only(list: Resource[]): Resource {
	expect(list).toHaveLength(1);
	return list[0] as Resource;
}

describe("CalDAV outbound", () => {
	it("creates, reschedules, edits notes and cancels one resource", async () => {
		const context = testContext();
		const account = await connectCalDav(context);
		const [booking] = await book();
		expect(await deliver(context)).toEqual(["written"]);

		let resource = only(await resources(account));
		const href = resource.href;
		let event = resource.events[0] as ICAL.Event;
		expect(event.summary).toBe("Ada Lovelace");
		expect(epoch(event.startDate)).toBe(booking?.start);
		expect(epoch(event.endDate)).toBe(booking?.end);
		expect(event.description).toContain("Short on the sides");
		expect(resource.master.getFirstPropertyValue("x-slotline-booking-id")).toBe(booking?.id);

		const moved = weekdayAt(2, "14:00");
		await change.reschedule(booking!.id, moved);
		expect(await deliver(context)).toEqual(["written"]);
		resource = only(await resources(account));
		expect(resource.href).toBe(href);
		event = resource.events[0] as ICAL.Event;
		expect(epoch(event.startDate)).toBe(moved);
		expect(epoch(event.endDate) - epoch(event.startDate)).toBe(booking!.end - booking!.start);

		await change.notes(booking!.id, "Prefers the window seat");
		expect(await deliver(context)).toEqual(["written"]);
		resource = only(await resources(account));
		expect((resource.events[0] as ICAL.Event).description).toContain("Prefers the window seat");

		await change.cancel(booking!.id);
		expect(await deliver(context)).toEqual(["deleted"]);
		expect(await resources(account)).toEqual([]);
	});

	it("creates nothing extra for a message delivered twice", async () => {
		const context = testContext();
		const account = await connectCalDav(context);
		const [booking] = await book({ customer: null });
		const jobs = await outboxJobs();
		const push = { type: "calendar.push" as const, bookingId: booking!.id, calendarId: account.write.id, version: 1 };
		expect(calendarPushes(jobs)).toEqual([push]);
		expect(await handleCalendarPush(context, push)).toBe("written");
		expect(await handleCalendarPush(context, push)).toBe("skipped");
		const resource = only(await resources(account));
		expect((resource.events[0] as ICAL.Event).summary).toBe("Walk-in");

		// A retry after the write landed but its record was lost (a crash) must meet the same resource, not add one.
		await db.delete(eventLinks).where(eq(eventLinks.bookingId, booking!.id));
		await change.reschedule(booking!.id, weekdayAt(2, "16:00"));
		await outboxJobs();
		expect(await handleCalendarPush(context, { ...push, version: 2 })).toBe("written");
		expect(await handleCalendarPush(context, { ...push, version: 2 })).toBe("skipped");
		const after = only(await resources(account));
		expect(after.href).toBe(resource.href);
		expect(epoch((after.events[0] as ICAL.Event).startDate)).toBe(weekdayAt(2, "16:00"));
	});

	it("writes a series as one resource with a moved and a cancelled occurrence", async () => {
		const context = testContext();
		const account = await connectCalDav(context);
		const occurrences = await book({ recurrence: { frequency: "weekly", count: 4 } });
		expect(occurrences).toHaveLength(4);
		expect(await deliver(context)).toEqual(["written", "skipped", "skipped", "skipped"]);
		let resource = only(await resources(account));
		let master = new ICAL.Event(resource.master);
		expect(master.isRecurring()).toBe(true);
		expect(String(resource.master.getFirstPropertyValue("rrule"))).toBe("FREQ=WEEKLY;COUNT=4");
		expect(epoch(master.startDate)).toBe(occurrences[0]?.start);

		const second = occurrences[1]!;
		const third = occurrences[2]!;
		const moved = second.start + 2 * 3_600_000;
		await change.reschedule(second.id, moved);
		await change.cancel(third.id);
		expect(await deliver(context)).toEqual(["written", "skipped"]);

		resource = only(await resources(account));
		const overrides = resource.events.filter((e) => e.isRecurrenceException());
		expect(overrides.map((e) => [epoch(e.recurrenceId), epoch(e.startDate)])).toEqual([[second.start, moved]]);
		const exdates = resource.master.getAllProperties("exdate").flatMap((p) => p.getValues() as ICAL.Time[]);
		expect(exdates.map(epoch)).toEqual([third.start]);

		// Expanding the resource gives exactly the three occurrences that remain, at their times.
		master = new ICAL.Event(resource.master, { exceptions: overrides.map((e) => e.component) });
		const starts: number[] = [];
		const iterator = master.iterator();
		for (let next = iterator.next(); next !== null && next !== undefined; next = iterator.next()) {
			const details = master.getOccurrenceDetails(next);
			starts.push(epoch(details.startDate));
		}
		expect(starts).toEqual([occurrences[0]!.start, moved, occurrences[3]!.start]);

		// Cancelling the rest of the series removes the resource.
		await change.cancel(occurrences[0]!.id, "series");
		await deliver(context);
		expect(await resources(account)).toEqual([]);
	});
});
