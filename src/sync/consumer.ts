// The provider-push queue consumer: validates each message, runs its job, and decides between
// ack, retry with backoff, and giving up (after max_retries the queue moves it to the DLQ, whose
// consumer keeps it in D1 for the cron: see dead-letters.ts).
import { database } from "../db/client";
import type { Database } from "../db/client";
import { changeTargets } from "../db/queries/event-links";
import { notifyCustomer } from "../booking/notify";
import { jobQueue, jobSchema, sendJobs } from "../jobs";
import type { BookingChangedJob, Job } from "../jobs";
import { errorFields, logLine } from "../log";
import { mailerFor } from "../mail/mailer";
import { notifyMeetingLink } from "../meetings/meeting-notify";
import { handleMeetingPush } from "../meetings/zoom-meetings";
import { syncContextFor } from "./context";
import { forgetDeadJobs, recordDeadJob } from "./dead-letters";
import { runCalendarSync } from "./inbound";
import { changeMessages } from "./fan-out";
import { handleCalendarPush } from "./outbound";
import { retryDelaySeconds } from "./retry";

export interface JobContext {
	env: Env;
	db: Database;
}

/**
 * A queued booking.changed (the migration command's, or a dead one queued again; the outbox relay fans
 * out in place) fans out into independently retried side effects: see src/sync/fan-out.ts.
 */
async function fanOut(context: JobContext, job: BookingChangedJob): Promise<void> {
	await sendJobs(jobQueue(context.env), changeMessages(job, await changeTargets(context.db, job.bookingId)));
}

async function runJob(context: JobContext, job: Job): Promise<void> {
	switch (job.type) {
		case "booking.changed":
			return fanOut(context, job);
		case "booking.notify":
			// The job's own clock: the email's claim is a lease measured from it.
			await notifyCustomer(context.env, mailerFor(context.env), { appUrl: context.env.APP_URL, sessionSecret: context.env.SESSION_SECRET, mailFrom: context.env.MAIL_FROM, now: Date.now() }, job);
			return;
		case "calendar.push":
			await handleCalendarPush(syncContextFor(context.env, context.db), job);
			return;
		case "calendar.sync":
			await runCalendarSync(syncContextFor(context.env, context.db), job);
			return;
		case "meeting.push":
			await handleMeetingPush(syncContextFor(context.env, context.db), job);
			return;
		case "meeting.notify":
			await notifyMeetingLink(context.env, context.db, mailerFor(context.env), { appUrl: context.env.APP_URL, sessionSecret: context.env.SESSION_SECRET, mailFrom: context.env.MAIL_FROM, now: Date.now() }, job);
			return;
	}
}

/**
 * Messages that exhausted their retries, each kept in D1 until a later run of it succeeds (a dead
 * calendar.push also puts its connection in Error). Logged with ids only: messages carry no credentials.
 */
async function recordDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const db = database(env.DB);
	for (const message of batch.messages) {
		const parsed = jobSchema.safeParse(message.body);
		try {
			if (parsed.success) await recordDeadJob(syncContextFor(env, db), parsed.data);
			logLine("error", "job dead-lettered", { id: message.id, job: parsed.success ? parsed.data : "malformed" });
			message.ack();
		} catch (error) {
			// Recording failed: what killed the job (D1 down, say) may still be going on, so wait it out
			// with backoff (wrangler.toml gives the DLQ hours of retries) rather than spend them at once.
			const delaySeconds = retryDelaySeconds(error, message.attempts);
			logLine("error", "dead letter not recorded", { id: message.id, attempt: message.attempts, retryIn: delaySeconds, error: errorFields(error) });
			message.retry({ delaySeconds });
		}
	}
}

export async function consumeBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	if (batch.queue.endsWith("-dlq")) return recordDeadLetters(batch, env);
	const context: JobContext = { env, db: database(env.DB) };
	const done: Job[] = [];
	for (const message of batch.messages) {
		const parsed = jobSchema.safeParse(message.body);
		if (!parsed.success) {
			// A malformed message can never succeed: drop it loudly rather than retry it forever.
			logLine("error", "dropping malformed job", { queue: batch.queue, id: message.id });
			message.ack();
			continue;
		}
		try {
			await runJob(context, parsed.data);
			message.ack();
			done.push(parsed.data);
		} catch (error) {
			const delaySeconds = retryDelaySeconds(error, message.attempts);
			// Which job (ids only) and the error's typed fields, never its message: see src/log.ts.
			logLine("warn", "job failed", { id: message.id, job: parsed.data, attempt: message.attempts, retryIn: delaySeconds, error: errorFields(error) });
			message.retry({ delaySeconds });
		}
	}
	try {
		await forgetDeadJobs(context.db, done);
	} catch (error) {
		// The jobs did run: a row left behind is only queued once more by the cron, and finds nothing to do.
		logLine("warn", "dead jobs not forgotten", { error: errorFields(error) });
	}
}
