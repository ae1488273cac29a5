// The poll cadence: hot calendars every 15-30 s (iCloud never under 24 s), idle ones slowing down step by
// step to 5 minutes, failures backing off to 5 minutes but never polled sooner than Retry-After or 30 s
// after a 429. Time and randomness are explicit.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProviderName } from "../calendars/provider";
import { HOT_MAX_MS, HOT_MIN_MS, ICLOUD_MIN_MS, IDLE_MAX_MS, RETRY_AFTER_MAX_MS, firstPollDelayMs, nextPoll } from "./poll-cadence";
import type { CadenceInput, PollOutcome } from "./poll-cadence";

const NOW = Date.UTC(2026, 4, 6, 9, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function input(overrides: Partial<CadenceInput> = {}): CadenceInput {
	return { now: NOW, provider: "caldav", lastChangedAt: null, bookableSoon: false, previousIntervalMs: null, failures: 0, outcome: { kind: "ok", changed: false }, ...overrides };
}

const fixed = (value: number) => () => value;

/** The intervals of `polls` idle polls in a row, each starting from the one before. */
function idleRun(provider: ProviderName, polls: number, random: () => number): number[] {
	const intervals: number[] = [];
	let previous: number | null = null;
	for (let i = 0; i < polls; i++) {
		previous = nextPoll(input({ provider, previousIntervalMs: previous }), random).intervalMs;
		intervals.push(previous);
	}
	return intervals;
}

const providers = fc.constantFrom<ProviderName>("caldav", "icloud", "ics", "google", "microsoft");
const outcomes: fc.Arbitrary<PollOutcome> = fc.oneof(
	fc.record({ kind: fc.constant("ok" as const), changed: fc.boolean() }),
	fc.record({
		kind: fc.constant("failed" as const),
		status: fc.constantFrom(0, 400, 429, 500, 503),
		retryAfterMs: fc.option(fc.integer({ min: 0, max: 10 * 24 * HOUR }), { nil: null }),
	}),
);
const inputs: fc.Arbitrary<CadenceInput> = fc.record({
	now: fc.integer({ min: NOW - 365 * 24 * HOUR, max: NOW }),
	provider: providers,
	lastChangedAt: fc.option(fc.integer({ min: NOW - 400 * 24 * HOUR, max: NOW - 365 * 24 * HOUR }), { nil: null }),
	bookableSoon: fc.boolean(),
	previousIntervalMs: fc.option(fc.integer({ min: 1, max: 2 * HOUR }), { nil: null }),
	failures: fc.integer({ min: 1, max: 50 }),
	outcome: outcomes,
});
const randoms = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("nextPoll", () => {
	it("reads a calendar that just changed, or whose owner has bookable time soon, every 15-30 s", () => {
		fc.assert(
			fc.property(randoms, fc.boolean(), (r, changed) => {
				const cadence = nextPoll(input({ outcome: { kind: "ok", changed }, bookableSoon: !changed, previousIntervalMs: IDLE_MAX_MS }), fixed(r));
				expect(cadence.intervalMs).toBeGreaterThanOrEqual(HOT_MIN_MS);
				expect(cadence.intervalMs).toBeLessThanOrEqual(HOT_MAX_MS);
				expect(cadence.nextAt).toBe(NOW + cadence.intervalMs);
			}),
		);
		// Jitter spreads it over the whole band.
		expect(nextPoll(input({ outcome: { kind: "ok", changed: true } }), fixed(0)).intervalMs).toBe(HOT_MIN_MS);
		expect(nextPoll(input({ outcome: { kind: "ok", changed: true } }), fixed(0.999_999)).intervalMs).toBe(HOT_MAX_MS);
	});

	it("stays hot for three hours after a change, then slows down", () => {
		expect(nextPoll(input({ lastChangedAt: NOW - 2 * HOUR, previousIntervalMs: 20_000 }), fixed(0.5)).intervalMs).toBeLessThanOrEqual(HOT_MAX_MS);
		expect(nextPoll(input({ lastChangedAt: NOW - 4 * HOUR, previousIntervalMs: 20_000 }), fixed(0)).intervalMs).toBe(2 * HOT_MAX_MS);
	});

	it("slows an idle calendar down step by step to the 5-minute floor, and no further", () => {
		expect(idleRun("caldav", 6, fixed(0))).toEqual([60_000, 120_000, 240_000, IDLE_MAX_MS, IDLE_MAX_MS, IDLE_MAX_MS]);
		fc.assert(
			fc.property(randoms, (r) => {
				const run = idleRun("ics", 12, fixed(r));
				for (const interval of run) expect(interval).toBeLessThanOrEqual(IDLE_MAX_MS);
				for (let i = 1; i < run.length; i++) expect(run[i] ?? 0).toBeGreaterThanOrEqual((run[i - 1] ?? 0) * 0.9);
				// Jitter takes at most a tenth off, so it ends near the floor.
				expect(run.at(-1) ?? 0).toBeGreaterThanOrEqual(IDLE_MAX_MS * 0.9);
			}),
		);
	});

	it("never reads an iCloud calendar more often than every 24 s", () => {
		fc.assert(
			fc.property(inputs, randoms, (given, r) => {
				expect(nextPoll({ ...given, provider: "icloud" }, fixed(r)).intervalMs).toBeGreaterThanOrEqual(ICLOUD_MIN_MS);
			}),
		);
		expect(nextPoll(input({ provider: "icloud", outcome: { kind: "ok", changed: true } }), fixed(0)).intervalMs).toBe(ICLOUD_MIN_MS);
	});

	it("starts a schedule one iCloud-paced interval out", () => {
		fc.assert(
			fc.property(randoms, (r) => {
				expect(firstPollDelayMs(fixed(r))).toBeGreaterThanOrEqual(ICLOUD_MIN_MS);
				expect(firstPollDelayMs(fixed(r))).toBeLessThanOrEqual(28_000);
			}),
		);
	});

	it("backs off exponentially on errors, up to 5 minutes", () => {
		const failed: PollOutcome = { kind: "failed", status: 500, retryAfterMs: null };
		const backoff = [1, 2, 3, 4, 5, 9].map((failures) => nextPoll(input({ failures, outcome: failed, bookableSoon: true }), fixed(0)).intervalMs);
		expect(backoff).toEqual([30_000, 60_000, 120_000, 240_000, IDLE_MAX_MS, IDLE_MAX_MS]);
	});

	it("never polls sooner than Retry-After (capped at an hour), nor within 30 s of a 429", () => {
		expect(nextPoll(input({ failures: 1, outcome: { kind: "failed", status: 503, retryAfterMs: 120_000 } }), fixed(0)).intervalMs).toBe(120_000);
		expect(nextPoll(input({ failures: 1, outcome: { kind: "failed", status: 429, retryAfterMs: 1_000 } }), fixed(0.9)).intervalMs).toBeGreaterThanOrEqual(30_000);
		expect(nextPoll(input({ failures: 1, outcome: { kind: "failed", status: 429, retryAfterMs: null } }), fixed(0.9)).intervalMs).toBeGreaterThanOrEqual(30_000);
		expect(nextPoll(input({ failures: 1, outcome: { kind: "failed", status: 503, retryAfterMs: 5 * 24 * HOUR } }), fixed(0)).intervalMs).toBe(RETRY_AFTER_MAX_MS);
		fc.assert(
			fc.property(inputs, randoms, (given, r) => {
				const cadence = nextPoll(given, fixed(r));
				expect(cadence.nextAt).toBe(given.now + cadence.intervalMs);
				expect(cadence.intervalMs).toBeGreaterThanOrEqual(HOT_MIN_MS);
				if (given.outcome.kind === "ok") {
					expect(cadence.intervalMs).toBeLessThanOrEqual(IDLE_MAX_MS);
					return;
				}
				const asked = Math.min(RETRY_AFTER_MAX_MS, given.outcome.retryAfterMs ?? 0);
				expect(cadence.intervalMs).toBeGreaterThanOrEqual(asked);
				if (given.outcome.status === 429) expect(cadence.intervalMs).toBeGreaterThanOrEqual(30_000);
				expect(cadence.intervalMs).toBeLessThanOrEqual(Math.max(IDLE_MAX_MS, asked));
			}),
		);
	});
});
