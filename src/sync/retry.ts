// Backoff for failed jobs: exponential with full jitter, never sooner than a provider's Retry-After.

const BASE_SECONDS = 2;
const MAX_SECONDS = 15 * 60;

interface HasRetryAfter {
	retryAfterSeconds: number | null;
}

function retryAfterOf(error: unknown): number | null {
	if (typeof error === "object" && error !== null && "retryAfterSeconds" in error) {
		const value = (error as HasRetryAfter).retryAfterSeconds;
		return typeof value === "number" && Number.isFinite(value) ? value : null;
	}
	return null;
}

/** Seconds to wait before attempt `attempts + 1`; `random` is injectable for tests. */
export function retryDelaySeconds(error: unknown, attempts: number, random: () => number = Math.random): number {
	const ceiling = Math.min(MAX_SECONDS, BASE_SECONDS * 2 ** Math.max(0, attempts - 1));
	const jittered = Math.ceil(random() * ceiling);
	const floor = retryAfterOf(error) ?? 0;
	return Math.min(MAX_SECONDS, Math.max(jittered, Math.ceil(floor), 1));
}
