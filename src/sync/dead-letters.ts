// Jobs that exhausted their queue retries, kept so that nothing committed is lost. A calendar.push is
// kept by its connection (a failed pending push, the connection in Error, retried on the connection's
// backoff); a calendar sync is logged on its connection, and redone by the cron's own sync of every
// checked calendar; every other job is kept in dead_jobs, queued again by the cron with backoff until a
// run of it succeeds, and shown to the merchant's owners meanwhile (a dead meeting.push also leaves its
// meeting's row pending or failed with the last error, which the admin sees as "link pending").
import { asc, count, eq, inArray, lte, sql } from "drizzle-orm";
import { isForeignKeyViolation } from "../booking/sqlite-errors";
import type { Database } from "../db/client";
import { addPending, calendarById, connectionById, logOperation } from "../db/queries/connections";
import { deadJobs } from "../db/schema";
import { sendJobs } from "../jobs";
import type { CalendarPushJob, Job } from "../jobs";
import { pushesFailed } from "./connection-health";
import type { SyncContext } from "./context";
import { retryBackoffMs } from "./maintenance";

/** Dead jobs queued again per cron run: one queue sendBatch holds at most 100 messages. */
const REQUEUES_PER_RUN = 100;

type KeptJob = Exclude<Job, CalendarPushJob>;

/** What a job is about: its duplicates, and the same job dying again after a requeue, share one row. */
function jobKey(job: KeptJob): string {
	switch (job.type) {
		case "booking.changed":
		case "booking.notify":
			return `${job.type}:${job.bookingId}:${job.version}`;
		case "calendar.sync":
			return `${job.type}:${job.calendarId}:${job.reason}`;
		// A meeting push applies whatever the booking is by then, so one row per booking, whatever its version.
		case "meeting.push":
			return `${job.type}:${job.bookingId}`;
		case "meeting.notify":
			return `${job.type}:${job.meetingId}`;
	}
}

export async function recordDeadPush(context: SyncContext, job: CalendarPushJob): Promise<void> {
	const calendar = await calendarById(context.db, job.calendarId);
	if (calendar === null) return;
	const connection = await connectionById(context.db, calendar.connectionId);
	if (connection === null || connection.status === "disconnected") return;
	const message = `booking ${job.bookingId} gave up after repeated failures`;
	// It failed only because it kept meeting transient errors: a later retry may well succeed.
	await addPending(context.db, connection.id, job.bookingId, { state: "failed", retryable: true }, message);
	await logOperation(context.db, connection.id, "write-event", "error", message, context.now());
	await pushesFailed(context, connection, message);
}

/** Keeps a job that ran out of retries, for the cron to do again (see requeueDeadJobs). */
export async function recordDeadJob(context: SyncContext, job: Job): Promise<void> {
	if (job.type === "calendar.push") return recordDeadPush(context, job);
	const now = context.now();
	if (job.type === "calendar.sync") {
		const calendar = await calendarById(context.db, job.calendarId);
		if (calendar !== null) await logOperation(context.db, calendar.connectionId, "sync", "error", `${calendar.name}: gave up after repeated failures; tried again automatically`, now);
		// The cron syncs every checked calendar anyway, from its cursor (in full without one); only a
		// full resync that was asked for is more than that.
		if (job.reason !== "resync") return;
	}
	try {
		await context.db
			.insert(deadJobs)
			.values({ key: jobKey(job), merchantId: job.type === "calendar.sync" ? null : job.merchantId, job, diedAt: now, nextAttemptAt: now })
			// Died again after a requeue: its backoff stays as the cron set it.
			.onConflictDoUpdate({ target: deadJobs.key, set: { diedAt: now } });
	} catch (error) {
		// The merchant is gone, and with it everything the job was about.
		if (isForeignKeyViolation(error)) return;
		throw error;
	}
}

/** Queues due dead jobs again, each on its own backoff (5 minutes, 10, … 6 hours); returns how many. */
export async function requeueDeadJobs(context: SyncContext): Promise<number> {
	const now = context.now();
	const due = await context.db.select().from(deadJobs).where(lte(deadJobs.nextAttemptAt, now)).orderBy(asc(deadJobs.nextAttemptAt)).limit(REQUEUES_PER_RUN).all();
	if (due.length === 0) return 0;
	// Sent before the rows move on, so a queue that refuses leaves them due for the next run.
	await sendJobs(context.queue, due.map((row) => ({ ...row.job, requeued: true })));
	const byAttempts = new Map<number, string[]>();
	for (const row of due) byAttempts.set(row.attempts, [...(byAttempts.get(row.attempts) ?? []), row.key]);
	for (const [attempts, keys] of byAttempts) {
		await context.db
			.update(deadJobs)
			.set({ attempts: attempts + 1, nextAttemptAt: now + retryBackoffMs(attempts) })
			.where(inArray(deadJobs.key, keys));
	}
	return due.length;
}

/** Forgets the dead rows of requeued jobs that have now run to completion (others have none). */
export async function forgetDeadJobs(db: Database, done: Job[]): Promise<void> {
	const keys = done.filter((job): job is KeptJob => job.type !== "calendar.push" && job.requeued === true).map(jobKey);
	if (keys.length > 0) await db.delete(deadJobs).where(inArray(deadJobs.key, keys));
}

export interface UndeliveredUpdates {
	/** Customer emails that have not gone out. */
	emails: number;
	/** Booking changes not yet passed on at all (neither the email nor the calendar writes). */
	changes: number;
}

/** What a merchant's owners are told is still waiting to go out. */
export async function undeliveredUpdates(db: Database, merchantId: string): Promise<UndeliveredUpdates> {
	const kind = sql<string>`json_extract(${deadJobs.job}, '$.type')`;
	const rows = await db.select({ kind, n: count() }).from(deadJobs).where(eq(deadJobs.merchantId, merchantId)).groupBy(kind).all();
	const of = (type: Job["type"]): number => rows.find((row) => row.kind === type)?.n ?? 0;
	return { emails: of("booking.notify"), changes: of("booking.changed") };
}
