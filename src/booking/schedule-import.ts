// Moves one merchant's schedule from D1 (where it lived before each merchant's Durable Object held
// it) into the object: bookings, series and busy blocks, plus any legacy outbox row still unsent, and
// the email ledger's rows for its bookings.
// Idempotent and resumable: rows the object already has are kept (an object's row is never older
// than D1's, since only the object writes bookings now), so running it again changes nothing. The
// result carries counts and a checksum of both sides, which the migration command compares.
import { sendJobs } from "../jobs";
import type { Job } from "../jobs";
import { mergeEmailRecords } from "./email-ledger";
import type { ScheduleStore } from "./schedule-store";

export interface Imported {
	bookings: number;
	series: number;
	busyBlocks: number;
	legacyMessages: number;
	/** Rows of D1's email ledger added to the object's, or that marked one of its versions sent. */
	emails: number;
}

/** Counts and SHA-256 of every booking's (id, version, status, staff, resource, times) on each side. */
export interface ScheduleComparison {
	d1: { bookings: number; checksum: string };
	object: { bookings: number; checksum: string };
}

interface D1BookingRow {
	id: string;
	service_id: string;
	staff_id: string;
	resource_id: string | null;
	customer_email: string | null;
	customer_name: string | null;
	customer_phone: string | null;
	user_id: string | null;
	starts_at: number;
	ends_at: number;
	block_start: number;
	block_end: number;
	timezone: string;
	status: "confirmed" | "cancelled";
	customer_notes: string | null;
	merchant_notes: string | null;
	walk_in: number;
	series_id: string | null;
	series_index: number | null;
	original_starts_at: number | null;
	idempotency_key: string | null;
	request_hash: string | null;
	version: number;
	created_at: number;
	updated_at: number;
}

const PAGE = 500;

/** Imports `merchantId`'s D1 schedule into `store` (see the file comment). */
export async function importFromD1(storage: DurableObjectStorage, store: ScheduleStore, d1: D1Database, queue: Queue<Job>, merchantId: string): Promise<Imported> {
	const imported: Imported = { bookings: 0, series: 0, busyBlocks: 0, legacyMessages: 0, emails: 0 };

	const series = await d1.prepare("select id, frequency, count, created_at from booking_series where merchant_id = ?").bind(merchantId).all<{ id: string; frequency: "weekly" | "biweekly" | "monthly"; count: number; created_at: number }>();
	storage.transactionSync(() => {
		for (const row of series.results) {
			if (store.series(row.id) !== null) continue;
			store.insertSeries({ id: row.id, frequency: row.frequency, count: row.count, createdAt: row.created_at });
			imported.series++;
		}
	});

	// Page by id so a large merchant never needs one huge result.
	let after = "";
	for (;;) {
		const page = await d1
			.prepare(
				`select b.*, c.email as customer_email, coalesce(b.customer_name, c.name) as customer_name, coalesce(b.customer_phone, c.phone) as customer_phone, c.user_id as user_id
				 from bookings b left join customers c on c.id = b.customer_id where b.merchant_id = ? and b.id > ? order by b.id limit ?`,
			)
			.bind(merchantId, after, PAGE)
			.all<D1BookingRow>();
		// Cancelled rows first, then confirmed ones: D1 never held overlapping confirmed bookings, and
		// the object's triggers would refuse them if it had.
		const rows = [...page.results].sort((a, b) => Number(a.status === "confirmed") - Number(b.status === "confirmed"));
		storage.transactionSync(() => {
			for (const row of rows) {
				if (store.booking(row.id) !== null) continue;
				store.insertBooking({
					id: row.id,
					serviceId: row.service_id,
					staffId: row.staff_id,
					resourceId: row.resource_id,
					customerEmail: row.customer_email,
					customerName: row.customer_name,
					customerPhone: row.customer_phone,
					userId: row.user_id,
					customerEntitled: false,
					startsAt: row.starts_at,
					endsAt: row.ends_at,
					blockStart: row.block_start,
					blockEnd: row.block_end,
					timezone: row.timezone,
					status: row.status,
					customerNotes: row.customer_notes,
					merchantNotes: row.merchant_notes,
					walkIn: row.walk_in === 1,
					seriesId: row.series_id,
					seriesIndex: row.series_index,
					originalStartsAt: row.original_starts_at,
					idempotencyKey: row.idempotency_key,
					requestHash: row.request_hash,
					version: row.version,
					createdAt: row.created_at,
					updatedAt: row.updated_at,
				});
				imported.bookings++;
			}
		});
		const last = page.results.at(-1);
		if (last === undefined || page.results.length < PAGE) break;
		after = last.id;
	}

	// Busy blocks: at step 0, so any sync result the object receives from now on replaces them.
	const blocks = await d1
		.prepare("select calendar_id, external_event_id, coalesce(external_instance_id, external_event_id) as instance_id, staff_id, starts_at, ends_at, all_day, tentative from busy_blocks where merchant_id = ?")
		.bind(merchantId)
		.all<{ calendar_id: string; external_event_id: string; instance_id: string; staff_id: string | null; starts_at: number; ends_at: number; all_day: number; tentative: number }>();
	storage.transactionSync(() => {
		const sql = storage.sql;
		for (const block of blocks.results) {
			const known = sql.exec("select 1 from feed_events where calendar_id = ? and event_id = ?", block.calendar_id, block.external_event_id).toArray().length > 0;
			const stored = sql.exec("select 1 from busy_blocks where calendar_id = ? and event_id = ? and instance_id = ?", block.calendar_id, block.external_event_id, block.instance_id).toArray().length > 0;
			if (stored || (known && sql.exec("select step from feed_events where calendar_id = ? and event_id = ? and step > 0", block.calendar_id, block.external_event_id).toArray().length > 0)) continue;
			sql.exec(
				"insert into busy_blocks (calendar_id, event_id, instance_id, staff_id, starts_at, ends_at, all_day, tentative) values (?, ?, ?, ?, ?, ?, ?, ?)",
				block.calendar_id,
				block.external_event_id,
				block.instance_id,
				block.staff_id,
				block.starts_at,
				block.ends_at,
				block.all_day,
				block.tentative,
			);
			sql.exec("insert into feed_events (calendar_id, event_id, step) values (?, ?, 0) on conflict do nothing", block.calendar_id, block.external_event_id);
			imported.busyBlocks++;
		}
	});

	// Before the messages below go out: an email D1's ledger says went out is not sent again.
	imported.emails = await importEmailLedger(storage, d1, merchantId);

	// Messages the old write path committed but never relayed: send them now (consumers skip versions
	// they already applied, so a message sent twice is harmless), then mark them sent.
	const legacy = await d1.prepare("select id, booking_id, version, change from outbox where merchant_id = ? and sent_at is null order by id").bind(merchantId).all<{ id: number; booking_id: string; version: number; change: "created" | "rescheduled" | "updated" | "cancelled" }>();
	if (legacy.results.length > 0) {
		// A chunk at a time, each marked sent once queued, so a crash sends at most one chunk again.
		for (let i = 0; i < legacy.results.length; i += 100) {
			const chunk = legacy.results.slice(i, i + 100);
			await sendJobs(queue, chunk.map((row) => ({ type: "booking.changed" as const, merchantId, bookingId: row.booking_id, version: row.version, change: row.change })));
			await d1.prepare("update outbox set sent_at = ? where id in (select value from json_each(?))").bind(Date.now(), JSON.stringify(chunk.map((row) => row.id))).run();
		}
		imported.legacyMessages = legacy.results.length;
	}
	return imported;
}

/**
 * Copies D1's email ledger (customer_emails, where the queue consumer recorded emails before the object
 * held the ledger) for this merchant's bookings into the object's, so no version whose email went out
 * is sent again. Merges, so it can run again; returns how many rows changed the object's ledger.
 */
export async function importEmailLedger(storage: DurableObjectStorage, d1: D1Database, merchantId: string): Promise<number> {
	let changed = 0;
	let after = { bookingId: "", version: 0 };
	for (;;) {
		const page = await d1
			.prepare(
				`select e.booking_id, e.version, e.claimed_at, e.sent_at from customer_emails e join bookings b on b.id = e.booking_id
				 where b.merchant_id = ?1 and (e.booking_id, e.version) > (?2, ?3) order by e.booking_id, e.version limit ?4`,
			)
			.bind(merchantId, after.bookingId, after.version, PAGE)
			.all<{ booking_id: string; version: number; claimed_at: number; sent_at: number | null }>();
		const records = page.results.map((row) => ({ bookingId: row.booking_id, version: row.version, claimedAt: row.claimed_at, sentAt: row.sent_at }));
		changed += storage.transactionSync(() => mergeEmailRecords(storage.sql, records));
		const last = records.at(-1);
		if (last === undefined || records.length < PAGE) return changed;
		after = last;
	}
}

/** Both sides' counts and checksums; equal once the object's outbox has reached D1's read model. */
export async function compareWithD1(storage: DurableObjectStorage, d1: D1Database, merchantId: string): Promise<ScheduleComparison> {
	const d1Rows = await d1
		.prepare("select id, version, status, staff_id, resource_id, starts_at, ends_at, block_start, block_end from bookings where merchant_id = ? order by id")
		.bind(merchantId)
		.all<ChecksumRow>();
	const objectRows = storage.sql.exec<ChecksumRow>("select id, version, status, staff_id, resource_id, starts_at, ends_at, block_start, block_end from bookings order by id").toArray();
	return {
		d1: { bookings: d1Rows.results.length, checksum: await checksum(d1Rows.results) },
		object: { bookings: objectRows.length, checksum: await checksum(objectRows) },
	};
}

type ChecksumRow = {
	id: string;
	version: number;
	status: string;
	staff_id: string;
	resource_id: string | null;
	starts_at: number;
	ends_at: number;
	block_start: number;
	block_end: number;
};

async function checksum(rows: ChecksumRow[]): Promise<string> {
	const text = rows.map((r) => [r.id, r.version, r.status, r.staff_id, r.resource_id ?? "", r.starts_at, r.ends_at, r.block_start, r.block_end].join("|")).join("\n");
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
	return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
