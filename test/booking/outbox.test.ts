// The merchant object's outbox after a write: relayed once even when relays are triggered together,
// and pruned by the object's alarm once sent and old, with its email ledger; the cron prunes D1's former one.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { MerchantSchedule } from "../../src/booking/merchant-schedule";
import { EMAIL_LEDGER_RETENTION_MS, OUTBOX_RETENTION_MS, pruneBookingMessages } from "../../src/booking/retention";
import { database } from "../../src/db/client";
import type { Job } from "../../src/jobs";
import { seedDemo } from "../support/seed";

beforeEach(async () => {
	await seedDemo();
});

/** Replaces the queue the object relays to (its env is read on every relay). */
function relayTo(instance: MerchantSchedule, queue: { sendBatch(messages: Iterable<MessageSendRequest<Job>>): Promise<void> }): void {
	(instance as unknown as { env: Env }).env = { ...env, PROVIDER_PUSH: queue as unknown as Queue };
}

describe("relaying the outbox", () => {
	it("sends each row once when relays are triggered while one is running", async () => {
		const stub = merchantSchedule(env, "mer_demo");
		const sent = await runInDurableObject(stub, async (instance: MerchantSchedule, state) => {
			for (let i = 0; i < 3; i++) {
				state.storage.sql.exec("insert into outbox (booking_id, version, change, created_at) values (?, 1, 'created', ?)", `bkg_relay_${i}`, Date.now());
			}
			const bodies: Job[] = [];
			// A slow queue: the second and third relay are triggered while the first is sending.
			relayTo(instance, {
				async sendBatch(messages: Iterable<MessageSendRequest<Job>>): Promise<void> {
					await new Promise((resolve) => setTimeout(resolve, 50));
					for (const message of messages) bodies.push(message.body);
				},
			});
			// A write's background relay, the alarm and an explicit flush, all at once.
			await Promise.all([instance.flush(), instance.alarm(), instance.flush()]);
			return bodies;
		});
		// Each row once: its booking.notify (no calendar is connected, so nothing else).
		expect(sent.map((job) => `${job.type} ${"bookingId" in job ? job.bookingId : "?"}`).sort()).toEqual([
			"booking.notify bkg_relay_0",
			"booking.notify bkg_relay_1",
			"booking.notify bkg_relay_2",
		]);
		const unsent = await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<{ n: number }>("select count(*) as n from outbox where sent_at is null").one().n);
		expect(unsent).toBe(0);
	});
});

describe("retention", () => {
	it("the object's alarm deletes outbox rows sent before the retention, expired idempotency records and old email claims, never unsent rows", async () => {
		const now = Date.now();
		const old = now - OUTBOX_RETENTION_MS - 60_000;
		const kept = await runInDurableObject(merchantSchedule(env, "mer_demo"), async (instance: MerchantSchedule, state) => {
			const sql = state.storage.sql;
			sql.exec("insert into outbox (booking_id, version, change, created_at, sent_at) values ('bkg_old_sent', 1, 'created', ?1, ?1)", old);
			sql.exec("insert into outbox (booking_id, version, change, created_at, sent_at) values ('bkg_old_unsent', 1, 'created', ?1, null)", old);
			sql.exec("insert into outbox (booking_id, version, change, created_at, sent_at) values ('bkg_recent', 1, 'created', ?1, ?1)", now);
			sql.exec("insert into idempotency (key, request_hash, outcome, created_at) values ('create:public:old', 'h', '{}', ?)", now - 2 * 86_400_000);
			sql.exec("insert into idempotency (key, request_hash, outcome, created_at) values ('create:public:recent', 'h', '{}', ?)", now);
			sql.exec("insert into email_claims (booking_id, version, claimed_at, sent_at) values ('bkg_old_sent', 1, ?1, ?1)", now - EMAIL_LEDGER_RETENTION_MS - 1);
			sql.exec("insert into email_claims (booking_id, version, claimed_at, sent_at) values ('bkg_recent', 1, ?1, ?1)", now - OUTBOX_RETENTION_MS - 1);
			// The queue is down, so the old unsent row cannot go out before the prune runs.
			relayTo(instance, {
				async sendBatch(): Promise<void> {
					throw new Error("queue unavailable");
				},
			});
			await instance.alarm();
			return {
				outbox: sql.exec<{ booking_id: string; sent: number }>("select booking_id, sent_at is not null as sent from outbox order by booking_id").toArray(),
				idempotency: sql.exec<{ key: string }>("select key from idempotency").toArray().map((row) => row.key),
				emails: sql.exec<{ booking_id: string }>("select booking_id from email_claims").toArray().map((row) => row.booking_id),
			};
		});
		expect(kept.outbox).toEqual([
			{ booking_id: "bkg_old_unsent", sent: 0 },
			{ booking_id: "bkg_recent", sent: 1 },
		]);
		expect(kept.idempotency).toEqual(["create:public:recent"]);
		expect(kept.emails).toEqual(["bkg_recent"]);
	});

	it("the cron deletes rows of D1's former email ledger past their retention", async () => {
		const now = Date.now();
		await env.DB.batch([
			env.DB.prepare("insert into customer_emails (booking_id, version, claimed_at, sent_at) values ('bkg_old_sent', 1, ?1, ?1)").bind(now - EMAIL_LEDGER_RETENTION_MS - 1),
			env.DB.prepare("insert into customer_emails (booking_id, version, claimed_at, sent_at) values ('bkg_recent', 1, ?1, ?1)").bind(now - OUTBOX_RETENTION_MS - 1),
		]);
		expect(await pruneBookingMessages(database(env.DB), now)).toBe(1);
		const ledger = await env.DB.prepare("select booking_id from customer_emails").all<{ booking_id: string }>();
		expect(ledger.results.map((r) => r.booking_id)).toEqual(["bkg_recent"]);
	});
});
