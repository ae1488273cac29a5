// Connection lifecycle edges: the same write calendar picked again once restored, a conflict calendar
// that disappears, bookings cancelled while disconnected, concurrent channel renewals, a disconnect racing
// the first sync, hopeless 4xx pushes, disconnect stopping channels and subscriptions, the trimmed log.
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { calendarsOf, connectionById, LOG_LIMIT, logOf, logOperation, pendingCount } from "../../src/db/queries/connections";
import { connectionCalendars } from "../../src/db/schema";
import { DEMO_OWNER_EMAIL } from "../../src/demo/seed";
import { chooseCalendars, refreshCalendars } from "../../src/sync/connection-calendars";
import { disconnect } from "../../src/sync/connection-lifecycle";
import { adapterFor } from "../../src/sync/context";
import { runCalendarSync } from "../../src/sync/inbound";
import { ensurePush } from "../../src/sync/push-channels";
import { handleCalendarPush } from "../../src/sync/outbound";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
import { PASSWORD, harness, signIn } from "../auth/harness";
import { blocksOf, calendar, createExternalEvent, freeSlots, inboundContext, runQueuedSyncs, workday } from "../inbound/harness";
import type { InboundTestContext } from "../inbound/harness";
import { at } from "../support/demo";
import { control, sandboxUrl } from "../support/sandbox-control";
import { book, change, connectStaff, db, deliver, liveEvents } from "./harness";
import type { TestContext } from "./harness";
import { seedDemo } from "../support/seed";

beforeEach(async () => {
	await seedDemo({ owner: { password: PASSWORD } });
});
afterEach(() => {
	vi.restoreAllMocks();
});

async function runPushes(context: TestContext): Promise<string[]> {
	const outcomes: string[] = [];
	for (const job of context.recording.take()) if (job.type === "calendar.push") outcomes.push(await handleCalendarPush(context, job));
	return outcomes;
}

async function integrationsPage(): Promise<string> {
	const h = harness();
	const browser = h.browser();
	expect((await signIn(h, browser, DEMO_OWNER_EMAIL)).status).toBe(200);
	return (await h.request("/admin/integrations", { browser })).text();
}

/** Runs `action` once, just before the first request matching `matches` is answered (after the provider acted on it). */
function beforeAnswer(matches: (request: Request) => boolean, action: () => Promise<void>): void {
	const real = globalThis.fetch;
	let done = false;
	vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
		const request = new Request(input, init);
		const response = await real(request.clone());
		if (!done && matches(request)) {
			done = true;
			await action();
		}
		return response;
	});
}

describe("a write calendar lost and restored", () => {
	it("picking the same calendar again clears the Error and sends what waited; the page offers Retry for waiting pushes", async () => {
		const context = inboundContext();
		const { connection, write } = await connectStaff(context, "microsoft");
		context.recording.take();
		// The calendar disappears (404) while bookings are made.
		await db.update(connectionCalendars).set({ externalId: "AAMkAGone=" }).where(eq(connectionCalendars.id, write.id));
		await book();
		expect(await deliver(context)).toEqual(["waiting"]);
		expect(await connectionById(db, connection.id)).toMatchObject({ status: "error", errorKind: "calendar-unavailable" });
		expect(await integrationsPage()).toContain("Retry 1 unsent booking");

		// It comes back (restored from the bin), and the person picks it again.
		await db.update(connectionCalendars).set({ externalId: write.externalId }).where(eq(connectionCalendars.id, write.id));
		await chooseCalendars(context, (await connectionById(db, connection.id))!, { writeCalendarId: write.id, conflictCalendarIds: [write.id] });
		expect((await connectionById(db, connection.id))?.status).toBe("active");
		expect(await runPushes(context)).toEqual(["written"]);
		expect(await pendingCount(db, connection.id)).toEqual({ waiting: 0, failed: 0 });
		expect(await liveEvents("microsoft", write.externalId)).toHaveLength(1);
	});
});

describe("a conflict calendar that disappears", () => {
	it("stops blocking time, is shown as unavailable, and blocks again once it is back", async () => {
		const context = inboundContext();
		const { connection, email, write } = await connectStaff(context, "google");
		await runQueuedSyncs(context);
		const day = workday();
		await createExternalEvent("google", email, { summary: "Private", start: at(day, "10:00"), end: at(day, "11:00") });
		await runCalendarSync(context, { type: "calendar.sync", calendarId: write.id, reason: "cron" });
		expect(await blocksOf(write.id)).toHaveLength(1);
		expect(await freeSlots("stf_demo_ana", day)).not.toContain(at(day, "10:00"));

		// Deleted or unshared: the provider answers 404 for it.
		await db.update(connectionCalendars).set({ externalId: "deleted@example.test" }).where(eq(connectionCalendars.id, write.id));
		expect((await runCalendarSync(context, { type: "calendar.sync", calendarId: write.id, reason: "cron" })).outcome).toBe("unavailable");
		expect(await blocksOf(write.id)).toEqual([]);
		expect(await freeSlots("stf_demo_ana", day)).toContain(at(day, "10:00"));
		expect((await calendar(write.id)).unavailableSince).not.toBeNull();
		// Polled again, it stays quiet: one log line, not one per poll.
		await runCalendarSync(context, { type: "calendar.sync", calendarId: write.id, reason: "cron" });
		expect((await logOf(db, connection.id)).filter((l) => l.operation === "calendar-unavailable")).toHaveLength(1);
		expect(await integrationsPage()).toContain("was deleted or unshared, so it no longer blocks time");

		// Back again: the next poll restores its blocks.
		await db.update(connectionCalendars).set({ externalId: email }).where(eq(connectionCalendars.id, write.id));
		expect((await runCalendarSync(context, { type: "calendar.sync", calendarId: write.id, reason: "cron" })).outcome).toBe("synced");
		expect(await blocksOf(write.id)).toHaveLength(1);
		expect((await calendar(write.id)).unavailableSince).toBeNull();
	});

	it("a calendar gone from the account's list loses its blocks when the list is read", async () => {
		const context = inboundContext();
		const { connection, email } = await connectStaff(context, "google");
		const holidays = (await control("/calendars", { provider: "google", owner: email, name: "Holidays" })) as { id: string };
		const { rows } = await refreshCalendars(context, connection);
		const extra = rows.find((r) => r.externalId === holidays.id)!;
		expect(extra.readable).toBe(true);
		await chooseCalendars(context, connection, { writeCalendarId: rows.find((r) => r.isWriteTarget)!.id, conflictCalendarIds: rows.map((r) => r.id) });
		const day = workday();
		await createExternalEvent("google", holidays.id, { summary: "Away", start: at(day, "14:00"), end: at(day, "15:00") });
		await runCalendarSync(context, { type: "calendar.sync", calendarId: extra.id, reason: "cron" });
		expect(await blocksOf(extra.id)).toHaveLength(1);

		// The account no longer lists it (its row now names a calendar the account does not have).
		await db.update(connectionCalendars).set({ externalId: "removed-calendar@example.test" }).where(eq(connectionCalendars.id, extra.id));
		await refreshCalendars(context, connection);
		expect(await blocksOf(extra.id)).toEqual([]);
		expect((await calendar(extra.id)).unavailableSince).not.toBeNull();
	});
});

describe("calendars the person does not own", () => {
	it("are listed but cannot be checked for conflicts (calendar.events.owned cannot read them), and the page says why", async () => {
		const context = inboundContext();
		const { connection, email, write } = await connectStaff(context, "google");
		await control("/calendars", { provider: "google", owner: `boss-${crypto.randomUUID().slice(0, 6)}@example.test`, name: "Team rota", shareWith: [{ email, role: "writer" }] });
		const { rows } = await refreshCalendars(context, connection);
		const shared = rows.find((r) => r.name === "Team rota")!;
		expect(shared).toMatchObject({ readable: false, writable: true });
		await expect(chooseCalendars(context, connection, { writeCalendarId: write.id, conflictCalendarIds: [write.id, shared.id] })).rejects.toMatchObject({ status: 422, code: "calendar-not-readable" });
		const page = await integrationsPage();
		expect(page).toMatch(new RegExp(`value="${shared.id}" disabled=""`));
		expect(page).toContain("Greyed-out calendars belong to someone else");
	});
});

describe("bookings cancelled while disconnected", () => {
	it("have their events deleted when the account is connected again", async () => {
		const context = inboundContext();
		const { connection, email, write } = await connectStaff(context, "google");
		const [kept] = await book();
		const [cancelled] = await book({ start: Date.parse(at(workday(), "14:00")) });
		expect(await deliver(context)).toEqual(["written", "written"]);
		await disconnect(context, connection);
		await change.cancel(cancelled!.id);
		// Nothing can be written while disconnected.
		expect(await deliver(context)).toEqual(["skipped"]);
		expect(await liveEvents("google", write.externalId)).toHaveLength(2);

		context.recording.take();
		await connectSandboxAccount(context, { sandboxUrl, provider: "google", email, name: "Test Person", merchantId: "mer_demo", staffId: "stf_demo_ana" });
		await runPushes(context);
		const live = await liveEvents("google", write.externalId);
		expect(live).toHaveLength(1);
		expect((live[0]?.extendedProperties as { private: Record<string, string> }).private.slotlineBookingId).toBe(kept!.id);
	});
});

describe("push channels under concurrency", () => {
	it("two syncs opening a channel at once leave exactly one channel at Google, the stored one", async () => {
		const context = inboundContext();
		const { connection, write } = await connectStaff(context, "google");
		context.recording.take();
		const row = await calendar(write.id);
		expect(row.pushChannelId).toBeNull();
		const [a, b] = await Promise.all([adapterFor(context, connection), adapterFor(context, connection)]);
		const states = await Promise.all([ensurePush(context, a!, row), ensurePush(context, b!, row)]);
		expect(states.sort()).toEqual(["opened", "raced"]);
		const stored = await calendar(write.id);
		const channels = ((await control("/google/channels")) as { channels: Array<{ id: string; calendarId: string }> }).channels.filter((c) => c.calendarId === write.externalId);
		expect(channels.map((c) => c.id)).toEqual([stored.pushChannelId]);

		// The same for two renewals of the stored channel.
		await db.update(connectionCalendars).set({ pushExpiresAt: Date.now() + 60_000 }).where(eq(connectionCalendars.id, write.id));
		const due = await calendar(write.id);
		const renewals = await Promise.all([ensurePush(context, a!, due), ensurePush(context, b!, due)]);
		expect(renewals.sort()).toEqual(["raced", "renewed"]);
		const after = await calendar(write.id);
		const left = ((await control("/google/channels")) as { channels: Array<{ id: string; calendarId: string }> }).channels.filter((c) => c.calendarId === write.externalId);
		expect(left.map((c) => c.id)).toEqual([after.pushChannelId]);
		expect(after.pushChannelId).not.toBe(stored.pushChannelId);
	});
});

describe("a disconnect during the first sync", () => {
	it("keeps the blocks that sync read from being stored after the disconnect", async () => {
		const context = inboundContext();
		const { connection, email, write } = await connectStaff(context, "google");
		context.recording.take();
		const day = workday();
		await createExternalEvent("google", email, { summary: "Busy", start: at(day, "10:00"), end: at(day, "11:00") });
		// The full sync has read the events when the person disconnects.
		beforeAnswer((r) => r.method === "GET" && r.url.includes("/events?"), () => disconnect(context, connection));
		const report = await runCalendarSync(context, { type: "calendar.sync", calendarId: write.id, reason: "connect" });
		expect(report.outcome).toBe("raced");
		expect(await blocksOf(write.id)).toEqual([]);
		expect(await freeSlots("stf_demo_ana", day)).toContain(at(day, "10:00"));
		expect((await calendar(write.id)).syncCursor).toBeNull();
	});

	it("stops the channel that sync opened instead of storing it after the disconnect", async () => {
		const context = inboundContext();
		const { connection, write } = await connectStaff(context, "google");
		context.recording.take();
		// Google has opened the channel, but the disconnect lands before Slotline stores it.
		beforeAnswer((r) => r.method === "POST" && r.url.endsWith("/events/watch"), () => disconnect(context, connection));
		await runCalendarSync(context, { type: "calendar.sync", calendarId: write.id, reason: "connect" });
		const row = await calendar(write.id);
		expect(row.pushChannelId).toBeNull();
		const channels = ((await control("/google/channels")) as { channels: Array<{ calendarId: string }> }).channels.filter((c) => c.calendarId === write.externalId);
		expect(channels).toEqual([]);
		expect(await blocksOf(write.id)).toEqual([]);
	});
});

describe("failures and housekeeping", () => {
	it("a 4xx that cannot succeed is kept as a failed push and named in the connection's log", async () => {
		const context = inboundContext();
		const { connection } = await connectStaff(context, "google");
		const real = globalThis.fetch;
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const request = new Request(input, init);
			if (request.method === "POST" && /\/calendars\/[^/]+\/events$/.test(new URL(request.url).pathname)) {
				return Response.json({ error: { code: 400, message: "Bad Request", errors: [{ reason: "badRequest" }] } }, { status: 400 });
			}
			return real(request);
		});
		const [booking] = await book();
		expect(await deliver(context)).toEqual(["failed"]);
		expect(await pendingCount(db, connection.id)).toEqual({ waiting: 0, failed: 1 });
		const line = (await logOf(db, connection.id)).find((l) => l.operation === "write-event" && l.outcome === "error");
		expect(line?.message).toContain("google 400 badRequest");
		// Not a connection failure: it stays Active, and the booking is not lost.
		expect((await connectionById(db, connection.id))?.status).toBe("active");
		expect(booking?.status).toBe("confirmed");
	});

	it("disconnecting stops the Google channels and Graph subscriptions at the providers", async () => {
		const context = inboundContext();
		const google = await connectStaff(context, "google");
		const microsoft = await connectStaff(context, "microsoft", "stf_demo_ben");
		await runQueuedSyncs(context);
		const channel = (await calendar(google.write.id)).pushChannelId;
		const subscription = (await calendar(microsoft.write.id)).pushChannelId;
		expect(channel).not.toBeNull();
		expect(subscription).not.toBeNull();
		await disconnect(context, google.connection);
		await disconnect(context, microsoft.connection);
		const channels = ((await control("/google/channels")) as { channels: Array<{ id: string }> }).channels.map((c) => c.id);
		const subscriptions = ((await control("/microsoft/subscriptions")) as { subscriptions: Array<{ id: string }> }).subscriptions.map((s) => s.id);
		expect(channels).not.toContain(channel);
		expect(subscriptions).not.toContain(subscription);
		expect((await logOf(db, google.connection.id)).some((l) => l.operation === "stop-push")).toBe(false);
	});

	it("the connection's log keeps only its last 100 operations", async () => {
		const context = inboundContext();
		const { connection } = await connectStaff(context, "google");
		for (let i = 0; i < LOG_LIMIT + 30; i++) await logOperation(db, connection.id, "test", "ok", `operation ${i}`, Date.now());
		const log = await logOf(db, connection.id);
		expect(log).toHaveLength(LOG_LIMIT);
		expect(log[0]?.message).toBe(`operation ${LOG_LIMIT + 29}`);
		expect(log.at(-1)?.message).toBe("operation 30");
		const stored = await db.select().from(connectionCalendars).where(eq(connectionCalendars.connectionId, connection.id)).all();
		expect(stored.length).toBeGreaterThan(0);
		expect((await calendarsOf(db, connection.id)).length).toBe(stored.length);
	});
});

export type { InboundTestContext };
