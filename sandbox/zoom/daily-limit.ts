// Zoom's per-user limit of 100 meeting create/update requests a day, reset at 00:00 UTC (docs/integrations.md 3.4),
// counted on the sandbox clock so a test can run into it and advance past midnight.
import type { SandboxHttpError } from "../http-error";
import { dailyLimitError } from "./errors";

export interface DailyUsage {
	/** The UTC date the count belongs to. */
	day: string;
	count: number;
}

/**
 * Counts one meeting write of `email`, or returns the 429 when the day's writes are used up (the refused request
 * does not count). Whether DELETE counts is unconfirmed; here it does not.
 */
export function takeMeetingWrite(usage: Map<string, DailyUsage>, email: string, limit: number, nowMs: number): SandboxHttpError | null {
	const day = new Date(nowMs).toISOString().slice(0, 10);
	const current = usage.get(email);
	const count = current?.day === day ? current.count : 0;
	if (count >= limit) return dailyLimitError(limit, nowMs);
	usage.set(email, { day, count: count + 1 });
	return null;
}
