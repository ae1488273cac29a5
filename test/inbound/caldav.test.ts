/// <reference types="vite/client" />
// Inbound sync from CalDAV (Radicale) through the whole runner: every case of the iCalendar corpus
// (test/fixtures/ics) uploaded as real resources, polled into the merchant object's busy blocks in the
// staff zone; a refused sync token leads to a full resync; removed resources lose their blocks.
import ICAL from "ical.js";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, inject, it, vi } from "vitest";
import { vtimezone } from "../../src/calendars/vtimezone";
import { staff } from "../../src/db/schema";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { runCalendarSync } from "../../src/sync/inbound";
import { resyncMatchedByAddress } from "../../src/sync/connection-jobs";
import { connectUnstored } from "../../src/sync/connection-lifecycle";
import { control } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { blocksOf, db, inboundContext, runQueuedSyncs, syncJobs } from "./harness";
import type { InboundTestContext } from "./harness";

const caldavUrl = inject("caldavUrl");
const files = import.meta.glob<string>("../fixtures/ics/*.ics", { query: "?raw", import: "default", eager: true });
const manifests = import.meta.glob<string>("../fixtures/ics/manifest.json", { query: "?raw", import: "default", eager: true });

interface FixtureCase {
	file: string;
	description: string;
	staffTimezone: string;
	staffEmail: string;
	window: { from: string; to: string };
	expected: { tentativeBlocks_true: Array<{ start: string; end: string }>; tentativeBlocks_false: Array<{ start: string; end: string }> };
}

const cases: FixtureCase[] = JSON.parse(Object.values(manifests)[0] ?? "[]") as FixtureCase[];

function fixtureText(file: string): string {
	const entry = Object.entries(files).find(([path]) => path.endsWith(`/${file}`));
	if (entry === undefined) throw new Error(`fixture ${file} was not bundled`);
	return entry[1];
}

/** TZIDs used in a component tree. */
function tzidsOf(component: ICAL.Component, into: Set<string>): Set<string> {
	for (const property of component.getAllProperties()) {
		const tzid = property.getParameter("tzid");
		if (typeof tzid === "string") into.add(tzid);
	}
	for (const child of component.getAllSubcomponents()) tzidsOf(child, into);
	return into;
}

/**
 * CalDAV holds one UID per resource: split a fixture into one VCALENDAR per UID, each with every
 * VTIMEZONE. Servers (Radicale) refuse a TZID without its VTIMEZONE, which iCalendar requires, so
 * IANA zones the fixture names bare get one generated, as a calendar app would write.
 */
function resourcesOf(text: string, from: number, to: number): Map<string, string> {
	const root = new ICAL.Component(ICAL.parse(text));
	const zones = root.getAllSubcomponents("vtimezone");
	const defined = new Set(zones.map((z) => String(z.getFirstPropertyValue("tzid"))));
	for (const tzid of tzidsOf(root, new Set())) {
		if (!defined.has(tzid)) zones.push(vtimezone(tzid, from - 366 * 86_400_000, to + 366 * 86_400_000));
	}
	const byUid = new Map<string, ICAL.Component>();
	for (const component of root.getAllSubcomponents()) {
		if (component.name === "vtimezone") continue;
		const uid = String(component.getFirstPropertyValue("uid") ?? crypto.randomUUID());
		let calendar = byUid.get(uid);
		if (calendar === undefined) {
			calendar = new ICAL.Component("vcalendar");
			calendar.addPropertyWithValue("version", "2.0");
			calendar.addPropertyWithValue("prodid", "-//Slotline tests//EN");
			for (const zone of zones) calendar.addSubcomponent(new ICAL.Component(zone.toJSON()));
			byUid.set(uid, calendar);
		}
		calendar.addSubcomponent(new ICAL.Component(component.toJSON()));
	}
	return new Map([...byUid].map(([uid, calendar]) => [uid, calendar.toString()]));
}

interface Account {
	username: string;
	password: string;
	calendarUrl: string;
}

async function radicaleAccount(): Promise<Account> {
	const username = `in-${crypto.randomUUID().slice(0, 8)}`;
	const password = "pw-123456";
	await control("/caldav/users", { username, password });
	const { url } = (await control("/caldav/calendars", { username, password, slug: "work", displayName: "Work" })) as { url: string };
	return { username, password, calendarUrl: url.endsWith("/") ? url : `${url}/` };
}

async function put(account: Account, name: string, ics: string): Promise<void> {
	const response = await fetch(new URL(`${encodeURIComponent(name)}.ics`, account.calendarUrl), {
		method: "PUT",
		headers: { authorization: `Basic ${btoa(`${account.username}:${account.password}`)}`, "content-type": "text/calendar" },
		body: ics,
	});
	expect(response.status).toBeLessThan(300);
}

async function remove(account: Account, name: string): Promise<void> {
	const response = await fetch(new URL(`${encodeURIComponent(name)}.ics`, account.calendarUrl), { method: "DELETE", headers: { authorization: `Basic ${btoa(`${account.username}:${account.password}`)}` } });
	expect(response.status).toBeLessThan(300);
}

/** A CalDAV connection of Ana's, checked for conflicts, after its first sync. */
async function connected(context: InboundTestContext, account: Account, email: string): Promise<string> {
	const connection = await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana" }, {
		provider: "caldav",
		accountLabel: email,
		credentials: { kind: "password", username: account.username, password: account.password },
		serverUrl: caldavUrl,
	});
	const jobs = syncJobs(context.recording.sent);
	expect(jobs).toHaveLength(1);
	expect(connection.provider).toBe("caldav");
	await runQueuedSyncs(context);
	return jobs[0]?.calendarId ?? "";
}

function iso(ms: number): string {
	return new Date(ms).toISOString().replace(".000Z", "Z");
}

beforeEach(() => seedDemo({ owner: { password: null } }));

describe("CalDAV polling of the iCalendar corpus", () => {
	it("finds the corpus", () => {
		expect(cases.length).toBeGreaterThanOrEqual(22);
	});

	it.each(cases.map((c) => [c.file, c] as const))("%s", async (_file, fixture) => {
		await db.update(staff).set({ timezone: fixture.staffTimezone }).where(eq(staff.id, "stf_demo_ana"));
		// The sync window is relative to "now": put now inside the fixture's week.
		const from = Date.parse(fixture.window.from);
		const to = Date.parse(fixture.window.to);
		const context = inboundContext(() => from + 86_400_000);
		const account = await radicaleAccount();
		const calendarId = await connected(context, account, fixture.staffEmail.toUpperCase());
		for (const [uid, ics] of resourcesOf(fixtureText(fixture.file), from, to)) await put(account, uid, ics);

		const report = await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		expect(report.outcome).toBe("synced");
		const inWindow = (await blocksOf(calendarId)).filter((b) => b.starts_at < to && b.ends_at > from);
		const all = inWindow.map((b) => ({ start: iso(b.starts_at), end: iso(b.ends_at) }));
		const firm = inWindow.filter((b) => b.tentative === 0).map((b) => ({ start: iso(b.starts_at), end: iso(b.ends_at) }));
		expect(all).toEqual(fixture.expected.tentativeBlocks_true);
		expect(firm).toEqual(fixture.expected.tentativeBlocks_false);
	});
});

describe("CalDAV changes", () => {
	it("a changed resource replaces its blocks, a deleted one loses them, and a refused sync token means a full resync", async () => {
		const now = Date.now();
		const context = inboundContext();
		const account = await radicaleAccount();
		const calendarId = await connected(context, account, "ana@example.test");
		const stamp = (ms: number): string => iso(ms).replace(/[-:]/g, "");
		const event = (uid: string, start: number, hours: number, extra = ""): string =>
			`BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:${stamp(now)}\r\nDTSTART:${stamp(start)}\r\nDTEND:${stamp(start + hours * 3600_000)}\r\nSUMMARY:Private\r\n${extra}END:VEVENT\r\nEND:VCALENDAR\r\n`;
		const day = Math.floor(now / 86_400_000) * 86_400_000 + 5 * 86_400_000 + 9 * 3600_000;
		await put(account, "a", event("a", day, 1));
		await put(account, "b", event("b", day + 86_400_000, 2, "RRULE:FREQ=DAILY;COUNT=3\r\n"));
		await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		expect((await blocksOf(calendarId)).map((b) => b.external_event_id.endsWith("a.ics") ? "a" : "b")).toEqual(["a", "b", "b", "b"]);

		await put(account, "b", event("b", day + 86_400_000, 2, "RRULE:FREQ=DAILY;COUNT=2\r\n"));
		await remove(account, "a");
		const incremental = await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		expect(incremental).toMatchObject({ outcome: "synced", full: false });
		expect((await blocksOf(calendarId)).map((b) => b.starts_at)).toEqual([day + 86_400_000, day + 2 * 86_400_000]);

		// An unknown sync token is refused (403 valid-sync-token): everything is read again.
		await env.DB.prepare("update connection_calendars set sync_cursor = ? where id = ?")
			.bind(`${now}:${JSON.stringify({ kind: "sync", token: `http://radicale.org/ns/sync/${"0".repeat(64)}` })}`, calendarId)
			.run();
		await put(account, "c", event("c", day + 3 * 86_400_000, 1));
		const resync = await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		expect(resync).toMatchObject({ outcome: "synced", full: true, blocks: 3 });
	});

	it("an answer over 5 MB is not read: that connection's sync fails with a clear error, and works again once it is smaller", async () => {
		const now = Date.now();
		const context = inboundContext();
		const account = await radicaleAccount();
		const calendarId = await connected(context, account, "ana@example.test");
		const stamp = (ms: number): string => iso(ms).replace(/[-:]/g, "");
		const start = Math.floor(now / 86_400_000) * 86_400_000 + 5 * 86_400_000 + 9 * 3600_000;
		// One event padded to 6 MB in short lines (Radicale stores those several times faster than long folded ones;
		// it still takes seconds, hence the test's longer timeout).
		const event = (uid: string, padding: string[]): string =>
			["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//EN", "BEGIN:VEVENT", `UID:${uid}`, `DTSTAMP:${stamp(now)}`, `DTSTART:${stamp(start)}`, `DTEND:${stamp(start + 3600_000)}`, ...padding, "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
		await put(account, "padded", event("padded", Array.from({ length: 90_000 }, () => `X-PAD:${"x".repeat(60)}`)));

		const report = await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		expect(report.outcome).toBe("failed");
		expect(await blocksOf(calendarId)).toEqual([]);
		const row = await env.DB.prepare("select connection_id from connection_calendars where id = ?").bind(calendarId).first<{ connection_id: string }>();
		const log = await env.DB.prepare("select operation, outcome, message from connection_log where connection_id = ? order by id desc limit 1").bind(row?.connection_id).first();
		expect(log).toEqual({ operation: "sync", outcome: "error", message: expect.stringMatching(/caldav \d+ responseTooLarge: the server's answer is larger than 5 MB/) });

		// Once the event is small, it is read and blocks time.
		await put(account, "padded", event("padded", []));
		const again = await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		expect(again).toMatchObject({ outcome: "synced", blocks: 1 });
	}, 60_000);
});

describe("declined invitations are matched against the staff member's addresses", () => {
	const ANA = "ana@demo.slotline.test";
	const ALIAS = "ana.private@example.test";
	const stamp = (ms: number): string => iso(ms).replace(/[-:]/g, "");
	const declinedBy = (uid: string, start: number, address: string): string =>
		`BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:${stamp(start)}\r\nDTSTART:${stamp(start)}\r\nDTEND:${stamp(start + 3600_000)}\r\nORGANIZER:mailto:boss@example.test\r\nATTENDEE;PARTSTAT=DECLINED:mailto:${address}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
	const day = (n: number): number => Math.floor(Date.now() / 86_400_000) * 86_400_000 + n * 86_400_000 + 9 * 3600_000;

	it("CalDAV with a login that is not an address: the staff email, then an address the admin adds, free the time", async () => {
		const context = inboundContext();
		const account = await radicaleAccount();
		// Signed in as a bare login name (Radicale's "tess"), so the account label is no address at all.
		const calendarId = await connected(context, account, account.username);
		await put(account, "to-email", declinedBy("to-email", day(5), ANA.toUpperCase()));
		await put(account, "to-alias", declinedBy("to-alias", day(6), ALIAS));
		await put(account, "someone-else", declinedBy("someone-else", day(7), "colleague@example.test"));
		await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		expect((await blocksOf(calendarId)).map((b) => b.starts_at)).toEqual([day(6), day(7)]);

		// The admin adds the alias: the staff member's CalDAV calendars are read again in full.
		await db.update(staff).set({ calendarAddresses: [ALIAS] }).where(eq(staff.id, "stf_demo_ana"));
		await resyncMatchedByAddress(context, DEMO_MERCHANT_ID, "stf_demo_ana");
		expect(syncJobs(context.recording.sent).filter((job) => job.reason === "resync").map((job) => job.calendarId)).toEqual([calendarId]);
		await runQueuedSyncs(context);
		expect((await blocksOf(calendarId)).map((b) => b.starts_at)).toEqual([day(7)]);
	});

	it("an ICS feed frees the time of events the staff member declined", async () => {
		const feedUrl = "https://feeds.example.test/u/ana/basic.ics";
		const feed = ["to-email", "to-alias", "someone-else"]
			.map((uid, index) => declinedBy(uid, day(5 + index), [ANA, ALIAS, "colleague@example.test"][index] ?? ""))
			.map((text) => text.replace(/^[\s\S]*?(BEGIN:VEVENT[\s\S]*END:VEVENT\r\n)[\s\S]*$/, "$1"))
			.join("");
		const real = globalThis.fetch;
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			if (url === feedUrl) return new Response(`BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n${feed}END:VCALENDAR\r\n`, { headers: { "content-type": "text/calendar" } });
			return real(input, init);
		});
		await db.update(staff).set({ calendarAddresses: [ALIAS] }).where(eq(staff.id, "stf_demo_ana"));
		const context = inboundContext();
		await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana" }, { provider: "ics", accountLabel: "feeds.example.test", credentials: { kind: "feed", url: feedUrl }, serverUrl: null });
		const [job] = syncJobs(context.recording.sent);
		await runQueuedSyncs(context);
		vi.restoreAllMocks();
		expect((await blocksOf(job?.calendarId ?? "")).map((b) => b.starts_at)).toEqual([day(7)]);
	});
});
