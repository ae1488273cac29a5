// Inbound sync from Microsoft Graph against the sandbox: subscriptions validated by handshake,
// clientState on every notification, delta sync, syncStateNotFound, and lifecycle events.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { connectionById } from "../../src/db/queries/connections";
import { connectionCalendars } from "../../src/db/schema";
import { receiveGraphLifecycle, receiveGraphNotifications } from "../../src/sync/push-microsoft";
import { hashPushSecret } from "../../src/sync/push-secret";
import { at } from "../support/demo";
import { control, sandboxUrl } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import {
	blocksOf,
	calendar,
	connectStaff,
	createExternalEvent,
	db,
	deliveriesDuring,
	freeSlots,
	inboundContext,
	runQueuedSyncs,
	SINK,
	syncJobs,
	workday,
} from "./harness";
import type { InboundTestContext } from "./harness";

beforeEach(() => seedDemo({ owner: { password: null } }));

interface Connected {
	email: string;
	connectionId: string;
	calendarId: string;
	outlookCalendarId: string;
}

async function connected(context: InboundTestContext): Promise<Connected> {
	const { connection, email, write } = await connectStaff(context, "microsoft", "stf_demo_ben");
	expect(syncJobs(context.recording.sent)).toEqual([{ type: "calendar.sync", calendarId: write.id, reason: "connect" }]);
	const [first] = await runQueuedSyncs(context);
	expect(first).toMatchObject({ outcome: "synced", full: true });
	return { email, connectionId: connection.id, calendarId: write.id, outlookCalendarId: write.externalId };
}

async function subscriptionIdOf(calendarId: string): Promise<string> {
	const id = (await calendar(calendarId)).pushChannelId;
	if (id === null) throw new Error("no subscription stored");
	return id;
}

/** Creates an event as the owner and returns the notification bodies it caused. */
async function createAndCatch(outlookCalendarId: string, event: Record<string, unknown>): Promise<unknown[]> {
	const caused = await deliveriesDuring("microsoft", outlookCalendarId, () => createExternalEvent("microsoft", outlookCalendarId, event));
	return caused.filter((d) => d.outcome !== "dropped").map((d) => JSON.parse(d.body) as unknown);
}

async function lifecycle(outlookCalendarId: string, subscriptionId: string, lifecycleEvent: string): Promise<unknown> {
	const [delivery] = await deliveriesDuring("microsoft", outlookCalendarId, async () => {
		const sent = await fetch(`${sandboxUrl}/_control/microsoft/subscriptions/${subscriptionId}/lifecycle`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ lifecycleEvent }),
		});
		expect(sent.status).toBe(202);
	});
	if (delivery === undefined) throw new Error("no lifecycle notification");
	expect(delivery.url).toBe(`${SINK}/webhooks/microsoft/lifecycle`);
	return JSON.parse(delivery.body) as unknown;
}

describe("Graph notifications", () => {
	it("a subscription on connect; a verified notification queues a delta sync that blocks the slot", async () => {
		const context = inboundContext();
		const { calendarId, outlookCalendarId } = await connected(context);
		const subscriptionId = await subscriptionIdOf(calendarId);
		const subscriptions = ((await control("/microsoft/subscriptions")) as { subscriptions: Array<{ id: string; notificationUrl: string; lifecycleNotificationUrl?: string }> }).subscriptions;
		expect(subscriptions.find((s) => s.id === subscriptionId)).toMatchObject({ notificationUrl: `${SINK}/webhooks/microsoft`, lifecycleNotificationUrl: `${SINK}/webhooks/microsoft/lifecycle` });

		const day = workday();
		const slot = at(day, "11:00");
		expect(await freeSlots("stf_demo_ben", day)).toContain(slot);
		const [notification] = await createAndCatch(outlookCalendarId, { summary: "Dentist", start: at(day, "11:00"), end: at(day, "12:00") });

		const verdict = await receiveGraphNotifications(context, notification);
		expect(verdict).toEqual({ kind: "accepted", queued: [{ type: "calendar.sync", calendarId, reason: "push" }] });
		const [report] = await runQueuedSyncs(context);
		expect(report).toMatchObject({ outcome: "synced", full: false, blocks: 1 });
		expect(await freeSlots("stf_demo_ben", day)).not.toContain(slot);

		// The same notification again: a sync that finds nothing new.
		await receiveGraphNotifications(context, notification);
		expect((await runQueuedSyncs(context)).map((r) => r.outcome)).toEqual(["unchanged"]);
		expect(await blocksOf(calendarId)).toHaveLength(1);
	});

	it("a wrong or missing clientState, or an unknown subscription, gets 401 and queues nothing", async () => {
		const context = inboundContext();
		const { calendarId, outlookCalendarId } = await connected(context);
		const day = workday();
		const [notification] = (await createAndCatch(outlookCalendarId, { summary: "x", start: at(day, "15:00"), end: at(day, "16:00") })) as Array<{
			value: Array<Record<string, unknown>>;
		}>;
		const item = notification?.value[0] ?? {};
		for (const forged of [{ ...item, clientState: "guess" }, { ...item, clientState: undefined }, { ...item, subscriptionId: crypto.randomUUID() }]) {
			expect(await receiveGraphNotifications(context, { value: [forged] })).toEqual({ kind: "forged" });
			expect(await receiveGraphLifecycle(context, { value: [forged] })).toEqual({ kind: "forged" });
		}
		expect(context.recording.sent).toEqual([]);
		expect(await blocksOf(calendarId)).toEqual([]);
		expect(await receiveGraphNotifications(context, { nothing: true })).toEqual({ kind: "malformed" });
	});

	it("one POST naming more calendars than a queue batch holds queues a sync for each", async () => {
		const context = inboundContext();
		const { connectionId } = await connected(context);
		context.recording.take();
		// Graph may put many subscriptions' notifications in one POST: here 120 calendars of one mailbox.
		const calendars = await Promise.all(
			Array.from({ length: 120 }, async (_, i) => ({ id: `cal_many_${i}`, subscriptionId: `sub-many-${i}`, clientState: `state-many-${i}`, hash: await hashPushSecret(`state-many-${i}`) })),
		);
		// A row at a time: D1 binds at most 100 parameters per statement.
		for (const c of calendars) {
			await db.insert(connectionCalendars).values({ id: c.id, connectionId, externalId: `outlook-${c.id}`, name: c.id, checkConflicts: true, pushChannelId: c.subscriptionId, pushSecretHash: c.hash });
		}
		const verdict = await receiveGraphNotifications(context, { value: calendars.map((c) => ({ subscriptionId: c.subscriptionId, clientState: c.clientState, changeType: "updated" })) });
		const expected = calendars.map((c) => ({ type: "calendar.sync", calendarId: c.id, reason: "push" }));
		expect(verdict).toEqual({ kind: "accepted", queued: expected });
		expect(context.recording.sent).toEqual(expected);
	});

	it("syncStateNotFound on the delta link: a full resync of the window", async () => {
		const context = inboundContext();
		const { calendarId, outlookCalendarId, connectionId } = await connected(context);
		const day = workday();
		await createAndCatch(outlookCalendarId, { summary: "y", start: at(day, "10:00"), end: at(day, "10:30") });
		const garbage = `${Date.now()}:${env.MICROSOFT_GRAPH_API}/me/calendars/${encodeURIComponent(outlookCalendarId)}/calendarView/delta?$deltatoken=garbage`;
		await env.DB.prepare("update connection_calendars set sync_cursor = ? where id = ?").bind(garbage, calendarId).run();
		context.recording.take();
		await context.queue.send({ type: "calendar.sync", calendarId, reason: "push" });
		const [report] = await runQueuedSyncs(context);
		expect(report).toMatchObject({ outcome: "synced", full: true, blocks: 1 });
		const log = await env.DB.prepare("select message from connection_log where connection_id = ? and outcome = 'retry'").bind(connectionId).all<{ message: string }>();
		expect(log.results.some((r) => /syncStateNotFound/i.test(r.message))).toBe(true);
	});
});

describe("Graph lifecycle notifications", () => {
	it("missed: a full resync finds the change whose notification was lost", async () => {
		const context = inboundContext();
		const { calendarId, outlookCalendarId } = await connected(context);
		// Only this calendar's notifications are dropped, and only this scope is cleared afterwards: a global drop (or a
		// global DELETE) would reach the other files pushing through the same sandbox.
		const scope = { calendarId: outlookCalendarId };
		await control("/faults", { provider: "microsoft", dropNotifications: 1, scope });
		const day = workday();
		expect(await createAndCatch(outlookCalendarId, { summary: "lost", start: at(day, "13:00"), end: at(day, "14:00") })).toEqual([]);
		await control(`/faults?calendarId=${encodeURIComponent(outlookCalendarId)}`, undefined, "DELETE");
		expect(await blocksOf(calendarId)).toEqual([]);

		const body = await lifecycle(outlookCalendarId, await subscriptionIdOf(calendarId), "missed");
		expect(await receiveGraphLifecycle(context, body)).toEqual({ kind: "accepted", queued: [{ type: "calendar.sync", calendarId, reason: "resync" }] });
		const [report] = await runQueuedSyncs(context);
		expect(report).toMatchObject({ outcome: "synced", full: true, blocks: 1 });
	});

	it("subscriptionRemoved: a new subscription and a resync", async () => {
		const context = inboundContext();
		const { calendarId, outlookCalendarId } = await connected(context);
		const old = await subscriptionIdOf(calendarId);
		const body = await lifecycle(outlookCalendarId, old, "subscriptionRemoved");
		expect(await receiveGraphLifecycle(context, body)).toEqual({ kind: "accepted", queued: [{ type: "calendar.sync", calendarId, reason: "resync" }] });
		const [report] = await runQueuedSyncs(context);
		expect(report).toMatchObject({ outcome: "synced", full: true });
		const renewed = await subscriptionIdOf(calendarId);
		expect(renewed).not.toBe(old);
		const subscriptions = ((await control("/microsoft/subscriptions")) as { subscriptions: Array<{ id: string }> }).subscriptions.map((s) => s.id);
		expect(subscriptions).toContain(renewed);
		expect(subscriptions).not.toContain(old);
	});

	it("reauthorizationRequired: the subscription is renewed; when access is gone the connection goes to Error", async () => {
		const context = inboundContext();
		const { calendarId, connectionId, email, outlookCalendarId } = await connected(context);
		const subscriptionId = await subscriptionIdOf(calendarId);
		const before = (await calendar(calendarId)).pushExpiresAt ?? 0;
		const body = await lifecycle(outlookCalendarId, subscriptionId, "reauthorizationRequired");
		expect(await receiveGraphLifecycle(context, body)).toEqual({ kind: "accepted", queued: [{ type: "calendar.sync", calendarId, reason: "push" }] });
		await runQueuedSyncs(context);
		const after = await calendar(calendarId);
		expect(after.pushChannelId).toBe(subscriptionId);
		expect(after.pushExpiresAt ?? 0).toBeGreaterThan(Date.now() + 24 * 3600_000);
		expect(after.pushExpiresAt ?? 0).toBeGreaterThanOrEqual(before);

		// This account's tokens only: expiring every Microsoft token would send other files' syncs through a refresh.
		await control("/faults", { provider: "microsoft", revokeRefreshTokens: true, scope: { account: email } });
		await control("/faults", { provider: "microsoft", expireAccessTokens: true, scope: { account: email } });
		const again = await lifecycle(outlookCalendarId, subscriptionId, "reauthorizationRequired");
		await receiveGraphLifecycle(context, again);
		expect((await runQueuedSyncs(context)).map((r) => r.outcome)).toEqual(["revoked"]);
		const connection = await connectionById(db, connectionId);
		expect(connection).toMatchObject({ status: "error", errorKind: "reauthorize" });
	});
});
