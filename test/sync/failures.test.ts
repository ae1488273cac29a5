// Outbound sync when things go wrong: a revoked grant, a lost write calendar, dead letters, and a
// storm of injected provider failures; in every case nothing is lost and nothing is written twice.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { GOOGLE_BOOKING_PROPERTY } from "../../src/calendars/google";
import { connectionById, pendingCount } from "../../src/db/queries/connections";
import { calendarConnections, connectionCalendars } from "../../src/db/schema";
import { DEMO_OWNER_EMAIL } from "../../src/demo/seed";
import type { CalendarPushJob, Job } from "../../src/jobs";
import { consumeBatch } from "../../src/sync/consumer";
import { chooseCalendars, refreshCalendars } from "../../src/sync/connection-calendars";
import { retryFailed } from "../../src/sync/connection-health";
import { handleCalendarPush } from "../../src/sync/outbound";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
import { weekdayAt } from "../support/demo";
import { control, sandboxUrl } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, connectStaff, db, deliver, liveEvents, outboxJobs, testContext } from "./harness";
import type { TestContext } from "./harness";

beforeEach(() => seedDemo({ owner: { password: null } }));

/** Runs every calendar.push the context's queue holds (what the real queue would deliver). */
async function runQueued(context: TestContext): Promise<string[]> {
	const outcomes: string[] = [];
	for (const job of context.recording.take()) {
		if (job.type === "calendar.push") outcomes.push(await handleCalendarPush(context, job));
	}
	return outcomes;
}

describe("a revoked grant", () => {
	it("puts the connection in Error, emails the owner once, and loses nothing after re-authorisation", async () => {
		const context = testContext();
		const { connection, email, write } = await connectStaff(context, "google");
		await control("/faults", { provider: "google", revokeRefreshTokens: true, scope: { account: email } });
		// The access token is due for a refresh, which now fails with invalid_grant.
		await db.update(calendarConnections).set({ accessTokenExpiresAt: Date.now() - 1 }).where(eq(calendarConnections.id, connection.id));

		await book();
		await book({ start: weekdayAt(2, "11:00") });
		expect(await deliver(context)).toEqual(["waiting", "waiting"]);
		const errored = await connectionById(db, connection.id);
		expect(errored?.status).toBe("error");
		expect(errored?.errorKind).toBe("reauthorize");
		expect(errored?.statusMessage).toContain("Reconnect");
		expect(context.recordingMailer.outbox.filter((m) => m.to === DEMO_OWNER_EMAIL)).toHaveLength(1);
		expect(await pendingCount(db, connection.id)).toEqual({ waiting: 2, failed: 0 });
		expect(await liveEvents("google", write.externalId)).toHaveLength(0);

		// Re-authorising the same account brings the same connection back and drains what waited.
		const again = await connectSandboxAccount(context, { sandboxUrl, provider: "google", email, name: "Test Person", merchantId: "mer_demo", staffId: "stf_demo_ana" });
		expect(again.id).toBe(connection.id);
		expect(again.status).toBe("active");
		expect(await runQueued(context)).toEqual(["written", "written"]);
		expect(await liveEvents("google", write.externalId)).toHaveLength(2);
		expect(await pendingCount(db, connection.id)).toEqual({ waiting: 0, failed: 0 });
	});
});

describe("a lost write calendar", () => {
	it("shows Error naming the calendar, keeps pushes waiting, and drains them into the calendar picked next", async () => {
		const context = testContext();
		const { connection, email, write } = await connectStaff(context, "microsoft");
		// The calendar disappears at the provider: its id no longer resolves (404 on the calendar).
		await db.update(connectionCalendars).set({ externalId: "AAMkAGone=", name: "Work" }).where(eq(connectionCalendars.id, write.id));
		await book();
		expect(await deliver(context)).toEqual(["waiting"]);
		const errored = await connectionById(db, connection.id);
		expect(errored?.errorKind).toBe("calendar-unavailable");
		expect(errored?.statusMessage).toContain('"Work"');

		// A booking made meanwhile waits too instead of being dropped.
		await book({ start: weekdayAt(2, "12:00") });
		expect(await deliver(context)).toEqual(["waiting"]);

		const created = (await control("/calendars", { provider: "microsoft", owner: email, name: "Bookings" })) as { id: string };
		const { rows } = await refreshCalendars(context, errored!);
		const next = rows.find((r) => r.externalId === created.id);
		await chooseCalendars(context, errored!, { writeCalendarId: next!.id, conflictCalendarIds: [next!.id] });
		expect((await connectionById(db, connection.id))?.status).toBe("active");
		expect(await runQueued(context)).toEqual(["written", "written"]);
		expect(await liveEvents("microsoft", created.id)).toHaveLength(2);
	});
});

describe("dead letters", () => {
	it("marks the connection Error, keeps the push, and the admin's retry writes it once", async () => {
		const context = testContext();
		const { connection, write } = await connectStaff(context, "google");
		const [booking] = await book();
		await outboxJobs();
		const job: CalendarPushJob = { type: "calendar.push", bookingId: booking!.id, calendarId: write.id, version: 1 };
		const batch = createMessageBatch<Job>("slotline-provider-push-dlq", [{ id: "m1", timestamp: Date.now(), attempts: 7, body: job }]);
		const ctx = createExecutionContext();
		await consumeBatch(batch as MessageBatch<unknown>, env);
		const result = await getQueueResult(batch, ctx);
		expect(result.explicitAcks).toEqual(["m1"]);
		const errored = await connectionById(db, connection.id);
		expect(errored?.status).toBe("error");
		expect(errored?.errorKind).toBe("push-failed");
		expect(await pendingCount(db, connection.id)).toEqual({ waiting: 0, failed: 1 });

		expect(await retryFailed(context, errored!)).toBe(1);
		expect((await connectionById(db, connection.id))?.status).toBe("active");
		expect(await runQueued(context)).toEqual(["written"]);
		expect(await liveEvents("google", write.externalId)).toHaveLength(1);
	});
});

describe("injected failures", () => {
	it("30% provider errors over 200 bookings (some delivered twice, some created unseen) end with each booking present exactly once", { timeout: 90_000 }, async () => {
		const context = testContext();
		const { email, write } = await connectStaff(context, "google");
		const first = weekdayAt(1, "08:00", 3);
		const bookings: string[] = [];
		for (let i = 0; i < 200; i++) {
			const [b] = await book({ serviceId: "svc_demo_consult", start: first + i * 30 * 60_000, customer: { name: `Customer ${i}`, email: `c${i}@example.com`, phone: null } });
			bookings.push(b!.id);
		}
		await outboxJobs();
		// Ten creates "timed out": they reached Google but their response was lost, so no link exists.
		for (const id of bookings.slice(0, 10)) await handleCalendarPush(context, { type: "calendar.push", bookingId: id, calendarId: write.id, version: 1 });
		await db.run(`delete from event_links where booking_id in (${bookings.slice(0, 10).map((id) => `'${id}'`).join(",")})`);

		// Scoped to this account: other files' inserts neither fail nor draw from the seeded sequence, so exactly
		// this test's inserts see the 50 failures; count retires the fault by itself.
		await control("/faults", { provider: "google", endpoint: "events.insert", status: 503, errorRate: 0.3, seed: 42, count: 50, scope: { account: email } });
		let messages = bookings.flatMap((id, i) => {
			const body: Job = { type: "calendar.push", bookingId: id, calendarId: write.id, version: 1 };
			// Every tenth message is delivered twice.
			return i % 10 === 0 ? [body, body] : [body];
		}).map((body, i) => ({ id: `m${i}`, timestamp: Date.now(), attempts: 1, body }));
		let retried = 0;
		for (let round = 0; messages.length > 0 && round < 10; round++) {
			const batch = createMessageBatch<Job>("slotline-provider-push", messages);
			const ctx = createExecutionContext();
			await consumeBatch(batch as MessageBatch<unknown>, env);
			const result = await getQueueResult(batch, ctx);
			const again = new Set(result.retryMessages.map((r) => r.msgId));
			retried += again.size;
			messages = messages.filter((m) => again.has(m.id)).map((m) => ({ ...m, attempts: m.attempts + 1 }));
		}
		expect(retried).toBe(50);
		expect(messages).toHaveLength(0);

		const events = await liveEvents("google", write.externalId);
		const byBooking = new Map<string, number>();
		for (const event of events) {
			const id = (event.extendedProperties as { private?: Record<string, string> } | undefined)?.private?.[GOOGLE_BOOKING_PROPERTY] ?? "";
			byBooking.set(id, (byBooking.get(id) ?? 0) + 1);
		}
		expect(events).toHaveLength(200);
		expect(bookings.every((id) => byBooking.get(id) === 1)).toBe(true);
	});
});
