// Helpers for outbound-sync tests: a sync context whose queue records messages, sandbox accounts
// connected through the real OAuth code exchange, bookings written by the real write path inside the
// merchant's Durable Object, and its outbox driven by hand so every step is deterministic.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { cancelBooking, rescheduleBooking, updateMerchantNotes } from "../../src/booking/change";
import type { BookingView, CreateBookingCommand, WriteOutcome } from "../../src/booking/commands";
import { createBooking } from "../../src/booking/create";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { MerchantSchedule } from "../../src/booking/merchant-schedule";
import { captureOutcomeSync, unwrapOutcome } from "../../src/booking/outcome";
import { readModelStatements, relayOutbox } from "../../src/booking/read-model";
import { ScheduleStore } from "../../src/booking/schedule-store";
import type { SetupState } from "../../src/booking/schedule-store";
import { database } from "../../src/db/client";
import { calendarsOf } from "../../src/db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow } from "../../src/db/queries/connections";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { sendJobs } from "../../src/jobs";
import type { CalendarPushJob, Job } from "../../src/jobs";
import { RecordingMailer } from "../../src/mail/recording-mailer";
import { CredentialVault } from "../../src/sync/credentials";
import type { SyncContext } from "../../src/sync/context";
import { handleCalendarPush } from "../../src/sync/outbound";
import type { PushOutcome } from "../../src/sync/outbound";
import type { OAuthProvider } from "../../src/sync/connection-oauth";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
import { weekdayAt } from "../support/demo";
import { oneSendBatch } from "../support/queue-limits";
import { control, sandboxUrl } from "../support/sandbox-control";

export const db = database(env.DB);

/** A queue that keeps what is sent, so tests decide when (and how often) messages are delivered. */
export class RecordingQueue {
	readonly sent: Job[] = [];
	async send(body: Job): Promise<void> {
		this.sent.push(body);
	}
	async sendBatch(messages: Iterable<MessageSendRequest<Job>>): Promise<void> {
		for (const message of oneSendBatch(messages)) this.sent.push(message.body);
	}
	take(): Job[] {
		return this.sent.splice(0, this.sent.length);
	}
}

export interface TestContext extends SyncContext {
	recording: RecordingQueue;
	recordingMailer: RecordingMailer;
}

export function testContext(): TestContext {
	const recording = new RecordingQueue();
	const recordingMailer = new RecordingMailer();
	return {
		env,
		db,
		vault: new CredentialVault(env.ENCRYPTION_KEYS),
		mailer: recordingMailer,
		queue: recording as unknown as Queue<Job>,
		now: () => Date.now(),
		recording,
		recordingMailer,
	};
}

export function uniqueEmail(label: string): string {
	return `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

export interface Connected {
	connection: ConnectionRow;
	email: string;
	write: ConnectionCalendarRow;
}

export async function connectStaff(context: SyncContext, provider: OAuthProvider, staffId: string | null = "stf_demo_ana"): Promise<Connected> {
	const email = uniqueEmail(provider);
	const connection = await connectSandboxAccount(context, { sandboxUrl, provider, email, name: "Test Person", merchantId: DEMO_MERCHANT_ID, staffId });
	const write = (await calendarsOf(db, connection.id)).find((c) => c.isWriteTarget);
	if (write === undefined) throw new Error("no write calendar was chosen");
	return { connection, email, write };
}

/** Events stored in a sandbox calendar, in the provider's own format (Google tombstones have status "cancelled"). */
export async function sandboxEvents(provider: OAuthProvider, calendarId: string): Promise<Array<Record<string, unknown>>> {
	return (await control(`/${provider}/calendars/${encodeURIComponent(calendarId)}/events`)) as Array<Record<string, unknown>>;
}

/** Live (not deleted) events, whatever the provider. */
export async function liveEvents(provider: OAuthProvider, calendarId: string): Promise<Array<Record<string, unknown>>> {
	const events = await sandboxEvents(provider, calendarId);
	return events.filter((e) => (provider === "google" ? e.status !== "cancelled" : e["@sandbox.deleted"] !== true));
}

/**
 * Runs a write in the merchant's object exactly as its RPC methods do (the setup read from D1 first, so
 * a test's direct setup edits count), but without the relay they start. D1's read model gets the change
 * at once, as the relay would write it; its outbox rows stay unsent until the test relays them
 * (outboxJobs, relayOutboxes), so no message follows on its own.
 */
async function inSchedule<T>(merchantId: string, write: (store: ScheduleStore, setup: SetupState) => T): Promise<T> {
	const outcome = await runInDurableObject(merchantSchedule(env, merchantId), async (instance: MerchantSchedule, state): Promise<WriteOutcome<T>> => {
		await instance.refreshSetup();
		const store = new ScheduleStore(state.storage);
		const setup = store.setupState();
		if (setup === null) throw new Error(`merchant ${merchantId} has no setup`);
		const written = captureOutcomeSync(() => write(store, setup));
		const statements = readModelStatements(store, env.DB, merchantId, store.unsentOutbox(1_000));
		if (statements.length > 0) await env.DB.batch(statements);
		return written;
	});
	// Typed errors are rebuilt here, as the write path's callers rebuild them from the RPC's outcome.
	return unwrapOutcome(outcome);
}

export async function book(overrides: Partial<CreateBookingCommand> = {}): Promise<BookingView[]> {
	const command: CreateBookingCommand = {
		merchantId: DEMO_MERCHANT_ID,
		serviceId: "svc_demo_cut",
		staffId: "stf_demo_ana",
		start: weekdayAt(2, "10:00"),
		timezone: "Europe/London",
		customer: { name: "Ada Lovelace", email: "ada@example.com", phone: null },
		userId: null,
		customerNotes: "Short on the sides",
		merchantNotes: null,
		recurrence: null,
		source: "admin",
		idempotency: null,
		now: Date.now(),
		...overrides,
	};
	return inSchedule(command.merchantId, (store, setup) => createBooking(store, setup, command));
}

export const change = {
	/** `staffId` also hands the booking (or the series from it) to that staff member. */
	reschedule: (bookingId: string, start: number, scope: "one" | "series" = "one", staffId: string | null = null) =>
		inSchedule(DEMO_MERCHANT_ID, (store, setup) => rescheduleBooking(store, setup, { merchantId: DEMO_MERCHANT_ID, bookingId, start, staffId, scope, source: "admin", now: Date.now() })),
	cancel: (bookingId: string, scope: "one" | "series" = "one") =>
		inSchedule(DEMO_MERCHANT_ID, (store, setup) => cancelBooking(store, setup, { merchantId: DEMO_MERCHANT_ID, bookingId, scope, source: "admin", now: Date.now() })),
	notes: (bookingId: string, merchantNotes: string) =>
		inSchedule(DEMO_MERCHANT_ID, (store, setup) => updateMerchantNotes(store, setup, { merchantId: DEMO_MERCHANT_ID, bookingId, merchantNotes, now: Date.now() })),
};

/**
 * Relays every merchant object's unsent outbox rows onto `queue` as the object's own relay does (D1's
 * read model written first); returns how many rows were relayed. The messages are handed to `queue`
 * from here rather than from inside the object, so what a test's queue does with them (deliveries,
 * retries on timers) runs in the test, not as work of the object.
 */
export async function relayOutboxes(queue: Queue<Job>): Promise<number> {
	const merchants = await env.DB.prepare("select id from merchants order by id").all<{ id: string }>();
	const jobs: Job[] = [];
	let rows = 0;
	for (const { id } of merchants.results) {
		const recording = new RecordingQueue();
		rows += await runInDurableObject(merchantSchedule(env, id), (_instance: MerchantSchedule, state) =>
			relayOutbox(new ScheduleStore(state.storage), env.DB, recording as unknown as Queue<Job>, id, Date.now()),
		);
		jobs.push(...recording.take());
	}
	await sendJobs(queue, jobs);
	return rows;
}

/** Relays the outbox (see relayOutboxes), returning its messages (already fanned out) instead of queueing them. */
export async function outboxJobs(): Promise<Job[]> {
	const recording = new RecordingQueue();
	await relayOutboxes(recording as unknown as Queue<Job>);
	return recording.take();
}

/** The calendar.push messages among `jobs`. */
export function calendarPushes(jobs: readonly Job[]): CalendarPushJob[] {
	return jobs.filter((job): job is CalendarPushJob => job.type === "calendar.push");
}

/** Delivers the outbox: every calendar.push the relay sends, in order. */
export async function deliver(context: TestContext): Promise<PushOutcome[]> {
	const outcomes: PushOutcome[] = [];
	for (const push of calendarPushes(await outboxJobs())) outcomes.push(await handleCalendarPush(context, push));
	return outcomes;
}
