// The stretch of time inbound sync keeps as busy blocks: 90 days back, 365 days ahead of now.
import type { SyncWindow } from "../calendars/provider";

export const SYNC_PAST_MS = 90 * 86_400_000;
export const SYNC_AHEAD_MS = 365 * 86_400_000;

export function syncWindow(now: number, timeZone: string): SyncWindow {
	return { from: now - SYNC_PAST_MS, to: now + SYNC_AHEAD_MS, timeZone };
}
