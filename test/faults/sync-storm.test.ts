// Outbound sync under faults at scale: 500 bookings made, rescheduled, noted and cancelled while the
// providers fail 30% of writes (503 from Google, 429 with Retry-After from Microsoft), some writes
// time out after reaching the provider, messages arrive twice and out of order, and Ana's Google grant
// is revoked halfway and re-authorised later. Afterwards every calendar holds exactly the confirmed
// bookings of its staff member, each once and at its current time, and nothing waits.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { instantOf } from "../../src/calendars/event-time";
import { GOOGLE_BOOKING_PROPERTY } from "../../src/calendars/google";
import { pendingCount } from "../../src/db/queries/connections";
import { calendarConnections } from "../../src/db/schema";
import type { CalendarPushJob, Job } from "../../src/jobs";
import { consumeBatch } from "../../src/sync/consumer";
import { pushJobsFor } from "../../src/sync/outbound";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
import { at, book, change, connectStaff, control, db, liveEvents, outboxJobs, sandboxUrl, seed, testContext } from "../sync/harness";
import type { Connected, TestContext } from "../sync/harness";

const BOOKINGS = 500;
const SLOT_MS = 30 * 60_000;
/** Share of provider write requests that fail (503 / 429). */
const FAILURE_RATE = 0.3;
/** Share of the writes that got through which time out after the provider already acted on them. */
const TIMEOUT_RATE = 0.05;

beforeEach(seed);
afterEach(() => {
	vi.restoreAllMocks();
});

/** A seeded uniform coin (mulberry32) deciding which requests time out, so a failing run can be replayed. */
function seededCoin(seed: number): () => number {
	let a = seed >>> 0;
	return function next(): number {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = Math.imul(a ^ (a >>> 15), a | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const GOOGLE_503 = JSON.stringify({ error: { code: 503, message: "Backend Error", errors: [{ domain: "global", reason: "backendError", message: "Backend Error" }] } });
const GRAPH_429 = JSON.stringify({ error: { code: "TooManyRequests", message: "Application is over its MailboxConcurrency limit." } });

/**
 * Faults at the HTTP boundary of this test's Worker code (the spy sees only this file's requests, so
 * tests running beside it against the shared sandbox are untouched): 30% of calendar writes fail
 * before reaching the provider (Google 503, Graph 429 with Retry-After), and of those that do reach it
 * and succeed, some lose their response to a timeout, the case that tempts a retry into a duplicate.
 */
function injectFaults(): { failed: () => number; lost: () => number } {
	const real = globalThis.fetch;
	const coin = seededCoin(7);
	let failed = 0;
	let lost = 0;
	vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
		const request = new Request(input, init);
		const isWrite = request.method !== "GET" && request.url.startsWith(sandboxUrl) && /\/(calendar\/v3|graph\/v1\.0)\//.test(request.url);
		if (isWrite && coin() < FAILURE_RATE) {
			failed++;
			return request.url.includes("/google/")
				? new Response(GOOGLE_503, { status: 503, headers: { "content-type": "application/json" } })
				: new Response(GRAPH_429, { status: 429, headers: { "content-type": "application/json", "retry-after": "1" } });
		}
		const response = await real(request);
		if (isWrite && response.status < 300 && coin() < TIMEOUT_RATE) {
			lost++;
			throw new DOMException("The operation was aborted due to timeout", "TimeoutError");
		}
		return response;
	});
	return { failed: () => failed, lost: () => lost };
}

interface Delivery {
	id: string;
	timestamp: Date;
	attempts: number;
	body: Job;
}

/** Messages per batch and batches in flight, as the queue's consumer settings allow (max_batch_size 10, several invocations at once). */
const BATCH_SIZE = 10;
const CONCURRENT_BATCHES = 8;

/** Delivers one batch through the real consumer; returns the ids it asked to retry. */
async function consume(messages: Delivery[]): Promise<Set<string>> {
	const batch = createMessageBatch<Job>("slotline-provider-push", messages);
	const ctx = createExecutionContext();
	await consumeBatch(batch as MessageBatch<unknown>, env);
	const result = await getQueueResult(batch, ctx);
	return new Set(result.retryMessages.map((r) => r.msgId));
}

/** Runs messages through the consumer as the queue would, batches in parallel: whatever it retries comes back next round. */
async function drain(messages: Delivery[], rounds = 25): Promise<{ retried: number; left: number }> {
	let pending = messages;
	let retried = 0;
	for (let round = 0; pending.length > 0 && round < rounds; round++) {
		const batches: Delivery[][] = [];
		for (let i = 0; i < pending.length; i += BATCH_SIZE) batches.push(pending.slice(i, i + BATCH_SIZE));
		const again = new Set<string>();
		for (let i = 0; i < batches.length; i += CONCURRENT_BATCHES) {
			for (const ids of await Promise.all(batches.slice(i, i + CONCURRENT_BATCHES).map(consume))) for (const id of ids) again.add(id);
		}
		retried += again.size;
		pending = pending.filter((m) => again.has(m.id)).map((m) => ({ ...m, attempts: m.attempts + 1 }));
	}
	return { retried, left: pending.length };
}

let sequence = 0;
/** The pushes for every committed change so far, each tenth delivered twice, in a shuffled order. */
async function pushMessages(context: TestContext, seed: number): Promise<Delivery[]> {
	const pushes: CalendarPushJob[] = [];
	for (const job of await outboxJobs()) pushes.push(...(await pushJobsFor(context, job)));
	const withDuplicates = pushes.flatMap((push, i) => (i % 10 === 0 ? [push, push] : [push]));
	const order = fc.sample(fc.shuffledSubarray(withDuplicates.map((_, i) => i), { minLength: withDuplicates.length }), { seed, numRuns: 1 })[0] ?? [];
	return order.map((i) => ({ id: `m${sequence++}`, timestamp: new Date(), attempts: 1, body: withDuplicates[i] as Job }));
}

/** Booking id → start of each live event in a calendar (counting duplicates). */
async function calendarContents(provider: "google" | "microsoft", calendarId: string): Promise<Map<string, number[]>> {
	const contents = new Map<string, number[]>();
	for (const event of await liveEvents(provider, calendarId)) {
		const id =
			provider === "google"
				? ((event.extendedProperties as { private?: Record<string, string> } | undefined)?.private?.[GOOGLE_BOOKING_PROPERTY] ?? "")
				: (/bkg_[A-Za-z0-9]+/.exec(String(event.transactionId ?? ""))?.[0] ?? "");
		const start = event.start as { dateTime: string; timeZone?: string };
		contents.set(id, [...(contents.get(id) ?? []), instantOf(start.dateTime, start.timeZone ?? "UTC")]);
	}
	return contents;
}

/** What a staff member's calendar must hold: each confirmed booking once, at its current start. */
async function expectedContents(staffId: string): Promise<Map<string, number[]>> {
	const rows = await env.DB.prepare("select id, starts_at from bookings where staff_id = ? and status = 'confirmed'").bind(staffId).all<{ id: string; starts_at: number }>();
	return new Map(rows.results.map((r) => [r.id, [r.starts_at]]));
}

describe("sync under faults", () => {
	it(`${BOOKINGS} bookings made, changed and cancelled through 30% failures, lost responses and a revoked grant end exactly right`, { timeout: 180_000 }, async () => {
		// The consumer logs every failed attempt (hundreds here); keep the run's output readable.
		vi.spyOn(console, "error").mockImplementation(() => undefined);
		const context = testContext();
		const ana: Connected = await connectStaff(context, "google", "stf_demo_ana");
		const ben: Connected = await connectStaff(context, "microsoft", "stf_demo_ben");
		context.recording.take();
		const faults = injectFaults();

		// 500 bookings, alternating Ana and Ben, half an hour apart.
		const first = at(1, "08:00", 3);
		const ids: string[] = [];
		// In parallel chunks: distinct slots, so only the write path's speed is at stake, not its answers.
		for (let chunk = 0; chunk < BOOKINGS; chunk += 25) {
			const made = await Promise.all(
				Array.from({ length: Math.min(25, BOOKINGS - chunk) }, (_, k) => {
					const i = chunk + k;
					const staffId = i % 2 === 0 ? "stf_demo_ana" : "stf_demo_ben";
					return book({ serviceId: "svc_demo_consult", staffId, start: first + Math.floor(i / 2) * SLOT_MS, customer: { name: `Storm ${i}`, email: `storm${i}@example.com`, phone: null } });
				}),
			);
			ids.push(...made.map(([booking]) => booking?.id ?? ""));
		}
		const firstWave = await drain(await pushMessages(context, 1));
		expect(firstWave.left).toBe(0);

		// Changes, some to bookings whose events exist, some racing their own creation in the next wave.
		const later = first + BOOKINGS * SLOT_MS;
		for (let i = 0; i < BOOKINGS; i++) {
			const id = ids[i] ?? "";
			if (i % 5 === 1) await change.reschedule(id, later + Math.floor(i / 2) * SLOT_MS);
			else if (i % 5 === 2) await change.cancel(id);
			else if (i % 10 === 3) await change.notes(id, `Note ${i}`);
		}
		for (let i = 0; i < 60; i++) {
			const staffId = i % 2 === 0 ? "stf_demo_ana" : "stf_demo_ben";
			await book({ serviceId: "svc_demo_consult", staffId, start: later + (BOOKINGS + i) * SLOT_MS, customer: { name: `Late ${i}`, email: `late${i}@example.com`, phone: null } });
		}
		const secondWave = await pushMessages(context, 2);

		// Halfway through the second wave, Ana's Google grant is revoked.
		const half = Math.floor(secondWave.length / 2);
		expect((await drain(secondWave.slice(0, half))).left).toBe(0);
		await control("/faults", { provider: "google", revokeRefreshTokens: true, email: ana.email });
		await db.update(calendarConnections).set({ accessTokenExpiresAt: Date.now() - 1 }).where(eq(calendarConnections.id, ana.connection.id));
		expect((await drain(secondWave.slice(half))).left).toBe(0);
		const stalled = await pendingCount(db, ana.connection.id);
		expect(stalled.waiting).toBeGreaterThan(0);
		expect(stalled.failed).toBe(0);

		// Re-authorised: the same connection comes back and what waited drains (through the same faults).
		const again = await connectSandboxAccount(context, { sandboxUrl, provider: "google", email: ana.email, name: "Test Person", merchantId: "mer_demo", staffId: "stf_demo_ana" });
		expect(again.id).toBe(ana.connection.id);
		const requeued = context.recording.take().map((body) => ({ id: `m${sequence++}`, timestamp: new Date(), attempts: 1, body }));
		expect(requeued.length).toBeGreaterThan(0);
		expect((await drain(requeued)).left).toBe(0);

		expect(await pendingCount(db, ana.connection.id)).toEqual({ waiting: 0, failed: 0 });
		expect(await pendingCount(db, ben.connection.id)).toEqual({ waiting: 0, failed: 0 });
		// The failures really happened.
		expect(firstWave.retried).toBeGreaterThan(100);
		expect(faults.failed()).toBeGreaterThan(200);
		expect(faults.lost()).toBeGreaterThan(10);

		for (const [staffId, provider, calendar] of [
			["stf_demo_ana", "google", ana.write.externalId],
			["stf_demo_ben", "microsoft", ben.write.externalId],
		] as const) {
			const actual = await calendarContents(provider, calendar);
			const expected = await expectedContents(staffId);
			const duplicates = [...actual].filter(([, starts]) => starts.length > 1).map(([id]) => id);
			const missing = [...expected.keys()].filter((id) => !actual.has(id));
			const extra = [...actual.keys()].filter((id) => !expected.has(id));
			const wrongTime = [...expected].filter(([id, [start]]) => actual.has(id) && actual.get(id)?.[0] !== start).map(([id]) => id);
			expect({ provider, duplicates, missing, extra, wrongTime }).toEqual({ provider, duplicates: [], missing: [], extra: [], wrongTime: [] });
			expect(expected.size).toBeGreaterThan(150);
		}
	});
});
