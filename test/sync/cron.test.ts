import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../src/index";
import { runCron } from "../../src/sync/cron";
import { retryDelaySeconds } from "../../src/sync/retry";
import { seedDemo } from "../support/demo";

beforeEach(async () => {
	await seedDemo();
});

describe("cron", () => {
	it("relays outbox rows their Durable Object left unsent, and leaves fresh ones alone", async () => {
		const now = Date.now();
		await env.DB.batch([
			env.DB.prepare("insert into outbox (merchant_id, booking_id, version, change, created_at) values ('mer_demo', 'bkg_old', 1, 'created', ?)").bind(now - 10 * 60_000),
			env.DB.prepare("insert into outbox (merchant_id, booking_id, version, change, created_at) values ('mer_demo', 'bkg_new', 1, 'created', ?)").bind(now),
		]);
		const ctx = createExecutionContext();
		await worker.scheduled(createScheduledController({ scheduledTime: now, cron: "*/5 * * * *" }), env, ctx);
		await waitOnExecutionContext(ctx);
		const rows = await env.DB.prepare("select booking_id, sent_at from outbox order by id").all<{ booking_id: string; sent_at: number | null }>();
		expect(rows.results).toEqual([
			{ booking_id: "bkg_old", sent_at: now },
			{ booking_id: "bkg_new", sent_at: null },
		]);
	});
});

describe("cron isolation", () => {
	it("runs every other part when the relay fails, and logs which part failed", async () => {
		const now = Date.now();
		const DAY = 86_400_000;
		await env.DB.batch([
			// A row the queue refuses: its message would be over the 128 KB a queue message may hold.
			env.DB.prepare("insert into outbox (merchant_id, booking_id, version, change, created_at) values ('mer_demo', ?, 1, 'created', ?)").bind(`bkg_${"x".repeat(200_000)}`, now - 10 * 60_000),
			// Work for two other parts: a relayed row past its retention, and a session past its expiry.
			env.DB.prepare("insert into outbox (merchant_id, booking_id, version, change, created_at, sent_at) values ('mer_demo', 'bkg_sent', 1, 'created', ?, ?)").bind(now - 9 * DAY, now - 8 * DAY),
			env.DB.prepare("insert into users (id, email) values ('usr_cron', 'cron@example.test')"),
			env.DB.prepare("insert into sessions (id, user_id, created_at, last_seen_at, expires_at) values ('sess_cron', 'usr_cron', ?, ?, ?)").bind(now - 2 * DAY, now - 2 * DAY, now - DAY),
		]);
		const logged = vi.spyOn(console, "error");
		try {
			const report = await runCron(env, now);
			expect(report).toMatchObject({ relayed: 0, bookingMessagesPruned: 1, authRowsDeleted: 1 });
			const failed = logged.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('"cron part failed"'));
			expect(failed.map((line) => (JSON.parse(line) as { part: string }).part)).toEqual(["relay"]);
		} finally {
			logged.mockRestore();
		}
		const left = await env.DB.prepare("select booking_id from outbox").all<{ booking_id: string }>();
		expect(left.results.map((row) => row.booking_id.slice(0, 5))).toEqual(["bkg_x"]);
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
