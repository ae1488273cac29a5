// Commits changed booking rows with their outbox messages in one D1 batch. Each update is guarded
// by the version it was read at; a row changed meanwhile aborts the whole batch as a conflict.
import { and, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { bookings, outbox } from "../db/schema";
import { ConflictError } from "../errors";
import type { BookingChangeKind } from "../jobs";
import { isStaleVersion } from "./d1-errors";

type BookingRow = typeof bookings.$inferSelect;

/**
 * Writes `updated` (rows whose `version` is one more than when they were read). Throws a
 * ConflictError, and changes nothing, if any of them no longer has the version it was read at.
 */
export async function commitChange(db: Database, updated: BookingRow[], change: BookingChangeKind): Promise<void> {
	// Statements in a batch run one after another, and the triggers check each row as it is written:
	// moving a weekly series by a week would put occurrence 1 onto occurrence 2's old time while that
	// still stands. A parked (cancelled) row is ignored by the triggers, so confirming the rows only
	// once all of them have moved checks each against the others' new times and everyone else's.
	const parked = updated.length > 1 ? updated.filter((row) => row.status === "confirmed") : [];
	try {
		await db.batch([
			...updated.flatMap((row) => [
				db
					.update(bookings)
					.set({
						staffId: row.staffId,
						resourceId: row.resourceId,
						startsAt: row.startsAt,
						endsAt: row.endsAt,
						blockStart: row.blockStart,
						blockEnd: row.blockEnd,
						status: parked.includes(row) ? "cancelled" : row.status,
						merchantNotes: row.merchantNotes,
						version: row.version,
						updatedAt: row.updatedAt,
					})
					.where(and(eq(bookings.id, row.id), eq(bookings.version, row.version - 1))),
				// The message takes its merchant from the row just updated, and only if the update
				// above changed it (changes() counts the batch's previous statement; the version alone
				// would not do, since a concurrent writer may have reached the same version number).
				// Otherwise it is NULL, and outbox.merchant_id's NOT NULL constraint aborts the batch:
				// no change commits without its message, and a stale change never commits at all.
				db.insert(outbox).values({
					merchantId: sql<string>`(select ${bookings.merchantId} from ${bookings} where ${bookings.id} = ${row.id} and ${bookings.version} = ${row.version} and changes() = 1)`,
					bookingId: row.id,
					version: row.version,
					change,
				}),
			]),
			...parked.map((row) =>
				db
					.update(bookings)
					.set({ status: "confirmed" })
					.where(and(eq(bookings.id, row.id), eq(bookings.version, row.version))),
			),
		] as unknown as Parameters<Database["batch"]>[0]);
	} catch (error) {
		if (isStaleVersion(error)) throw new ConflictError("This booking was changed meanwhile; nothing was changed. Reload it and try again.", []);
		throw error;
	}
}
