// LogThrottle lets one line per key through each interval, and no more keys than allowed per interval.
import { describe, expect, it } from "vitest";
import { LogThrottle } from "./log-throttle";

describe("LogThrottle", () => {
	it("lets a key through once per interval", () => {
		const throttle = new LogThrottle({ intervalMs: 1000, maxKeysPerInterval: 10 });
		expect(throttle.allow("a", 0)).toBe(true);
		expect(throttle.allow("a", 1)).toBe(false);
		expect(throttle.allow("a", 999)).toBe(false);
		expect(throttle.allow("b", 999)).toBe(true);
		expect(throttle.allow("a", 1000)).toBe(true);
		expect(throttle.allow("b", 1500)).toBe(false);
		expect(throttle.allow("b", 1999)).toBe(true);
	});

	it("lets at most so many keys through per interval, however many there are", () => {
		const throttle = new LogThrottle({ intervalMs: 1000, maxKeysPerInterval: 3 });
		const allowed = Array.from({ length: 100 }, (_, i) => throttle.allow(`key-${i}`, 10 + i)).filter(Boolean);
		expect(allowed).toHaveLength(3);
		// The next interval has room again.
		expect(throttle.allow("key-50", 1010)).toBe(true);
	});
});
