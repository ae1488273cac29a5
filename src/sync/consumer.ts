// The provider-push queue consumer: validates each message, runs its job, and decides between
// ack, retry with backoff, and giving up (after max_retries the queue moves it to the DLQ).
import { database } from "../db/client";
import type { Database } from "../db/client";
import { notifyCustomer } from "../booking/notify";
import { jobQueue, jobSchema } from "../jobs";
import type { BookingChangedJob, Job } from "../jobs";
import { mailerFor } from "../mail/mailer";
import { retryDelaySeconds } from "./retry";

export interface JobContext {
	env: Env;
	db: Database;
	now: number;
}

/** booking.changed fans out into independently retried side effects. */
async function fanOut(context: JobContext, job: BookingChangedJob): Promise<void> {
	const { type: _type, ...change } = job;
	await jobQueue(context.env).sendBatch([{ body: { type: "booking.notify", ...change }, contentType: "json" }]);
}

async function runJob(context: JobContext, job: Job): Promise<void> {
	switch (job.type) {
		case "booking.changed":
			return fanOut(context, job);
		case "booking.notify":
			await notifyCustomer(context.db, mailerFor(context.env), { appUrl: context.env.APP_URL, sessionSecret: context.env.SESSION_SECRET, mailFrom: context.env.MAIL_FROM, now: context.now }, job);
			return;
		case "calendar.push":
		case "calendar.sync":
			// Produced only once calendar connections exist (outbound and inbound sync).
			throw new Error(`no handler for ${job.type} yet`);
	}
}

/** Messages that exhausted their retries. They are logged (never with their credentials, which they do not carry). */
function recordDeadLetters(batch: MessageBatch<unknown>): void {
	for (const message of batch.messages) {
		const parsed = jobSchema.safeParse(message.body);
		console.error(JSON.stringify({ level: "error", msg: "job dead-lettered", id: message.id, job: parsed.success ? parsed.data : "malformed" }));
		message.ack();
	}
}

export async function consumeBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
	if (batch.queue.endsWith("-dlq")) return recordDeadLetters(batch);
	const context: JobContext = { env, db: database(env.DB), now: Date.now() };
	for (const message of batch.messages) {
		const parsed = jobSchema.safeParse(message.body);
		if (!parsed.success) {
			// A malformed message can never succeed: drop it loudly rather than retry it forever.
			console.error(JSON.stringify({ level: "error", msg: "dropping malformed job", queue: batch.queue, id: message.id }));
			message.ack();
			continue;
		}
		try {
			await runJob(context, parsed.data);
			message.ack();
		} catch (error) {
			const delaySeconds = retryDelaySeconds(error, message.attempts);
			console.error(
				JSON.stringify({ level: "warn", msg: "job failed", type: parsed.data.type, attempt: message.attempts, retryIn: delaySeconds, error: error instanceof Error ? error.message : String(error) }),
			);
			message.retry({ delaySeconds });
		}
	}
}
