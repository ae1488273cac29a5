// Relays the merchant object's outbox: first into D1's read model of bookings (what crosses
// merchants: a customer's /account, the queue consumer's emails and calendar pushes, reports), then
// onto the queue, already fanned out into one message per side effect (src/sync/fan-out.ts): the same
// D1 batch that writes the read model finds each booking's calendars and Zoom meeting, which saves the
// queue a hop and the side effects about a second. Runs after every write, in the background, and from
// the object's alarm when that fails. Each step is idempotent: a row is only ever written over an older
// version, and a message sent twice is skipped by its consumer, so a crash between the steps re-sends
// and never loses.
import { changeTargetsStatement, targetsOf } from "../db/queries/event-links";
import type { ChangeTargets } from "../db/queries/event-links";
import { sendJobs } from "../jobs";
import type { Job } from "../jobs";
import { newId } from "../ids";
import { changeMessages } from "../sync/fan-out";
import type { BookingRecord, OutboxRecord, ScheduleStore } from "./schedule-store";

const BATCH = 100;

// Constant statement texts: D1 compiles each once.
const UPSERT_CUSTOMER_KEEP = `insert into customers (id, merchant_id, user_id, name, email, phone) values (?1, ?2, ?3, ?4, ?5, ?6)
	on conflict (merchant_id, email) do nothing`;
const UPSERT_CUSTOMER_ENTITLED = `insert into customers (id, merchant_id, user_id, name, email, phone) values (?1, ?2, ?3, ?4, ?5, ?6)
	on conflict (merchant_id, email) do update set name = excluded.name, phone = coalesce(excluded.phone, customers.phone), user_id = coalesce(excluded.user_id, customers.user_id)`;
const INSERT_SERIES = "insert into booking_series (id, merchant_id, frequency, count, created_at) values (?, ?, ?, ?, ?) on conflict (id) do nothing";
const UPSERT_BOOKING = `insert into bookings (id, merchant_id, service_id, staff_id, resource_id, customer_id, customer_name, customer_phone, starts_at, ends_at,
	block_start, block_end, timezone, status, customer_notes, merchant_notes, walk_in, series_id, series_index, original_starts_at, idempotency_key, request_hash,
	version, created_at, updated_at)
	values (?1, ?2, ?3, ?4, ?5, (select id from customers where merchant_id = ?2 and email = ?6), ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)
	on conflict (id) do update set staff_id = excluded.staff_id, resource_id = excluded.resource_id, starts_at = excluded.starts_at, ends_at = excluded.ends_at,
	block_start = excluded.block_start, block_end = excluded.block_end, status = excluded.status, merchant_notes = excluded.merchant_notes,
	version = excluded.version, updated_at = excluded.updated_at
	where excluded.version > bookings.version`;

/** Writes the outbox's unsent changes into D1's read model and onto the queue; returns how many rows were relayed. */
export async function relayOutbox(store: ScheduleStore, d1: D1Database, queue: Queue<Job>, merchantId: string, now: number): Promise<number> {
	let relayed = 0;
	for (;;) {
		const rows = store.unsentOutbox(BATCH);
		if (rows.length === 0) return relayed;
		const statements = readModelStatements(store, d1, merchantId, rows);
		// Each booking's targets after every read-model write, so a booking new to D1 is found.
		const bookingIds = [...new Set(rows.map((row) => row.bookingId))];
		const results = await d1.batch<Record<string, unknown>>([...statements, ...bookingIds.map((id) => changeTargetsStatement(d1, id))]);
		const targets = new Map<string, ChangeTargets>(bookingIds.map((id, i) => [id, targetsOf(results[statements.length + i]?.results ?? [])]));
		const jobs: Job[] = rows.flatMap((row) =>
			changeMessages({ type: "booking.changed", merchantId, bookingId: row.bookingId, version: row.version, change: row.change }, targets.get(row.bookingId) ?? { calendarIds: [], zoom: false }),
		);
		await sendJobs(queue, jobs);
		store.markSent(
			rows.map((row) => row.id),
			now,
		);
		relayed += rows.length;
		if (rows.length < BATCH) return relayed;
	}
}

/**
 * The read-model writes for a run of outbox rows: each booking's current row once (the newest
 * version covers the older messages), its series, and for a new booking the merchant's customer
 * record, created or, for a booking entitled to, updated (see create.ts).
 */
export function readModelStatements(store: ScheduleStore, d1: D1Database, merchantId: string, rows: OutboxRecord[]): D1PreparedStatement[] {
	const statements: D1PreparedStatement[] = [];
	const seen = new Set<string>();
	const series = new Set<string>();
	// Only a booking's creation speaks for its customer: a later change must not write the details
	// typed back then over what the customer record holds now.
	const created = new Set(rows.filter((row) => row.change === "created").map((row) => row.bookingId));
	for (const row of rows) {
		if (seen.has(row.bookingId)) continue;
		seen.add(row.bookingId);
		const booking = store.booking(row.bookingId);
		if (booking === null) continue;
		if (booking.seriesId !== null && !series.has(booking.seriesId)) {
			series.add(booking.seriesId);
			const record = store.series(booking.seriesId);
			if (record !== null) statements.push(d1.prepare(INSERT_SERIES).bind(record.id, merchantId, record.frequency, record.count, record.createdAt));
		}
		if (created.has(booking.id) && booking.customerEmail !== null && booking.customerName !== null) statements.push(customerStatement(d1, merchantId, booking));
		statements.push(bookingStatement(d1, merchantId, booking));
	}
	return statements;
}

function customerStatement(d1: D1Database, merchantId: string, b: BookingRecord): D1PreparedStatement {
	return d1.prepare(b.customerEntitled ? UPSERT_CUSTOMER_ENTITLED : UPSERT_CUSTOMER_KEEP).bind(newId("cus"), merchantId, b.userId, b.customerName, b.customerEmail, b.customerPhone);
}

function bookingStatement(d1: D1Database, merchantId: string, b: BookingRecord): D1PreparedStatement {
	return d1
		.prepare(UPSERT_BOOKING)
		.bind(
			b.id,
			merchantId,
			b.serviceId,
			b.staffId,
			b.resourceId,
			b.customerEmail,
			b.customerName,
			b.customerPhone,
			b.startsAt,
			b.endsAt,
			b.blockStart,
			b.blockEnd,
			b.timezone,
			b.status,
			b.customerNotes,
			b.merchantNotes,
			b.walkIn ? 1 : 0,
			b.seriesId,
			b.seriesIndex,
			b.originalStartsAt,
			b.idempotencyKey,
			b.requestHash,
			b.version,
			b.createdAt,
			b.updatedAt,
		);
}
