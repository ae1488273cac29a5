import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../src/index";
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
