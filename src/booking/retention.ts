// How long the write path's bookkeeping is kept: relayed outbox rows and the email ledger (both in each
// merchant's object, pruned by its alarm), and D1's email ledger from before the objects held it (pruned
// by the cron). They only matter while a message may still be delivered again, which the queue bounds to days.
import type { Database } from "../db/client";
import { pruneEmailLedger } from "./email-ledger";

const DAY = 86_400_000;
/** Relayed rows are kept a week for inspection, then deleted. */
export const OUTBOX_RETENTION_MS = 7 * DAY;
/** Longer than a queue message can live with all its retries (at most 14 days), so no redelivery finds its row gone. */
export const EMAIL_LEDGER_RETENTION_MS = 30 * DAY;

/** Deletes bookkeeping past its retention; returns how many rows went. */
export async function pruneBookingMessages(db: Database, now: number): Promise<number> {
	return pruneEmailLedger(db, now - EMAIL_LEDGER_RETENTION_MS);
}
