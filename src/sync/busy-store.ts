// Hands one step of a calendar's change feed, as busy blocks (feed-batch.ts), to the merchant's Durable
// Object, which holds them (src/booking/busy-feed.ts).
//
// A step is applied in two parts, D1 first:
// 1. Claim: the calendar's cursor moves to the new one and its sync_step is counted up, guarded by where
//    the sync started (the same cursor: of two syncs racing from it only the first claims, so a stale
//    result never moves the cursor back; the same generation: a disconnect, uncheck or loss of the
//    calendar meanwhile throws the result away; and the calendar still checked). Not claimed: nothing
//    is written anywhere.
// 2. Apply: one RPC carries the step's blocks (a full result too: one RPC per step). The object keeps,
//    per event, whatever the newest step wrote and refuses generations older than a clear, so a slow
//    RPC can neither overwrite a newer step nor bring back blocks a disconnect removed.
// If the RPC fails, the cursor has already moved past changes the object never saw. So the cursor is
// reset (sync_cursor = null, only while the generation is still the claimed one: a clear since has
// reset it already), which makes the next sync a full resync that replaces the calendar's blocks, and
// the error is rethrown so the queue retries the job. The reset is not tied to the claimed step: a
// step claimed meanwhile read on from this step's cursor, so its incremental result lacks this step's
// changes too. Should D1 refuse the reset as well, the daily full resync (FULL_RESYNC_AFTER_MS in
// inbound.ts) repairs the calendar.
import { merchantSchedule } from "../booking/merchant-schedule";
import type { SyncResult } from "../calendars/provider";
import { d1 } from "../db/client";
import { errorFields, logLine } from "../log";
import { feedBatch } from "./feed-batch";
import type { BlockOwner } from "./feed-batch";

export interface ApplyOutcome {
	/**
	 * False when another sync moved the cursor first (that sync did the work), or the calendar was
	 * cleared since the sync started: nothing was written.
	 */
	applied: boolean;
	blocks: number;
}

/** Where a sync started: the calendar's cursor and generation when it read them. */
export interface SyncStart {
	cursor: string | null;
	generation: number;
}

const CLAIM = `update connection_calendars set sync_cursor = ?4, last_synced_at = ?5, unavailable_since = null, sync_step = sync_step + 1
	where id = ?1 and sync_cursor is ?2 and sync_generation = ?3 and check_conflicts = 1 returning sync_step`;
const FORGET_CURSOR = "update connection_calendars set sync_cursor = null where id = ?1 and sync_generation = ?2";
const CLEAR = "update connection_calendars set sync_cursor = null, sync_generation = sync_generation + 1 where id = ?1 returning sync_generation";

/**
 * Applies a sync result: claims the step in D1, then hands the blocks to the merchant's object (see
 * the file comment). A full result replaces every block of the calendar older than it; an incremental
 * one replaces the blocks of each changed or removed event.
 */
export async function applySyncResult(env: Env, calendarId: string, owner: BlockOwner, start: SyncStart, result: SyncResult, nextCursor: string, now: number): Promise<ApplyOutcome> {
	const batch = feedBatch(calendarId, owner, start.generation, result);
	const db = d1(env.DB);
	const claimed = await db.prepare(CLAIM).bind(calendarId, start.cursor, start.generation, nextCursor, now).first<{ sync_step: number }>();
	if (claimed === null) return { applied: false, blocks: 0 };
	try {
		const outcome = await merchantSchedule(env, owner.merchantId).applyFeed({ ...batch, step: claimed.sync_step });
		return { applied: outcome.applied, blocks: outcome.blocks };
	} catch (error) {
		// The object's failure is what the queue retries; a failed reset is left to the daily full resync.
		await db
			.prepare(FORGET_CURSOR)
			.bind(calendarId, start.generation)
			.run()
			.catch((reset: unknown) => logLine("error", "sync cursor not reset after a failed apply", { calendarId, error: errorFields(reset) }));
		throw error;
	}
}

/**
 * Forgets a calendar's blocks and cursor (it is no longer checked for conflicts), and moves its
 * generation so a sync already running cannot store its result afterwards: D1 first (a sync claiming
 * after it finds the generation moved), then the object, which from then on refuses results of the
 * older generations. Throws if the object could not be reached; calling it again is harmless.
 */
export async function clearCalendarBlocks(env: Env, merchantId: string, calendarId: string): Promise<void> {
	const cleared = await d1(env.DB).prepare(CLEAR).bind(calendarId).first<{ sync_generation: number }>();
	if (cleared === null) return;
	await merchantSchedule(env, merchantId).clearCalendar(calendarId, cleared.sync_generation);
}
