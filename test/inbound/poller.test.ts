// Polled calendars on their own schedule (src/sync/poller.ts) against the real Radicale, the sandbox's iCloud
// and a feed it publishes: an outside change leaves availability on the next poll, an unchanged calendar
// costs one request and no D1 statement per poll, idle calendars slow down, 503 and Retry-After back off, a
// vanished calendar stops while its sibling goes on, the cron restarts a stopped schedule, a Google calendar
// without a channel is polled, and 200 connections poll without a slow server holding the others up. The
// poller's clock is set by hand and its alarm run by the test: nothing waits in real time.
import { evictAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { calendarsOf, connectionById, logOf } from "../../src/db/queries/connections";
import type { ConnectionRow } from "../../src/db/queries/connections";
import { calendarConnections, connectionCalendars, workingHours } from "../../src/db/schema";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { newId } from "../../src/ids";
import { chooseCalendars } from "../../src/sync/connection-calendars";
import { connectUnstored, disconnect } from "../../src/sync/connection-lifecycle";
import { runCron } from "../../src/sync/cron";
import { enqueueSafetyNetSyncs } from "../../src/sync/maintenance";
import type { CalendarPoller } from "../../src/sync/poller";
import { calendarPoller } from "../../src/sync/polling";
import type { PollStatus } from "../../src/sync/polling";
import { at } from "../support/demo";
import { control, sandboxUrl } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { connectStaff, createExternalEvent, db, freeSlots, inboundContext, runQueuedSyncs, syncJobs, workday } from "./harness";
import type { InboundTestContext } from "./harness";

const caldavUrl = inject("caldavUrl");
const SECOND = 1000;
const MINUTE = 60 * SECOND;

beforeEach(() => seedDemo({ owner: { password: null } }));
afterEach(() => {
	vi.restoreAllMocks();
});

/** A fake "now" ahead of the real clock, so every alarm the poller sets from it lies beyond the test. */
function start(): number {
	return Date.now() + 10 * MINUTE;
}

/** The connection's poller with its clock at `at` and no jitter (every band at its low end). */
async function pollerAt(connectionId: string, at: number): Promise<DurableObjectStub<CalendarPoller>> {
	const stub = calendarPoller(env, connectionId);
	await runInDurableObject(stub, (instance: CalendarPoller) => {
		instance.clock = () => at;
		instance.random = () => 0;
	});
	return stub;
}

/** Fires the poller's alarm as if it were `at`, and returns what the poller knows afterwards. */
async function pollAt(connectionId: string, at: number): Promise<PollStatus[]> {
	const stub = await pollerAt(connectionId, at);
	expect(await runDurableObjectAlarm(stub)).toBe(true);
	return stub.status();
}

async function statusOf(connectionId: string, calendarId: string): Promise<PollStatus | undefined> {
	return (await calendarPoller(env, connectionId).status()).find((s) => s.calendarId === calendarId);
}

async function alarmOf(connectionId: string): Promise<number | null> {
	return runInDurableObject(calendarPoller(env, connectionId), (_instance, state) => state.storage.getAlarm());
}

/** Counts the requests to `base` from anywhere in this isolate (the pollers run here too). */
function countRequests(base: string): () => number {
	const real = globalThis.fetch;
	let count = 0;
	vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
		if ((input instanceof Request ? input.url : String(input)).startsWith(base)) count++;
		return real(input, init);
	});
	return () => count;
}

/** D1 statements since the last call (the Worker's counting binding, src/db/statement-count.ts). */
async function takeD1Statements(): Promise<{ request: number; background: number }> {
	const res = await exports.default.fetch("http://slotline.test/_dev/d1-statements?reset=1");
	expect(res.status).toBe(200);
	return res.json();
}

interface Account {
	username: string;
	password: string;
	calendarUrl: string;
}

async function radicaleAccount(slugs: string[] = ["work"]): Promise<Account & { calendarUrls: string[] }> {
	const username = `poll-${crypto.randomUUID().slice(0, 8)}`;
	const password = "pw-123456";
	await control("/caldav/users", { username, password });
	const calendarUrls: string[] = [];
	for (const slug of slugs) {
		const { url } = (await control("/caldav/calendars", { username, password, slug, displayName: slug })) as { url: string };
		calendarUrls.push(url.endsWith("/") ? url : `${url}/`);
	}
	return { username, password, calendarUrl: calendarUrls[0] ?? "", calendarUrls };
}

function stamp(ms: number): string {
	return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** PUTs an event into the calendar as another calendar app would. */
async function putEvent(account: Account, uid: string, start: string, end: string): Promise<void> {
	const ics = `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:${stamp(Date.now())}\r\nDTSTART:${stamp(Date.parse(start))}\r\nDTEND:${stamp(Date.parse(end))}\r\nSUMMARY:Private\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
	const response = await fetch(new URL(`${uid}.ics`, account.calendarUrl), {
		method: "PUT",
		headers: { authorization: `Basic ${btoa(`${account.username}:${account.password}`)}`, "content-type": "text/calendar" },
		body: ics,
	});
	expect(response.status).toBeLessThan(300);
}

/** Ana's CalDAV connection, its calendars checked and their first (queued) sync done. */
async function connectCaldav(context: InboundTestContext, account: Account, staffId = "stf_demo_ana"): Promise<{ connection: ConnectionRow; calendarId: string }> {
	const connection = await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId }, {
		provider: "caldav",
		accountLabel: `${account.username}@example.test`,
		credentials: { kind: "password", username: account.username, password: account.password },
		serverUrl: caldavUrl,
	});
	const calendarId = syncJobs(context.recording.sent)[0]?.calendarId ?? "";
	await runQueuedSyncs(context);
	return { connection, calendarId };
}

describe("a polled CalDAV calendar", () => {
	it("picks up an outside change on the next poll: the slot leaves availability", async () => {
		const context = inboundContext();
		const account = await radicaleAccount();
		const { connection, calendarId } = await connectCaldav(context, account);
		// Connecting started the schedule.
		expect(await alarmOf(connection.id)).not.toBeNull();

		let now = start();
		const [first] = await pollAt(connection.id, now);
		// Nothing new since the connect's sync; Ana works this week, so it stays hot: 15 s (no jitter).
		expect(first).toEqual({ calendarId, lastCheckedAt: now, lastChangedAt: null, intervalMs: 15 * SECOND, nextAt: now + 15 * SECOND, failures: 0, lastError: null });
		expect(await alarmOf(connection.id)).toBe(now + 15 * SECOND);

		const day = workday();
		expect(await freeSlots("stf_demo_ana", day)).toContain(at(day, "10:00"));
		await putEvent(account, "dentist", at(day, "10:00"), at(day, "11:00"));
		// An alarm that fires early polls nothing.
		expect(await pollAt(connection.id, now + 5 * SECOND)).toEqual([first]);
		expect(await freeSlots("stf_demo_ana", day)).toContain(at(day, "10:00"));

		now += 15 * SECOND;
		const [second] = await pollAt(connection.id, now);
		expect(second).toMatchObject({ lastCheckedAt: now, lastChangedAt: now, failures: 0 });
		expect(await freeSlots("stf_demo_ana", day)).not.toContain(at(day, "10:00"));
	});

	it("costs one request and no D1 statement per unchanged poll; the daily full pass still runs", async () => {
		const context = inboundContext();
		const account = await radicaleAccount();
		const { connection, calendarId } = await connectCaldav(context, account);
		let now = start();
		await pollAt(connection.id, now);
		const requests = countRequests(caldavUrl);
		await takeD1Statements();
		for (let poll = 0; poll < 3; poll++) {
			now += 15 * SECOND;
			// Idle objects are evicted within seconds, so the poller starts afresh for nearly every poll.
			if (poll > 0) await evictAllDurableObjects();
			expect(await pollAt(connection.id, now)).toMatchObject([{ lastCheckedAt: now, lastChangedAt: null }]);
		}
		// One PROPFIND Depth 0 each, and D1 untouched (the connection is kept in the object's storage).
		expect(requests()).toBe(3);
		expect(await takeD1Statements()).toEqual({ request: 0, background: 0 });

		// A day after the last full sync the window is read in full, without asking the probe first.
		const fullSyncs = async (): Promise<number> => (await logOf(db, connection.id)).filter((line) => line.message?.includes("full sync")).length;
		const before = await fullSyncs();
		now += 25 * 60 * MINUTE;
		expect(await pollAt(connection.id, now)).toMatchObject([{ calendarId, lastCheckedAt: now, failures: 0 }]);
		expect(await fullSyncs()).toBe(before + 1);
	});

	it("slows down step by step when its owner has no bookable time and it does not change", async () => {
		const context = inboundContext();
		const account = await radicaleAccount();
		const { connection } = await connectCaldav(context, account);
		await db.delete(workingHours).where(eq(workingHours.staffId, "stf_demo_ana"));
		// ensure() makes the poller read the connection (and its owner's hours) again.
		let now = start();
		await (await pollerAt(connection.id, now)).ensure(connection.id);
		const intervals: number[] = [];
		for (let poll = 0; poll < 5; poll++) {
			const [status] = await pollAt(connection.id, now);
			intervals.push(status?.intervalMs ?? 0);
			now = status?.nextAt ?? now;
		}
		expect(intervals).toEqual([60 * SECOND, 2 * MINUTE, 4 * MINUTE, 5 * MINUTE, 5 * MINUTE]);
	});

	it("stops polling a vanished calendar until ensure() while its sibling goes on, and stops altogether after a disconnect", async () => {
		const context = inboundContext();
		const account = await radicaleAccount(["office", "family"]);
		const { connection } = await connectCaldav(context, account);
		const listed = await calendarsOf(db, connection.id);
		const workRow = listed.find((row) => row.externalId.endsWith("/office/"));
		const familyRow = listed.find((row) => row.externalId.endsWith("/family/"));
		if (workRow === undefined || familyRow === undefined) throw new Error("calendars not listed");
		await chooseCalendars(context, connection, { writeCalendarId: workRow.id, conflictCalendarIds: [workRow.id, familyRow.id] });
		await runQueuedSyncs(context);
		let now = start();
		expect((await pollAt(connection.id, now)).map((s) => s.calendarId).sort()).toEqual([workRow.id, familyRow.id].sort());

		// The family calendar is deleted on the server (its URL now answers 404).
		await db.update(connectionCalendars).set({ externalId: `${caldavUrl}/${account.username}/deleted/` }).where(eq(connectionCalendars.id, familyRow.id));
		await (await pollerAt(connection.id, now)).ensure(connection.id);
		now += 40 * SECOND;
		await pollAt(connection.id, now);
		expect(await statusOf(connection.id, familyRow.id)).toMatchObject({ nextAt: null });
		expect(await statusOf(connection.id, workRow.id)).toMatchObject({ lastCheckedAt: now, failures: 0 });
		expect((await calendarsOf(db, connection.id)).find((row) => row.id === familyRow.id)?.unavailableSince).not.toBeNull();

		// ensure() (the cron calls it every 5 minutes) tries it again: it is back.
		await db.update(connectionCalendars).set({ externalId: familyRow.externalId }).where(eq(connectionCalendars.id, familyRow.id));
		await (await pollerAt(connection.id, now)).ensure(connection.id);
		now += 40 * SECOND;
		await pollAt(connection.id, now);
		expect(await statusOf(connection.id, familyRow.id)).toMatchObject({ lastCheckedAt: now, failures: 0 });
		expect((await calendarsOf(db, connection.id)).find((row) => row.id === familyRow.id)?.unavailableSince).toBeNull();

		// Disconnected: the next alarm finds it so and forgets everything.
		await pollerAt(connection.id, now);
		const current = await connectionById(db, connection.id);
		if (current === null) throw new Error("connection vanished");
		await disconnect(context, current);
		const requests = countRequests(caldavUrl);
		expect(await runDurableObjectAlarm(calendarPoller(env, connection.id))).toBe(true);
		expect(requests()).toBe(0);
		expect(await calendarPoller(env, connection.id).status()).toEqual([]);
		expect(await alarmOf(connection.id)).toBeNull();
	});
});

describe("a polled ICS feed", () => {
	it("costs one conditional GET (a 304) per unchanged poll, and a change is picked up on the next", async () => {
		const context = inboundContext();
		const account = await radicaleAccount();
		const { url } = (await control("/feeds", { username: account.username, password: account.password, calendar: "work" })) as { url: string };
		const connection = await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana" }, { provider: "ics", accountLabel: "feed", credentials: { kind: "feed", url }, serverUrl: null });
		await runQueuedSyncs(context);
		let now = start();
		await pollAt(connection.id, now);

		const requests = countRequests(sandboxUrl);
		now += 15 * SECOND;
		expect(await pollAt(connection.id, now)).toMatchObject([{ lastCheckedAt: now, lastChangedAt: null }]);
		expect(requests()).toBe(1);

		const day = workday();
		await putEvent(account, "physio", at(day, "15:00"), at(day, "16:00"));
		now += 15 * SECOND;
		expect(await pollAt(connection.id, now)).toMatchObject([{ lastCheckedAt: now, lastChangedAt: now }]);
		expect(await freeSlots("stf_demo_ana", day)).not.toContain(at(day, "15:00"));
	});
});

describe("back-off", () => {
	it("honours 503 with Retry-After, backs off exponentially without it, and never asks iCloud twice within 24 s", async () => {
		const context = inboundContext();
		const appleId = `poll-${crypto.randomUUID().slice(0, 8)}@icloud.test`;
		const appPassword = "abcd-efgh-ijkl-mnop";
		await control("/icloud/accounts", { appleId, appPassword });
		const connection = await connectUnstored(context, { merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_chloe" }, {
			provider: "icloud",
			accountLabel: appleId,
			credentials: { kind: "password", username: appleId, password: appPassword },
			serverUrl: `${sandboxUrl}/icloud`,
		});
		await runQueuedSyncs(context);
		let now = start();
		// iCloud's hot band starts at 24 s.
		expect(await pollAt(connection.id, now)).toMatchObject([{ intervalMs: 24 * SECOND, failures: 0 }]);

		// iCloud is busy for the next two minutes.
		await control("/faults", { provider: "icloud", endpoint: "propfind", status: 503, retryAfter: 120, count: 1, scope: { account: appleId } });
		now += 30 * SECOND;
		expect(await pollAt(connection.id, now)).toMatchObject([{ lastCheckedAt: now - 30 * SECOND, failures: 1, nextAt: now + 2 * MINUTE, lastError: "ProviderError: icloud 503 http503" }]);
		expect(await alarmOf(connection.id)).toBe(now + 2 * MINUTE);
		// Fired a minute early (say, after a restart): the server is left alone.
		const requests = countRequests(sandboxUrl);
		await pollAt(connection.id, now + MINUTE);
		expect(requests()).toBe(0);
		now += 2 * MINUTE;
		expect(await pollAt(connection.id, now)).toMatchObject([{ lastCheckedAt: now, failures: 0, intervalMs: 24 * SECOND }]);

		// 503s without Retry-After: 30 s, then 60 s, then back to normal.
		await control("/faults", { provider: "icloud", endpoint: "propfind", status: 503, count: 2, scope: { account: appleId } });
		const waits: number[] = [];
		for (let poll = 0; poll < 3; poll++) {
			now += waits.at(-1) ?? 30 * SECOND;
			const [status] = await pollAt(connection.id, now);
			waits.push(status?.intervalMs ?? 0);
			expect(status?.failures).toBe(poll < 2 ? poll + 1 : 0);
		}
		expect(waits).toEqual([30 * SECOND, 60 * SECOND, 24 * SECOND]);
	});
});

describe("the cron as safety net", () => {
	it("restarts a stopped schedule, and no longer queues syncs of polled calendars itself", async () => {
		const context = inboundContext();
		const account = await radicaleAccount();
		const { connection, calendarId } = await connectCaldav(context, account);
		await runInDurableObject(calendarPoller(env, connection.id), (_instance, state) => state.storage.deleteAlarm());
		expect(await alarmOf(connection.id)).toBeNull();

		expect(await runCron(env, Date.now())).toMatchObject({ pollersEnsured: 1 });
		expect(await alarmOf(connection.id)).not.toBeNull();
		const now = start();
		expect(await pollAt(connection.id, now)).toMatchObject([{ calendarId, lastCheckedAt: now }]);

		expect(await enqueueSafetyNetSyncs(context)).toBe(0);
		expect(syncJobs(context.recording.take())).toEqual([]);
	});
});

describe("Google without a push channel", () => {
	it("is polled when its channel cannot be opened, and polls never retry the channel", async () => {
		const context = inboundContext();
		const { connection, email, write } = await connectStaff(context, "google");
		await control("/faults", { provider: "google", endpoint: "events.watch", status: 404, scope: { calendarId: email } });
		await runQueuedSyncs(context);
		// The refused channel started the connection's poller.
		expect(await alarmOf(connection.id)).not.toBeNull();
		let now = start();
		expect(await pollAt(connection.id, now)).toMatchObject([{ calendarId: write.id, lastCheckedAt: now }]);

		const day = workday();
		await createExternalEvent("google", email, { summary: "Dentist", start: at(day, "14:00"), end: at(day, "15:00") });
		now += 15 * SECOND;
		expect(await pollAt(connection.id, now)).toMatchObject([{ lastChangedAt: now }]);
		expect(await freeSlots("stf_demo_ana", day)).not.toContain(at(day, "14:00"));
		// Only the connect's sync tried (and logged) the channel; the cron's sync retries it, not every poll.
		expect((await logOf(db, connection.id)).filter((line) => line.operation === "push")).toHaveLength(1);
	});
});

describe("many connections", () => {
	it("polls 200 connections, each in its own object: a server that hangs holds up only its own", async () => {
		const context = inboundContext();
		const shared = await radicaleAccount();
		const template = await connectCaldav(context, shared);
		const [calendar] = await calendarsOf(db, template.connection.id);
		if (calendar === undefined) throw new Error("no calendar");
		// 198 more connections of that account (as if as many people had connected it), inserted directly.
		const rows = Array.from({ length: 198 }, () => ({ connection: newId("con"), calendar: newId("cal") }));
		// D1 binds at most 100 values per statement.
		for (let i = 0; i < rows.length; i += 4) {
			const chunk = rows.slice(i, i + 4);
			await db.insert(calendarConnections).values(chunk.map((row) => ({ ...template.connection, id: row.connection })));
			await db.insert(connectionCalendars).values(chunk.map((row) => ({ ...calendar, id: row.calendar, connectionId: row.connection })));
		}
		const ids = [template.connection.id, ...rows.map((row) => row.connection)];
		// The 200th is on a server that does not answer until the test lets it.
		const slowAccount = await radicaleAccount();
		const slow = await connectCaldav(context, slowAccount, "stf_demo_ben");

		const now = start();
		for (const id of [...ids, slow.connection.id]) await (await pollerAt(id, now)).ensure(id);
		// The steady state: each calendar was polled before and has not changed since, so each poll is one probe.
		// The template's first poll stores the version; the others get the same row (written here rather than
		// through 198 identical first syncs, which the one Radicale would take half a minute to answer).
		await pollAt(template.connection.id, now - 15 * SECOND);
		const [seen] = await runInDurableObject(calendarPoller(env, template.connection.id), (_instance, state) => state.storage.sql.exec("select * from polled_calendars").toArray());
		if (seen === undefined) throw new Error("the template was not polled");
		for (const [i, row] of rows.entries()) {
			await runInDurableObject(calendarPoller(env, ids[i + 1] ?? ""), (_instance, state) => {
				state.storage.sql.exec("insert into polled_calendars (calendar_id, version, interval_ms, next_at, full_at) values (?, ?, ?, ?, ?)", row.calendar, seen.version, seen.interval_ms, now, seen.full_at);
			});
		}
		// Every request counted; the slow server's held until the test lets it answer.
		const real = globalThis.fetch;
		let release = (): void => undefined;
		const held = new Promise<void>((resolve) => {
			release = resolve;
		});
		let requests = 0;
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			if (url.startsWith(caldavUrl)) requests++;
			if (url.includes(`/${slowAccount.username}/`)) await held;
			return real(input, init);
		});
		let slowDone = false;
		const slowPoll = runDurableObjectAlarm(await pollerAt(slow.connection.id, now)).then((ran) => {
			slowDone = true;
			return ran;
		});
		// Their alarms, eight at a time: the one local Radicale serves eight connections at once (a real
		// deployment's connections are on many servers). The slow one's alarm hangs through all of them.
		for (let i = 0; i < ids.length; i += 8) {
			const wave = ids.slice(i, i + 8);
			expect(await Promise.all(wave.map(async (id) => runDurableObjectAlarm(await pollerAt(id, now))))).toEqual(wave.map(() => true));
		}
		const checked = await Promise.all(ids.map((id) => calendarPoller(env, id).status()));
		expect(checked.filter(([status]) => status?.lastCheckedAt === now && status.failures === 0)).toHaveLength(199);
		expect(slowDone).toBe(false);
		// One probe each, the slow one's still waiting for its answer.
		expect(requests).toBe(200);

		release();
		expect(await slowPoll).toBe(true);
		expect(await calendarPoller(env, slow.connection.id).status()).toMatchObject([{ lastCheckedAt: now, failures: 0 }]);
	}, 120_000);
});

describe("POST /_dev/poll-now (the polling benchmark's trigger)", () => {
	it("polls the connections' calendars at once and counts the checked and changed ones; only with the seed token", async () => {
		const context = inboundContext();
		const account = await radicaleAccount();
		const { connection } = await connectCaldav(context, account);
		const pollNow = async (token: string): Promise<Response> =>
			exports.default.fetch("http://slotline.test/_dev/poll-now", {
				method: "POST",
				headers: { "content-type": "application/json", "x-seed-token": token },
				body: JSON.stringify({ connectionIds: [connection.id] }),
			});
		expect((await pollNow("not-the-token")).status).toBe(404);
		// The first poll has no version to compare with, so it syncs, and finds nothing the connect's sync missed.
		expect(await (await pollNow("test-seed-token")).json()).toEqual({ checked: 1, changed: 0 });
		const requests = countRequests(caldavUrl);
		expect(await (await pollNow("test-seed-token")).json()).toEqual({ checked: 1, changed: 0 });
		expect(requests()).toBe(1);

		const day = workday();
		await putEvent(account, "optician", at(day, "11:00"), at(day, "12:00"));
		expect(await (await pollNow("test-seed-token")).json()).toEqual({ checked: 1, changed: 1 });
		expect(await freeSlots("stf_demo_ana", day)).not.toContain(at(day, "11:00"));
	});
});
