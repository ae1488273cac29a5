import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { MerchantSchedule } from "../../src/booking/merchant-schedule";
import { EMAIL_LEDGER_RETENTION_MS } from "../../src/booking/retention";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { runCron } from "../../src/sync/cron";
import { retryDelaySeconds } from "../../src/sync/retry";
import { bookingBody, postJson } from "../support/demo";
import { seedDemo } from "../support/seed";

beforeEach(async () => {
	await seedDemo();
});

function refuse(): Promise<never> {
	return Promise.reject(new Error("queue unavailable"));
}

async function readModelRow(id: string): Promise<{ id: string; status: string } | null> {
	return env.DB.prepare("select id, status from bookings where id = ?").bind(id).first();
}

async function unsentRows(): Promise<number> {
	return runInDurableObject(merchantSchedule(env, DEMO_MERCHANT_ID), (_instance: MerchantSchedule, state) => {
		return state.storage.sql.exec<{ n: number }>("select count(*) as n from outbox where sent_at is null").one().n;
	});
}

describe("cron", () => {
	it("leaves a change whose relay failed to its merchant's object, whose alarm relays it", async () => {
		const stub = merchantSchedule(env, DEMO_MERCHANT_ID);
		const object = (instance: MerchantSchedule): { env: Env } => instance as unknown as { env: Env };
		// The object's queue refuses, so the relay right after the next write fails.
		await runInDurableObject(stub, (instance: MerchantSchedule) => {
			object(instance).env = { ...env, PROVIDER_PUSH: { send: refuse, sendBatch: refuse } as unknown as Queue };
		});
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody());
		expect(res.status).toBe(201);
		const { booking } = await res.json<{ booking: { id: string } }>();
		const alarm = await runInDurableObject(stub, async (instance: MerchantSchedule, state) => {
			await expect(instance.flush()).rejects.toThrow(/relay failed/);
			object(instance).env = env;
			return state.storage.getAlarm();
		});
		expect(alarm).not.toBeNull();
		// The cron has no outbox to relay any more: a run leaves the row unsent.
		await runCron(env, Date.now());
		expect(await unsentRows()).toBe(1);
		// The alarm's relay sends it (D1's read model has it from the failed relay, which writes it first).
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await unsentRows()).toBe(0);
		expect(await readModelRow(booking.id)).toMatchObject({ id: booking.id, status: "confirmed" });
	});
});

describe("cron isolation", () => {
	it("runs every other part when one fails, and logs which part failed", async () => {
		const now = Date.now();
		const DAY = 86_400_000;
		await env.DB.batch([
			// A dead job the queue refuses to take again: its message would be over the 128 KB a queue message may hold.
			env.DB.prepare("insert into dead_jobs (key, merchant_id, job, died_at, next_attempt_at) values ('big', null, ?, ?, ?)").bind(
				JSON.stringify({ type: "calendar.sync", calendarId: `cal_${"x".repeat(200_000)}`, reason: "resync" }),
				now - DAY,
				now - DAY,
			),
			// Work for two other parts: an email ledger row past its retention, and a session past its expiry.
			env.DB.prepare("insert into customer_emails (booking_id, version, claimed_at, sent_at) values ('bkg_sent', 1, ?1, ?1)").bind(now - EMAIL_LEDGER_RETENTION_MS - DAY),
			env.DB.prepare("insert into users (id, email) values ('usr_cron', 'cron@example.test')"),
			env.DB.prepare("insert into sessions (id, user_id, created_at, last_seen_at, expires_at) values ('sess_cron', 'usr_cron', ?, ?, ?)").bind(now - 2 * DAY, now - 2 * DAY, now - DAY),
		]);
		const logged = vi.spyOn(console, "error");
		try {
			const report = await runCron(env, now);
			expect(report).toMatchObject({ deadJobsRequeued: 0, bookingMessagesPruned: 1, authRowsDeleted: 1 });
			const failed = logged.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('"cron part failed"'));
			expect(failed.map((line) => (JSON.parse(line) as { part: string }).part)).toEqual(["dead-jobs"]);
		} finally {
			logged.mockRestore();
		}
		// Left for the next run.
		const left = await env.DB.prepare("select key, attempts from dead_jobs").all<{ key: string; attempts: number }>();
		expect(left.results).toEqual([{ key: "big", attempts: 0 }]);
	});
});

describe("retry backoff", () => {
	it("grows exponentially with jitter and honours Retry-After", () => {
		expect(retryDelaySeconds(new Error("x"), 1, () => 1)).toBe(2);
		expect(retryDelaySeconds(new Error("x"), 4, () => 1)).toBe(16);
		expect(retryDelaySeconds(new Error("x"), 4, () => 0.5)).toBe(8);
		expect(retryDelaySeconds(new Error("x"), 30, () => 1)).toBe(900);
		expect(retryDelaySeconds({ retryAfterSeconds: 120 }, 1, () => 1)).toBe(120);
		expect(retryDelaySeconds(new Error("x"), 1, () => 0)).toBe(1);
	});
});
