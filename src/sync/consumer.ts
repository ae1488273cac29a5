// The provider-push queue consumer: validates each message, runs its job, and decides between
// ack, retry with backoff, and giving up (after max_retries the queue moves it to the DLQ).
import { database } from "../db/client";
import type { Database } from "../db/client";
import { notifyCustomer } from "../booking/notify";
import { jobQueue, jobSchema } from "../jobs";
import type { BookingChangedJob, Job } from "../jobs";
import { errorFields, logLine } from "../log";
import { mailerFor } from "../mail/mailer";
import { syncContextFor } from "./connections";
import { recordDeadPush } from "./dead-letters";
import { runCalendarSync } from "./inbound";
import { handleCalendarPush, pushJobsFor } from "./outbound";
import { retryDelaySeconds } from "./retry";

export interface JobContext {
	env: Env;
	db: Database;
	now: number;
}

/** booking.changed fans out into independently retried side effects: the customer's email and one push per calendar. */
async function fanOut(context: JobContext, job: BookingChangedJob): Promise<void> {
	const { type: _type, ...change } = job;
	const pushes = await pushJobsFor(context, job);
	const messages: Array<MessageSendRequest<Job>> = [{ body: { type: "booking.notify", ...change }, contentType: "json" }];
	for (const push of pushes) messages.push({ body: push, contentType: "json" });
	await jobQueue(context.env).sendBatch(messages);
}

async function runJob(context: JobContext, job: Job): Promise<void> {
	switch (job.type) {
		case "booking.changed":
			return fanOut(context, job);
		case "booking.notify":
			await notifyCustomer(context.db, mailerFor(context.env), { appUrl: context.env.APP_URL, sessionSecret: context.env.SESSION_SECRET, mailFrom: context.env.MAIL_FROM, now: context.now }, job);
			return;
		case "calendar.push":
			await handleCalendarPush(syncContextFor(context.env, context.db), job);
			return;
		case "calendar.sync":
			await runCalendarSync(syncContextFor(context.env, context.db), job);
			return;
	}
}

/**
 * Messages that exhausted their retries. They are logged (ids only: messages carry no credentials); a
 * dead calendar.push also puts its connection in Error and is kept for the admin's retry.
 */
async function recordDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	const db = database(env.DB);
	for (const message of batch.messages) {
		const parsed = jobSchema.safeParse(message.body);
		logLine("error", "job dead-lettered", { id: message.id, job: parsed.success ? parsed.data : "malformed" });
		try {
			if (parsed.success && parsed.data.type === "calendar.push") await recordDeadPush(syncContextFor(env, db), parsed.data);
			message.ack();
		} catch (error) {
			// Recording failed (D1 down): let the DLQ deliver it again rather than lose it.
			logLine("error", "dead letter not recorded", { id: message.id, error: errorFields(error) });
			message.retry();
		}
	}
}

export async function consumeBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	if (batch.queue.endsWith("-dlq")) return recordDeadLetters(batch, env);
	const context: JobContext = { env, db: database(env.DB), now: Date.now() };
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
		} catch (error) {
			const delaySeconds = retryDelaySeconds(error, message.attempts);
			// Which job (ids only) and the error's typed fields, never its message: see src/log.ts.
			logLine("warn", "job failed", { id: message.id, job: parsed.data, attempt: message.attempts, retryIn: delaySeconds, error: errorFields(error) });
			message.retry({ delaySeconds });
		}
	}
}
