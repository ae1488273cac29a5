// When a polled calendar is read next (pure: the time and the randomness are passed in). Calendars
// that matter now are read every 15-30 s, idle ones slow down step by step to every 5 minutes, and a
// failing server is backed off without ever being asked sooner than it said. docs/providers.md C9
// explains the numbers (and iCloud's 30-second floor).
import type { ProviderName } from "../calendars/provider";

/** A hot calendar is read again after 15-30 s (jittered, so pollers started together drift apart). */
export const HOT_MIN_MS = 15_000;
export const HOT_MAX_MS = 30_000;
/** iCloud publishes no rate limits (docs/providers.md D, C9): never sooner than this, whatever else applies. */
export const ICLOUD_MIN_MS = 24_000;
const ICLOUD_MAX_MS = 28_000;
/** The slowest cadence: what the cron gave every calendar before polling had its own schedule. */
export const IDLE_MAX_MS = 5 * 60_000;
/** A calendar whose events changed this recently is hot: people edit in bursts. */
export const HOT_AFTER_CHANGE_MS = 3 * 3600_000;
/** Each idle poll waits up to this many times as long as the one before. */
const IDLE_GROWTH = 2;
/** Failures back off from here, doubling, up to IDLE_MAX_MS. */
const BACKOFF_BASE_MS = 30_000;
/** After a 429 that named no Retry-After, at least this long. */
export const THROTTLED_MIN_MS = 30_000;
/** A Retry-After beyond this is taken as this: a server's mistake must not stop a calendar for days. */
export const RETRY_AFTER_MAX_MS = 3600_000;
/** Jitter takes up to this share off an idle or backoff interval (never adds: the caps stay caps). */
const JITTER_SHARE = 0.1;

export type PollOutcome =
	/** `changed`: this poll found the calendar's events changed. */
	| { kind: "ok"; changed: boolean }
	/** `status` 0 when no answer came (timeout, network) or the failure was not the provider's. */
	| { kind: "failed"; status: number; retryAfterMs: number | null };

export interface CadenceInput {
	now: number;
	provider: ProviderName;
	/** When a poll last found a change (before this one). */
	lastChangedAt: number | null;
	/** The calendar's owner has bookable time in the coming days: a change there can cost a double booking. */
	bookableSoon: boolean;
	/** The interval the previous poll chose; null before the first. */
	previousIntervalMs: number | null;
	/** Failures in a row, this one included (ignored after a success). */
	failures: number;
	outcome: PollOutcome;
}

export interface Cadence {
	intervalMs: number;
	nextAt: number;
}

/** The hot band of a provider: iCloud's starts at its floor. */
function hotBand(provider: ProviderName): { min: number; max: number } {
	return provider === "icloud" ? { min: ICLOUD_MIN_MS, max: ICLOUD_MAX_MS } : { min: HOT_MIN_MS, max: HOT_MAX_MS };
}

/** Up to JITTER_SHARE less than `ms`. */
function jitterDown(ms: number, random: () => number): number {
	return ms * (1 - JITTER_SHARE * random());
}

/**
 * From a schedule's start (a connect, a new password, the cron restarting it) to its first poll: one hot
 * interval at iCloud's pace, which keeps that first poll clear of the connect's own sync for every provider.
 */
export function firstPollDelayMs(random: () => number): number {
	return Math.round(ICLOUD_MIN_MS + (ICLOUD_MAX_MS - ICLOUD_MIN_MS) * random());
}

/** The next poll after one that ended with `input.outcome`. `random` returns [0, 1), as Math.random. */
export function nextPoll(input: CadenceInput, random: () => number): Cadence {
	const band = hotBand(input.provider);
	let intervalMs: number;
	if (input.outcome.kind === "ok") {
		const recent = input.outcome.changed || (input.lastChangedAt !== null && input.now - input.lastChangedAt < HOT_AFTER_CHANGE_MS);
		if (recent || input.bookableSoon) {
			intervalMs = band.min + (band.max - band.min) * random();
		} else {
			const grown = Math.min(IDLE_MAX_MS, Math.max(band.max, input.previousIntervalMs ?? band.max) * IDLE_GROWTH);
			intervalMs = Math.max(band.min, jitterDown(grown, random));
		}
	} else {
		const backoff = jitterDown(Math.min(IDLE_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, input.failures - 1)), random);
		const asked = input.outcome.retryAfterMs === null ? 0 : Math.min(RETRY_AFTER_MAX_MS, Math.max(0, input.outcome.retryAfterMs));
		const throttled = input.outcome.status === 429 ? THROTTLED_MIN_MS : 0;
		intervalMs = Math.max(band.min, backoff, asked, throttled);
	}
	intervalMs = Math.round(intervalMs);
	return { intervalMs, nextAt: input.now + intervalMs };
}
