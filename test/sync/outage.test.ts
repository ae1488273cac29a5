// Outages longer than the queue's whole retry budget lose nothing. The real consumer runs behind a queue
// that retries and dead-letters as Cloudflare's does (time compressed), first while the mail service
// refuses every send (the sandbox's mail fault), then while D1 is out of reach, which every job but the
// emails needs (their ledger and content are in the merchant's object): those die. Each is kept (the
// dead-letter consumer waits out the D1 outage before it can record), the owner is told, and once the
// service is back the cron queues them again: every customer email goes out exactly once and every
// calendar ends exactly right.
import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { instantOf } from "../../src/calendars/event-time";
import { GOOGLE_BOOKING_PROPERTY } from "../../src/calendars/google";
import { database } from "../../src/db/client";
import { connectionById, pendingCount } from "../../src/db/queries/connections";
import { bookings, deadJobs } from "../../src/db/schema";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import type { Job } from "../../src/jobs";
import { syncContextFor } from "../../src/sync/context";
import { consumeBatch } from "../../src/sync/consumer";
import { runCron } from "../../src/sync/cron";
import { undeliveredUpdates } from "../../src/sync/dead-letters";
import type { OAuthProvider } from "../../src/sync/connection-oauth";
import { D1Outage } from "../faults/outage";
import { SimulatedQueue } from "../faults/queue";
import { weekdayAt } from "../support/demo";
import { control } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, change, connectStaff, db, liveEvents, relayOutboxes, uniqueEmail } from "./harness";
import type { Connected } from "./harness";

beforeEach(() => seedDemo({ owner: { password: null } }));

/** Waits for a state the run reaches by itself (no assertion on how long it takes). */
async function until(condition: () => boolean, what: string): Promise<void> {
	const deadline = Date.now() + 30_000;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

/** The kinds of job kept as dead, sorted. */
async function deadKinds(): Promise<string[]> {
	const rows = await db.select({ job: deadJobs.job }).from(deadJobs).all();
	return rows.map((row) => row.job.type).sort();
}

async function subjectsTo(to: string): Promise<string[]> {
	const { messages } = (await control(`/mail?to=${encodeURIComponent(to)}`)) as { messages: Array<{ subject: string; receivedAt: string }> };
	return messages.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt)).map((m) => m.subject.split(":")[0] ?? "");
}

/** What a staff member's calendar holds, as (booking id, start) pairs, next to what it must hold. */
async function calendarAndBookings(provider: OAuthProvider, calendar: Connected, staffId: string): Promise<{ holds: string[]; should: string[] }> {
	const events = await liveEvents(provider, calendar.write.externalId);
	const holds = events.map((event) => {
		const start = event.start as { dateTime: string; timeZone?: string };
		const booking =
			provider === "google"
				? (event.extendedProperties as { private?: Record<string, string> } | undefined)?.private?.[GOOGLE_BOOKING_PROPERTY]
				: String(event.transactionId ?? "").replace("slotline-", "");
		return `${booking} ${new Date(instantOf(start.dateTime, start.timeZone ?? "UTC")).toISOString()}`;
	});
	const rows = await db.select().from(bookings).where(eq(bookings.staffId, staffId)).orderBy(asc(bookings.startsAt)).all();
	const should = rows.filter((row) => row.status === "confirmed").map((row) => `${row.id} ${new Date(row.startsAt).toISOString()}`);
	return { holds: holds.sort(), should: should.sort() };
}

describe("an outage longer than the retry budget", () => {
	it("of the mail service and then of D1 loses nothing: every email is sent once and every calendar is right", { timeout: 90_000 }, async () => {
		const outage = new D1Outage();
		const queue = new SimulatedQueue({
			consume: (batch) => consumeBatch(batch, faulty),
			batchSize: 10,
			concurrency: 4,
			maxRetries: 6,
			msPerSecond: 2,
			duplicateRate: 0,
			random: Math.random,
		});
		const faulty = outage.env({ ...env, PROVIDER_PUSH: queue as unknown as Queue });
		const context = syncContextFor(faulty, database(faulty.DB));
		const ana = await connectStaff(context, "google", "stf_demo_ana");
		const ben = await connectStaff(context, "microsoft", "stf_demo_ben");
		await queue.idle();
		// The merchant object's own relay (D1 is up for it: what the outage cuts off is the consumer).
		const relay = (): Promise<number> => relayOutboxes(queue as unknown as Queue<Job>);
		const customer = (email: string) => ({ name: "Outage Customer", email, phone: null });
		const email = { a: uniqueEmail("a"), b: uniqueEmail("b"), c: uniqueEmail("c"), d: uniqueEmail("d") };
		const calendarsRight = async (): Promise<void> => {
			for (const [provider, calendar, staffId] of [["google", ana, "stf_demo_ana"], ["microsoft", ben, "stf_demo_ben"]] as const) {
				const { holds, should } = await calendarAndBookings(provider, calendar, staffId);
				expect({ provider, holds }).toEqual({ provider, holds: should });
			}
		};

		// ---- The mail service refuses these customers' emails for longer than the queue retries one.
		for (const to of [email.a, email.b, email.c]) await control("/faults", { provider: "mail", endpoint: "*", status: 503, scope: { account: to } });
		const [a] = await book({ serviceId: "svc_demo_consult", start: weekdayAt(2, "09:00"), customer: customer(email.a) });
		const [b] = await book({ serviceId: "svc_demo_consult", start: weekdayAt(2, "10:00"), customer: customer(email.b) });
		await book({ serviceId: "svc_demo_consult", staffId: "stf_demo_ben", start: weekdayAt(2, "10:00"), customer: customer(email.c) });
		expect(await relay()).toBe(3);
		await queue.idle();
		// Each email died after its last retry and is kept; the owner is told; calendars did not need mail.
		expect(queue.stats.deadLettered).toBe(3);
		expect(await deadKinds()).toEqual(["booking.notify", "booking.notify", "booking.notify"]);
		expect(await undeliveredUpdates(db, DEMO_MERCHANT_ID)).toEqual({ emails: 3, changes: 0 });
		expect(await subjectsTo(email.a)).toEqual([]);
		await calendarsRight();

		for (const to of [email.a, email.b, email.c]) await control(`/faults?account=${encodeURIComponent(to)}`, undefined, "DELETE");
		expect(await runCron(faulty, Date.now())).toMatchObject({ deadJobsRequeued: 3 });
		await queue.idle();
		expect(await deadKinds()).toEqual([]);
		for (const to of [email.a, email.b, email.c]) expect(await subjectsTo(to)).toEqual(["Booking confirmed"]);

		// ---- D1 goes out of reach with jobs of every kind on the queue: the emails and pushes of three
		// changes (the relay fans out in place) and a calendar's resync. The emails need no D1.
		await change.reschedule(a!.id, weekdayAt(2, "11:00"));
		await change.cancel(b!.id);
		queue.pause();
		expect(await relay()).toBe(2);
		await book({ serviceId: "svc_demo_consult", staffId: "stf_demo_ben", start: weekdayAt(2, "11:00"), customer: customer(email.d) });
		expect(await relay()).toBe(1);
		await queue.send({ type: "calendar.sync", calendarId: ana.write.id, reason: "resync" });
		const deadBefore = queue.stats.deadLettered;
		outage.down = true;
		queue.resume();
		// The outage outlasts the retry budget: every one of them runs out of retries while D1 is out.
		await until(() => queue.live === 0, "every job on the queue to die");
		// Dead: the pushes (two to Ana's calendar, one to Ben's) and the resync.
		expect(queue.stats.deadLettered - deadBefore).toBe(4);
		expect(await subjectsTo(email.a)).toEqual(["Booking confirmed", "Booking moved"]);
		expect(await subjectsTo(email.b)).toEqual(["Booking confirmed", "Booking cancelled"]);
		expect(await subjectsTo(email.d)).toEqual(["Booking confirmed"]);
		// None could be recorded: the dead-letter queue keeps them, retrying with backoff.
		expect(await deadKinds()).toEqual([]);
		outage.down = false;
		await queue.idle();
		expect(queue.stats.lost).toBe(0);
		// Kept now: the resync as a dead job, the pushes on their connections.
		expect(await deadKinds()).toEqual(["calendar.sync"]);
		expect(await undeliveredUpdates(db, DEMO_MERCHANT_ID)).toEqual({ emails: 0, changes: 0 });
		expect(await connectionById(db, ana.connection.id)).toMatchObject({ status: "error", errorKind: "push-failed" });
		expect(await pendingCount(db, ana.connection.id)).toEqual({ waiting: 0, failed: 2 });
		expect(await connectionById(db, ben.connection.id)).toMatchObject({ status: "error", errorKind: "push-failed" });
		expect(await pendingCount(db, ben.connection.id)).toEqual({ waiting: 0, failed: 1 });

		// ---- Back: the cron queues every dead job again, and retries Ana's connection.
		expect(await runCron(faulty, Date.now())).toMatchObject({ deadJobsRequeued: 1, connectionsRetried: 2 });
		await queue.idle();
		expect(await deadKinds()).toEqual([]);
		expect(await undeliveredUpdates(db, DEMO_MERCHANT_ID)).toEqual({ emails: 0, changes: 0 });
		expect(await subjectsTo(email.a)).toEqual(["Booking confirmed", "Booking moved"]);
		expect(await subjectsTo(email.b)).toEqual(["Booking confirmed", "Booking cancelled"]);
		expect(await subjectsTo(email.c)).toEqual(["Booking confirmed"]);
		expect(await subjectsTo(email.d)).toEqual(["Booking confirmed"]);
		await calendarsRight();
		for (const calendar of [ana, ben]) {
			expect(await connectionById(db, calendar.connection.id)).toMatchObject({ status: "active" });
			expect(await pendingCount(db, calendar.connection.id)).toEqual({ waiting: 0, failed: 0 });
		}
		expect(queue.stats.crashes).toBe(0);
		expect(outage.refused).toBeGreaterThan(0);
	});
});
