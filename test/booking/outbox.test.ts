// The outbox after a write: relayed once per merchant object even when relays are triggered
// together, and pruned once sent and old.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { MerchantSchedule } from "../../src/booking/merchant-schedule";
import { OUTBOX_RETENTION_MS, EMAIL_LEDGER_RETENTION_MS, pruneBookingMessages } from "../../src/booking/retention";
import { database } from "../../src/db/client";
import type { Job } from "../../src/jobs";
import { seedDemo } from "../support/demo";

beforeEach(async () => {
	await seedDemo();
});

async function unsentRows(count: number): Promise<void> {
	for (let i = 0; i < count; i++) {
		await env.DB.prepare("insert into outbox (merchant_id, booking_id, version, change) values ('mer_demo', ?, 1, 'created')").bind(`bkg_relay_${i}`).run();
	}
}

describe("relaying the outbox", () => {
	it("sends each row once when relays are triggered while one is running", async () => {
		await unsentRows(3);
		const stub = merchantSchedule(env, "mer_demo");
		const sent = await runInDurableObject(stub, async (instance: MerchantSchedule) => {
			const bodies: Job[] = [];
			// A slow queue: the second and third relay are triggered while the first is sending.
			const slowQueue = {
				async sendBatch(messages: Iterable<MessageSendRequest<Job>>): Promise<void> {
					await new Promise((resolve) => setTimeout(resolve, 50));
					for (const message of messages) bodies.push(message.body);
				},
			};
			(instance as unknown as { env: Env }).env = { ...env, PROVIDER_PUSH: slowQueue as unknown as Queue };
			await Promise.all([instance.alarm(), instance.alarm(), instance.alarm()]);
			return bodies;
		});
		expect(sent.map((job) => (job.type === "booking.changed" ? job.bookingId : "?")).sort()).toEqual(["bkg_relay_0", "bkg_relay_1", "bkg_relay_2"]);
		const unsent = await env.DB.prepare("select count(*) as n from outbox where sent_at is null").first<{ n: number }>();
		expect(unsent?.n).toBe(0);
	});
});

describe("retention", () => {
	it("deletes sent outbox rows and email ledger rows past their retention, and never unsent rows", async () => {
		const now = Date.now();
		const old = now - OUTBOX_RETENTION_MS - 1;
		await env.DB.batch([
			env.DB.prepare("insert into outbox (merchant_id, booking_id, version, change, created_at, sent_at) values ('mer_demo', 'bkg_old_sent', 1, 'created', ?1, ?1)").bind(old),
			env.DB.prepare("insert into outbox (merchant_id, booking_id, version, change, created_at, sent_at) values ('mer_demo', 'bkg_old_unsent', 1, 'created', ?1, null)").bind(old),
			env.DB.prepare("insert into outbox (merchant_id, booking_id, version, change, created_at, sent_at) values ('mer_demo', 'bkg_recent', 1, 'created', ?1, ?1)").bind(now),
			env.DB.prepare("insert into customer_emails (booking_id, version, claimed_at, sent_at) values ('bkg_old_sent', 1, ?1, ?1)").bind(now - EMAIL_LEDGER_RETENTION_MS - 1),
			env.DB.prepare("insert into customer_emails (booking_id, version, claimed_at, sent_at) values ('bkg_recent', 1, ?1, ?1)").bind(old),
		]);
		expect(await pruneBookingMessages(database(env.DB), now)).toBe(2);
		const outbox = await env.DB.prepare("select booking_id from outbox order by booking_id").all<{ booking_id: string }>();
		expect(outbox.results.map((r) => r.booking_id)).toEqual(["bkg_old_unsent", "bkg_recent"]);
		const ledger = await env.DB.prepare("select booking_id from customer_emails").all<{ booking_id: string }>();
		expect(ledger.results.map((r) => r.booking_id)).toEqual(["bkg_recent"]);
	});
});
