// Relays committed outbox rows to the provider-push queue. Runs after every write, from the
// Durable Object's alarm when that fails, and from the cron as the last safety net. Delivery is
// at-least-once (a crash between send and mark re-sends); consumers skip versions they already applied.
import { and, asc, eq, inArray, isNull, lt } from "drizzle-orm";
import type { Database } from "../db/client";
import { outbox } from "../db/schema";
import type { BookingChangedJob, Job } from "../jobs";

const BATCH = 100;

export interface RelayFilter {
	merchantId?: string;
	/** Only rows created before this instant (the cron leaves fresh rows to their Durable Object). */
	createdBefore?: number;
}

/** Sends unsent rows and marks them sent; returns how many were relayed. */
export async function relayOutbox(db: Database, queue: Queue<Job>, filter: RelayFilter, now: number): Promise<number> {
	let relayed = 0;
	for (;;) {
		const conditions = [isNull(outbox.sentAt)];
		if (filter.merchantId !== undefined) conditions.push(eq(outbox.merchantId, filter.merchantId));
		if (filter.createdBefore !== undefined) conditions.push(lt(outbox.createdAt, filter.createdBefore));
		const rows = await db
			.select()
			.from(outbox)
			.where(and(...conditions))
			.orderBy(asc(outbox.id))
			.limit(BATCH);
		if (rows.length === 0) return relayed;
		const jobs: BookingChangedJob[] = rows.map((row) => ({
			type: "booking.changed",
			merchantId: row.merchantId,
			bookingId: row.bookingId,
			version: row.version,
			change: row.change,
		}));
		await queue.sendBatch(jobs.map((body) => ({ body, contentType: "json" as const })));
		await db
			.update(outbox)
			.set({ sentAt: now })
			.where(
				inArray(
					outbox.id,
					rows.map((row) => row.id),
				),
			);
		relayed += rows.length;
		if (rows.length < BATCH) return relayed;
	}
}

/** Deletes rows relayed before `sentBefore`; unsent rows are kept however old they are. */
export async function pruneSentOutbox(db: Database, sentBefore: number): Promise<number> {
	const deleted = await db.delete(outbox).where(lt(outbox.sentAt, sentBefore)).returning({ id: outbox.id });
	return deleted.length;
}
