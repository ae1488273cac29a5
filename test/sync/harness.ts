// Helpers for outbound-sync tests: a sync context whose queue records messages, sandbox accounts
// connected through the real OAuth code exchange, bookings written by the real write path, and the
// outbox driven by hand so every step is deterministic.
import { env } from "cloudflare:workers";
import { asc, isNull } from "drizzle-orm";
import { Temporal } from "temporal-polyfill";
import { inject } from "vitest";
import { cancelBooking, rescheduleBooking, updateMerchantNotes } from "../../src/booking/change";
import type { BookingView, CreateBookingCommand } from "../../src/booking/commands";
import { createBooking } from "../../src/booking/create";
import { database } from "../../src/db/client";
import { calendarsOf } from "../../src/db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow } from "../../src/db/queries/connections";
import { outbox } from "../../src/db/schema";
import { DEMO_MERCHANT_ID, DEMO_TIMEZONE, seedDemoCatalogue, seedDemoOwner } from "../../src/demo/seed";
import type { BookingChangedJob, Job } from "../../src/jobs";
import { RecordingMailer } from "../../src/mail/recording-mailer";
import { CredentialVault } from "../../src/sync/credentials";
import type { SyncContext } from "../../src/sync/connections";
import { handleCalendarPush, pushJobsFor } from "../../src/sync/outbound";
import type { PushOutcome } from "../../src/sync/outbound";
import type { OAuthProvider } from "../../src/sync/oauth";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";

export const sandboxUrl = inject("sandboxUrl");
export const db = database(env.DB);

/** A queue that keeps what is sent, so tests decide when (and how often) messages are delivered. */
export class RecordingQueue {
	readonly sent: Job[] = [];
	async send(body: Job): Promise<void> {
		this.sent.push(body);
	}
	async sendBatch(messages: Iterable<MessageSendRequest<Job>>): Promise<void> {
		for (const message of messages) this.sent.push(message.body);
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

export async function seed(): Promise<void> {
	await seedDemoCatalogue(db);
	// The owner is who gets the "re-authorise" email.
	await seedDemoOwner(db, "unused-hash");
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

export async function control(path: string, body?: unknown, method = body === undefined ? "GET" : "POST"): Promise<unknown> {
	const response = await fetch(`${sandboxUrl}/_control${path}`, {
		method,
		headers: body === undefined ? {} : { "content-type": "application/json" },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	if (!response.ok) throw new Error(`control ${path} answered ${response.status}: ${await response.text()}`);
	return response.status === 204 ? null : response.json();
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

/** The next `weekday` at least `daysAhead` days from now, at `time` in the demo zone. */
export function at(weekday: number, time: string, daysAhead = 2): number {
	let date = Temporal.Now.plainDateISO(DEMO_TIMEZONE).add({ days: daysAhead });
	while (date.dayOfWeek !== weekday) date = date.add({ days: 1 });
	return date.toZonedDateTime({ timeZone: DEMO_TIMEZONE, plainTime: Temporal.PlainTime.from(time) }).epochMilliseconds;
}

export async function book(overrides: Partial<CreateBookingCommand> = {}): Promise<BookingView[]> {
	return createBooking(db, {
		merchantId: DEMO_MERCHANT_ID,
		serviceId: "svc_demo_cut",
		staffId: "stf_demo_ana",
		start: at(2, "10:00"),
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
	});
}

export const change = {
	reschedule: (bookingId: string, start: number, scope: "one" | "series" = "one") =>
		rescheduleBooking(db, { merchantId: DEMO_MERCHANT_ID, bookingId, start, staffId: null, scope, source: "admin", now: Date.now() }),
	cancel: (bookingId: string, scope: "one" | "series" = "one") => cancelBooking(db, { merchantId: DEMO_MERCHANT_ID, bookingId, scope, source: "admin", now: Date.now() }),
	notes: (bookingId: string, merchantNotes: string) => updateMerchantNotes(db, { merchantId: DEMO_MERCHANT_ID, bookingId, merchantNotes, now: Date.now() }),
};

/** Takes the unsent outbox rows as booking.changed messages (what the relay would send). */
export async function outboxJobs(): Promise<BookingChangedJob[]> {
	const rows = await db.select().from(outbox).where(isNull(outbox.sentAt)).orderBy(asc(outbox.id)).all();
	await db.update(outbox).set({ sentAt: Date.now() }).where(isNull(outbox.sentAt));
	return rows.map((r) => ({ type: "booking.changed", merchantId: r.merchantId, bookingId: r.bookingId, version: r.version, change: r.change }));
}

/** Delivers the outbox: fan-out, then every calendar.push, in order. */
export async function deliver(context: TestContext): Promise<PushOutcome[]> {
	const outcomes: PushOutcome[] = [];
	for (const job of await outboxJobs()) {
		for (const push of await pushJobsFor(context, job)) outcomes.push(await handleCalendarPush(context, push));
	}
	return outcomes;
}
