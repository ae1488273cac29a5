import { createMessageBatch, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { CLAIM_LEASE_MS, EmailInFlightError } from "../../src/booking/email-ledger";
import { rescheduleBooking, updateMerchantNotes } from "../../src/booking/change";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { notifyCustomer } from "../../src/booking/notify";
import { resetStatementCounts, statementCounts } from "../../src/db/statement-count";
import type { Mailer } from "../../src/mail/mailer";
import { MAIL_SEND_TIMEOUT_MS } from "../../src/mail/mailer";
import { RecordingMailer } from "../../src/mail/recording-mailer";
import { consumeBatch } from "../../src/sync/consumer";
import { withDelaysKept } from "../faults/queue";
import { at, bookDirectly, bookingBody, inDemoSchedule, postJson, upcoming } from "../support/demo";
import { mailTo } from "../support/mailbox";
import { flushSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";

function decode(base64: string): string {
	return new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

beforeEach(async () => {
	await seedDemo();
});

const config = (): { appUrl: string; sessionSecret: string; mailFrom: string; now: number } => ({
	appUrl: "http://localhost:8787",
	sessionSecret: env.SESSION_SECRET,
	mailFrom: env.MAIL_FROM,
	now: Date.now(),
});

/** Runs `work` on the demo merchant's object's SQLite, where the email ledger lives. */
function emailLedger<T>(work: (sql: SqlStorage) => T): Promise<T> {
	return runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance, state) => work(state.storage.sql));
}

const created = (bookingId: string, version = 1) => ({ type: "booking.notify" as const, merchantId: "mer_demo", bookingId, version, change: "created" as const });

describe("customer emails", () => {
	it("confirms, reschedules and cancels through the queue, with a stable UID and growing SEQUENCE", { timeout: 60_000 }, async () => {
		const email = `mail-${crypto.randomUUID()}@example.com`;
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ customer: { name: "Mia Mail", email }, notes: "Window seat" }));
		expect(res.status).toBe(201);
		const { booking } = await res.json<{ booking: { id: string; manageUrl: string } }>();

		const [confirmation] = await mailTo(email, 1);
		expect(confirmation?.subject).toMatch(/^Booking confirmed: Haircut with Demo Studio/);
		expect(confirmation?.text).toContain(booking.manageUrl);
		const ics = decode(confirmation!.attachments[0]!.content);
		expect(confirmation?.attachments[0]?.contentType).toContain("method=REQUEST");
		expect(ics).toContain("METHOD:REQUEST");
		expect(ics).toContain(`UID:${booking.id}@slotline`);
		expect(ics).toContain("SEQUENCE:0");
		expect(ics).toContain(`DTSTART:${at(upcoming(2), "10:00").replace(/[-:]/g, "").replace(".000", "")}`);

		const token = new URL(booking.manageUrl).searchParams.get("token");
		expect((await postJson(`/api/v1/bookings/${booking.id}/reschedule?token=${token}`, { start: at(upcoming(2), "15:00") })).status).toBe(200);
		const afterMove = await mailTo(email, 2);
		expect(afterMove[1]?.subject).toMatch(/^Booking moved/);
		const moved = decode(afterMove[1]!.attachments[0]!.content);
		expect(moved).toContain(`UID:${booking.id}@slotline`);
		expect(moved).toContain("SEQUENCE:1");

		expect((await postJson(`/api/v1/bookings/${booking.id}/cancel?token=${token}`, {})).status).toBe(200);
		const afterCancel = await mailTo(email, 3);
		expect(afterCancel[2]?.subject).toMatch(/^Booking cancelled/);
		const cancelled = decode(afterCancel[2]!.attachments[0]!.content);
		expect(cancelled).toContain("METHOD:CANCEL");
		expect(cancelled).toContain("SEQUENCE:2");
	});

	it("sends one email for a whole series, listing every occurrence as an RDATE", async () => {
		const occurrences = await bookDirectly({ recurrence: { frequency: "weekly", count: 3 } });
		const mailer = new RecordingMailer();
		const outcomes = [];
		for (const occurrence of occurrences) outcomes.push(await notifyCustomer(env, mailer, config(), created(occurrence.id)));
		expect(outcomes).toEqual(["sent", "skipped", "skipped"]);
		const ics = decode(mailer.outbox[0]!.attachments![0]!.content);
		expect(ics.match(/^RDATE/gm)).toHaveLength(2);
		expect(mailer.outbox[0]?.text.match(/•/g)).toHaveLength(3);
	});

	it("confirms a series once even when the confirmation goes out after an occurrence was moved or noted", async () => {
		const occurrences = await bookDirectly({ recurrence: { frequency: "weekly", count: 3 } });
		// Its confirmation waited (a mail outage, say) while the second occurrence moved an hour and the third got a note.
		await inDemoSchedule((store, setup) =>
			rescheduleBooking(store, setup, { merchantId: "mer_demo", bookingId: occurrences[1]!.id, start: occurrences[1]!.start + 3_600_000, staffId: null, scope: "one", source: "admin", now: Date.now() }),
		);
		await inDemoSchedule((store, setup) => updateMerchantNotes(store, setup, { merchantId: "mer_demo", bookingId: occurrences[2]!.id, merchantNotes: "Bring the forms", now: Date.now() }));
		const mailer = new RecordingMailer();
		const outcomes = [];
		for (const occurrence of occurrences) outcomes.push(await notifyCustomer(env, mailer, config(), created(occurrence.id)));
		expect(outcomes).toEqual(["sent", "skipped", "skipped"]);
		expect(mailer.outbox).toHaveLength(1);
	});

	it("does not email the customer about merchant-only changes", async () => {
		const [booking] = await bookDirectly();
		const mailer = new RecordingMailer();
		const outcome = await notifyCustomer(env, mailer, config(), { ...created(booking!.id, 2), change: "updated" });
		expect(outcome).toBe("skipped");
		expect(mailer.outbox).toHaveLength(0);
	});

	it("sends nothing for a walk-in, which has no customer", async () => {
		const [walkIn] = await bookDirectly({ customer: null, source: "admin", merchantNotes: "Walked in" });
		const row = await env.DB.prepare("select walk_in, customer_id from bookings where id = ?").bind(walkIn!.id).first();
		expect(row).toEqual({ walk_in: 1, customer_id: null });
		const mailer = new RecordingMailer();
		expect(await notifyCustomer(env, mailer, config(), created(walkIn!.id))).toBe("skipped");
		expect(await notifyCustomer(env, mailer, config(), { ...created(walkIn!.id, 2), change: "cancelled" })).toBe("skipped");
		expect(mailer.outbox).toHaveLength(0);
	});
});

describe("one email per booking version", () => {
	it("sends a redelivered job's email once", async () => {
		const [booking] = await bookDirectly();
		const mailer = new RecordingMailer();
		expect(await notifyCustomer(env, mailer, config(), created(booking!.id))).toBe("sent");
		expect(await notifyCustomer(env, mailer, config(), created(booking!.id))).toBe("skipped");
		expect(mailer.outbox).toHaveLength(1);
	});

	it("sends once when two deliveries of the same job run at the same time; the other retries later", async () => {
		const [booking] = await bookDirectly();
		let release: () => void = () => undefined;
		const gate = new Promise<void>((resolve) => {
			release = resolve;
		});
		const sent: string[] = [];
		const slowMailer: Mailer = {
			async send(message) {
				await gate;
				sent.push(message.to);
			},
		};
		const first = notifyCustomer(env, slowMailer, config(), created(booking!.id));
		// Let the first delivery claim the version before the second looks.
		await new Promise((resolve) => setTimeout(resolve, 50));
		await expect(notifyCustomer(env, slowMailer, config(), created(booking!.id))).rejects.toThrow(EmailInFlightError);
		release();
		expect(await first).toBe("sent");
		expect(sent).toEqual(["direct@example.com"]);
	});

	it("gives the claim back when sending fails, so the retry sends", async () => {
		const [booking] = await bookDirectly();
		const failing: Mailer = {
			async send() {
				throw new Error("mail server down");
			},
		};
		await expect(notifyCustomer(env, failing, config(), created(booking!.id))).rejects.toThrow("mail server down");
		const mailer = new RecordingMailer();
		expect(await notifyCustomer(env, mailer, config(), created(booking!.id))).toBe("sent");
		expect(mailer.outbox).toHaveLength(1);
	});

	it("holds a claim no longer than its delivery can be sending: one that died mid-send is taken over, and waiters are told when", async () => {
		const [booking] = await bookDirectly();
		const claimedAt = Date.now();
		// A delivery claimed the email and died before sending it (its isolate was killed): the claim stays behind.
		await emailLedger((sql) => sql.exec("insert into email_claims (booking_id, version, claimed_at) values (?, 1, ?)", booking!.id, claimedAt));
		// The lease outlasts the longest send its holder may still be making, and hardly more.
		expect(CLAIM_LEASE_MS - MAIL_SEND_TIMEOUT_MS).toBeGreaterThan(0);
		expect(CLAIM_LEASE_MS - MAIL_SEND_TIMEOUT_MS).toBeLessThanOrEqual(15_000);

		// While the dead delivery could still be sending, another waits: the queue retries it when the claim lapses.
		const mailer = new RecordingMailer();
		const waiting = await notifyCustomer(env, mailer, { ...config(), now: claimedAt + 1_000 }, created(booking!.id)).catch((error: unknown) => error);
		expect(waiting).toBeInstanceOf(EmailInFlightError);
		expect((waiting as EmailInFlightError).retryAfterSeconds).toBe(Math.ceil((CLAIM_LEASE_MS - 1_000) / 1000));
		const delays = new Map<string, number>();
		const batch = createMessageBatch("slotline-provider-push", [{ id: "m1", timestamp: new Date(), attempts: 1, body: created(booking!.id) }]);
		await consumeBatch(withDelaysKept(batch as MessageBatch<unknown>, delays), env);
		expect(delays.get("m1")).toBeGreaterThanOrEqual(Math.floor((claimedAt + CLAIM_LEASE_MS - Date.now()) / 1000));

		// Once it has lapsed, the next delivery takes the claim over and sends, once.
		expect(await notifyCustomer(env, mailer, { ...config(), now: claimedAt + CLAIM_LEASE_MS + 1 }, created(booking!.id))).toBe("sent");
		expect(await notifyCustomer(env, mailer, { ...config(), now: claimedAt + CLAIM_LEASE_MS + 2 }, created(booking!.id))).toBe("skipped");
		expect(mailer.outbox).toHaveLength(1);
	});
});

describe("the email ledger in the merchant's object", () => {
	it("records each email in the object, without a D1 statement: a duplicate delivery through the queue sends nothing", async () => {
		const email = `ledger-${crypto.randomUUID()}@example.com`;
		const [booking] = await bookDirectly({ customer: { name: "Lou Ledger", email, phone: null } });
		const batch = () => createMessageBatch("slotline-provider-push", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: created(booking!.id) }]) as MessageBatch<unknown>;
		resetStatementCounts();
		await consumeBatch(batch(), env);
		await consumeBatch(batch(), env);
		// Both deliveries have run to the end (the mailbox has whatever they sent).
		expect(await mailTo(email, 1)).toHaveLength(1);
		expect(statementCounts(), "D1 statements of two booking.notify deliveries").toEqual({ request: 0, background: 0 });
		const claims = await emailLedger((sql) => sql.exec<{ version: number; sent: number }>("select version, sent_at is not null as sent from email_claims where booking_id = ?", booking!.id).toArray());
		expect(claims).toEqual([{ version: 1, sent: 1 }]);
		expect(await env.DB.prepare("select count(*) as n from customer_emails").first("n")).toBe(0);
	});

	it("does not send again what D1's ledger recorded before the move, and honours a claim still held there", async () => {
		const day = upcoming(3);
		const now = Date.now();
		// A merchant whose schedule and email ledger are still in D1, as before the objects held them: its
		// booking's confirmation went out, and a delivery of its reschedule's email is sending right now.
		await env.DB.batch([
			env.DB.prepare("insert into merchants (id, slug, name, timezone, settings) select 'mer_ledger', 'ledger', 'Ledger', timezone, settings from merchants where id = 'mer_demo'"),
			env.DB.prepare("insert into staff (id, merchant_id, name, email, timezone, color) values ('stf_ledger', 'mer_ledger', 'Lee', 'lee@example.com', 'Europe/Amsterdam', '#000000')"),
			env.DB.prepare("insert into services (id, merchant_id, name, duration_minutes, color) values ('svc_ledger', 'mer_ledger', 'Cut', 30, '#000000')"),
			env.DB.prepare("insert into customers (id, merchant_id, name, email) values ('cus_ledger', 'mer_ledger', 'Lena Ledger', 'lena-ledger@example.com')"),
			env.DB.prepare(
				`insert into bookings (id, merchant_id, service_id, staff_id, customer_id, starts_at, ends_at, block_start, block_end, timezone, status, version, updated_at)
				 values ('bkg_ledger', 'mer_ledger', 'svc_ledger', 'stf_ledger', 'cus_ledger', ?1, ?1 + 1800000, ?1, ?1 + 1800000, 'Europe/Amsterdam', 'confirmed', 2, ?1)`,
			).bind(Date.parse(at(day, "10:00"))),
			env.DB.prepare("insert into customer_emails (booking_id, version, claimed_at, sent_at) values ('bkg_ledger', 1, ?1, ?1)").bind(now - 60_000),
			env.DB.prepare("insert into customer_emails (booking_id, version, claimed_at) values ('bkg_ledger', 2, ?)").bind(now),
		]);
		const job = { type: "booking.notify" as const, merchantId: "mer_ledger", bookingId: "bkg_ledger" };
		const mailer = new RecordingMailer();
		// The object's first use imports the schedule, and the ledger with it.
		expect(await notifyCustomer(env, mailer, { ...config(), now: now + 1_000 }, { ...job, version: 1, change: "created" })).toBe("skipped");
		await expect(notifyCustomer(env, mailer, { ...config(), now: now + 1_000 }, { ...job, version: 2, change: "rescheduled" })).rejects.toThrow(EmailInFlightError);
		expect(mailer.outbox).toHaveLength(0);
		// The D1 claim lapses like any other: then the reschedule's email goes out, once.
		expect(await notifyCustomer(env, mailer, { ...config(), now: now + CLAIM_LEASE_MS + 1 }, { ...job, version: 2, change: "rescheduled" })).toBe("sent");
		expect(await notifyCustomer(env, mailer, { ...config(), now: now + CLAIM_LEASE_MS + 2 }, { ...job, version: 2, change: "rescheduled" })).toBe("skipped");
		expect(mailer.outbox.map((m) => m.to)).toEqual(["lena-ledger@example.com"]);
	});

	it("an object in use before it held the ledger imports D1's and reloads its setup before its first email", async () => {
		const [booking] = await bookDirectly();
		const [later] = await bookDirectly({ start: Date.parse(at(upcoming(2), "15:00")) });
		// As an object used under schema version 1 stands after migrating to 2 (see schedule-schema.ts): its setup
		// copy without where services take place, D1's ledger not imported, and the task to do both queued.
		await emailLedger((sql) => {
			sql.exec("update setup_state set merchant_address = null");
			sql.exec("insert into upgrade_tasks (task) values ('email-ledger')");
		});
		await env.DB.prepare("insert into customer_emails (booking_id, version, claimed_at, sent_at) values (?1, 1, ?2, ?2)").bind(booking!.id, Date.now()).run();
		const mailer = new RecordingMailer();
		expect(await notifyCustomer(env, mailer, config(), created(booking!.id))).toBe("skipped");
		expect(await notifyCustomer(env, mailer, config(), created(later!.id))).toBe("sent");
		expect(mailer.outbox[0]?.text).toContain("Where: Demo Studio, Keizersgracht 1, Amsterdam");
		expect(await emailLedger((sql) => sql.exec("select task from upgrade_tasks").toArray())).toEqual([]);
	});
});

describe("time zone names", () => {
	it("stores a zone typed in any case, or by its old name, by its canonical name", async () => {
		for (const [typed, canonical, time] of [
			["europe/amsterdam", "Europe/Amsterdam", "10:00"],
			["Asia/Calcutta", "Asia/Kolkata", "11:00"],
			["Europe/Kiev", "Europe/Kyiv", "14:00"],
			["US/Pacific", "America/Los_Angeles", "15:00"],
		] as const) {
			const body = bookingBody({ start: at(upcoming(2), time), timezone: typed, customer: { name: "Zoe Zone", email: `zone-${crypto.randomUUID()}@example.com` } });
			const res = await postJson("/api/v1/m/demo/bookings", body);
			expect(res.status, typed).toBe(201);
			const { booking } = await res.json<{ booking: { id: string; timezone: string } }>();
			expect(booking.timezone).toBe(canonical);
			await flushSchedule();
			expect(await env.DB.prepare("select timezone from bookings where id = ?").bind(booking.id).first("timezone")).toBe(canonical);
		}
	});

	it("prints the canonical name in the confirmation, even for a booking stored as typed", async () => {
		const [booking] = await bookDirectly({ timezone: "europe/amsterdam" });
		const mailer = new RecordingMailer();
		expect(await notifyCustomer(env, mailer, config(), created(booking!.id))).toBe("sent");
		const [message] = mailer.outbox;
		expect(message?.subject).toContain("(Europe/Amsterdam)");
		expect(message?.text).toContain("(Europe/Amsterdam)");
		expect(`${message?.subject}${message?.text}`).not.toContain("europe/amsterdam");
	});
});
