// Rate limits log lines about things outsiders can repeat at will (unverified webhooks): at most one
// line per key per interval, and at most so many keys per interval, so neither one key sent over and
// over nor a new key each time can flood the log. Memory stays bounded for the same reason.
export interface LogThrottleOptions {
	intervalMs: number;
	/** Keys that may be logged within one interval; the rest wait for the next one. */
	maxKeysPerInterval: number;
}

export class LogThrottle {
	/** When each key was last let through; only keys of this interval and the previous one are kept. */
	private readonly lastAllowed = new Map<string, number>();
	private intervalStart = Number.NEGATIVE_INFINITY;
	private allowedThisInterval = 0;

	constructor(private readonly options: LogThrottleOptions) {}

	/** Whether a line about `key` may be written at `now` (epoch ms); counts it if so. */
	allow(key: string, now: number): boolean {
		if (now - this.intervalStart >= this.options.intervalMs) this.startInterval(now);
		const last = this.lastAllowed.get(key);
		if (last !== undefined && now - last < this.options.intervalMs) return false;
		if (this.allowedThisInterval >= this.options.maxKeysPerInterval) return false;
		this.allowedThisInterval += 1;
		this.lastAllowed.set(key, now);
		return true;
	}

	private startInterval(now: number): void {
		for (const [key, at] of this.lastAllowed) {
			if (now - at >= this.options.intervalMs) this.lastAllowed.delete(key);
		}
		this.intervalStart = now;
		this.allowedThisInterval = 0;
	}
}
