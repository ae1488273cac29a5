// D1's side of moving each merchant's schedule into its Durable Object (scripts/migrate-schedules.mjs):
// which merchants are still to do, what D1 holds for each, and the mark that one is done.
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Database } from "../client";
import { merchants } from "../schema";

export interface UnmigratedMerchant {
	id: string;
	slug: string;
	name: string;
	/** What D1 holds for it: what the import moves (bookings, series, busy blocks) or relays (unsent legacy outbox rows). */
	d1: { bookings: number; series: number; busyBlocks: number; unsentMessages: number };
}

/** Up to `limit` merchants not yet marked migrated, by id, after `after`: a re-run resumes where the last stopped. */
export async function unmigratedMerchants(db: Database, after: string, limit: number): Promise<UnmigratedMerchant[]> {
	const rows = await db
		.select({
			id: merchants.id,
			slug: merchants.slug,
			name: merchants.name,
			// Spelled out: drizzle writes a column of the one table selected from without its table name,
			// which inside these subqueries would name their own table's column.
			bookings: sql<number>`(select count(*) from bookings where bookings.merchant_id = merchants.id)`,
			series: sql<number>`(select count(*) from booking_series where booking_series.merchant_id = merchants.id)`,
			busyBlocks: sql<number>`(select count(*) from busy_blocks where busy_blocks.merchant_id = merchants.id)`,
			unsentMessages: sql<number>`(select count(*) from outbox where outbox.merchant_id = merchants.id and outbox.sent_at is null)`,
		})
		.from(merchants)
		.where(and(isNull(merchants.scheduleMigratedAt), gt(merchants.id, after)))
		.orderBy(asc(merchants.id))
		.limit(limit);
	return rows.map(({ bookings, series, busyBlocks, unsentMessages, ...merchant }) => ({ ...merchant, d1: { bookings, series, busyBlocks, unsentMessages } }));
}

/** Marks the merchant migrated; a later run keeps the first time. Answers the time it holds. */
export async function markScheduleMigrated(db: Database, merchantId: string, now: number): Promise<number> {
	const [row] = await db
		.update(merchants)
		.set({ scheduleMigratedAt: sql`coalesce(${merchants.scheduleMigratedAt}, ${now})` })
		.where(eq(merchants.id, merchantId))
		.returning({ migratedAt: merchants.scheduleMigratedAt });
	return row?.migratedAt ?? now;
}

export interface OverlappingPair {
	/** The two confirmed bookings (by id order) whose buffered blocks overlap. */
	bookingIds: [string, string];
	staffId: string;
	start: number;
}

/**
 * Confirmed bookings of the merchant in D1 that overlap on a staff member or resource. D1 never held
 * such pairs before the move; one can appear when a booking was taken in the object (which did not yet
 * know D1's older bookings) before the merchant was migrated, and then the object refuses the import.
 */
export async function overlappingBookings(db: Database, merchantId: string, limit = 20): Promise<OverlappingPair[]> {
	// Per staff member and per resource, each through its (owner, block_start) index: a block is at most
	// 7 days (the bookings_block_span check), so an overlapping one starts less than 7 days earlier.
	const pairs = (owner: "staff_id" | "resource_id") => sql`
		select a.id as a, b.id as b, a.staff_id, min(a.starts_at, b.starts_at) as starts_at
		from bookings a join bookings b
			on b.${sql.raw(owner)} = a.${sql.raw(owner)} and b.block_start < a.block_end and b.block_start > a.block_start - 604800000
		where a.merchant_id = ${merchantId} and b.merchant_id = ${merchantId} and a.id < b.id
			and a.status = 'confirmed' and b.status = 'confirmed' and b.block_end > a.block_start`;
	const rows = await db.all<{ a: string; b: string; staff_id: string; starts_at: number }>(
		sql`${pairs("staff_id")} union ${pairs("resource_id")} order by starts_at, a, b limit ${limit}`,
	);
	return rows.map((row) => ({ bookingIds: [row.a, row.b], staffId: row.staff_id, start: row.starts_at }));
}
