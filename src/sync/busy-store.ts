// Turns one step of a calendar's change feed into busy_blocks: which instances block time (and how),
// and the single D1 batch that applies them together with the new cursor, or not at all.
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import type { ExternalEvent, ExternalInstance, SyncResult } from "../calendars/provider";
import { midnightOf } from "../calendars/event-time";

/** What a stored block needs besides the instance: whose time it is and in which zone days are read. */
export interface BlockOwner {
	merchantId: string;
	/** Null for a business-wide connection (its blocks block nobody in particular). */
	staffId: string | null;
	/** The staff member's IANA zone: all-day events block their whole local days here. */
	timeZone: string;
}

export interface BlockRow {
	eventId: string;
	instanceId: string;
	start: number;
	end: number;
	allDay: boolean;
	tentative: boolean;
}

/** Rows per INSERT … SELECT FROM json_each(?): keeps each bound JSON string well under D1's 2 MB value limit. */
const ROWS_PER_STATEMENT = 4000;

/**
 * The blocks one external event contributes. The syncing business's own booking events (their marker
 * is in `ownBookings`), cancelled, free (transparent) and declined instances block nothing; tentative
 * ones are kept with the flag (availability applies the merchant's policy); all-day instances cover
 * the staff member's local days. A booking event another business wrote blocks time like any other
 * event: one person working at two businesses may check the same calendar in both.
 */
export function blocksOf(event: ExternalEvent, owner: BlockOwner, ownBookings: ReadonlySet<string>): BlockRow[] {
	if (event.slotlineBookingId !== null && ownBookings.has(event.slotlineBookingId)) return [];
	const rows: BlockRow[] = [];
	for (const instance of event.instances) {
		const row = blockOf(event.id, instance, owner.timeZone);
		if (row !== null) rows.push(row);
	}
	return rows;
}

function blockOf(eventId: string, instance: ExternalInstance, timeZone: string): BlockRow | null {
	if (instance.status === "cancelled" || instance.transparent || instance.declined) return null;
	// Providers give all-day bounds as dates; the instants are recomputed in the staff zone so a
	// day off means the same local day whatever zone the calendar or Graph's UTC view used.
	const start = instance.allDay === null ? instance.start : midnightOf(instance.allDay.startDate, timeZone);
	const end = instance.allDay === null ? instance.end : midnightOf(instance.allDay.endDate, timeZone);
	if (!(end > start)) return null;
	return { eventId, instanceId: instance.instanceId, start, end, allDay: instance.allDay !== null, tentative: instance.status === "tentative" };
}

/** The busy_blocks rows of these events, as the insert statements bind them (JSON arrays). */
export function blockRows(events: Iterable<ExternalEvent>, owner: BlockOwner, ownBookings: ReadonlySet<string>): unknown[][] {
	const rows: unknown[][] = [];
	const ids = new BlockIds();
	for (const event of events) {
		for (const row of blocksOf(event, owner, ownBookings)) {
			rows.push([ids.next(), row.eventId, row.instanceId, row.start, row.end, row.allDay ? 1 : 0, row.tentative ? 1 : 0]);
		}
	}
	return rows;
}

/** Bytes of randomness per id: the same 120 bits as ids.ts newId, so block ids look like every other id. */
const ID_BYTES = 15;
/** getRandomValues fills at most 65,536 bytes per call. */
const IDS_PER_DRAW = Math.floor(65_536 / ID_BYTES);

/**
 * "blk_…" ids drawn in bulk: a full sync makes tens of thousands, and one getRandomValues call per id
 * was the largest single CPU cost of the whole sync.
 */
class BlockIds {
	private pool = new Uint8Array(0);
	private used = 0;

	next(): string {
		if (this.used + ID_BYTES > this.pool.length) {
			this.pool = crypto.getRandomValues(new Uint8Array(IDS_PER_DRAW * ID_BYTES));
			this.used = 0;
		}
		const bytes = this.pool.subarray(this.used, this.used + ID_BYTES);
		this.used += ID_BYTES;
		return `blk_${encodeBase32LowerCaseNoPadding(bytes)}`;
	}
}

export interface ApplyOutcome {
	/** False when another sync moved the cursor first: nothing was written (that sync did the work). */
	applied: boolean;
	blocks: number;
}

/** Where a sync started: the calendar's cursor and generation when it read them. */
export interface SyncStart {
	cursor: string | null;
	generation: number;
}

/**
 * Applies a sync result in one D1 batch (one transaction). A full result replaces every block of the
 * calendar; an incremental one replaces the blocks of each changed or removed event. Every statement
 * is guarded by where the sync started: the same cursor (of two syncs racing from it only the first
 * commits, and a stale result never overwrites a newer one), the same generation (a disconnect,
 * uncheck or loss of the calendar meanwhile throws the result away, even when the cursor was null
 * both before and after), and the calendar still checked for conflicts.
 */
export async function applySyncResult(
	d1: D1Database,
	calendarId: string,
	owner: BlockOwner,
	start: SyncStart,
	result: SyncResult,
	nextCursor: string,
	now: number,
): Promise<ApplyOutcome> {
	const guard = "exists (select 1 from connection_calendars where id = ?1 and sync_cursor is ?2 and sync_generation = ?3 and check_conflicts = 1)";
	const at = (statement: string, ...rest: unknown[]): D1PreparedStatement => d1.prepare(statement).bind(calendarId, start.cursor, start.generation, ...rest);
	const statements: D1PreparedStatement[] = [];
	const latest = new Map<string, ExternalEvent>();
	for (const event of result.changed) latest.set(event.id, event);
	if (result.full) {
		statements.push(at(`delete from busy_blocks where calendar_id = ?1 and ${guard}`));
	} else {
		const touched = [...new Set([...result.removed, ...latest.keys()])];
		for (let i = 0; i < touched.length; i += ROWS_PER_STATEMENT) {
			statements.push(at(`delete from busy_blocks where calendar_id = ?1 and external_event_id in (select value from json_each(?4)) and ${guard}`, JSON.stringify(touched.slice(i, i + ROWS_PER_STATEMENT))));
		}
	}
	const rows = blockRows(latest.values(), owner, await ownBookingMarkers(d1, owner.merchantId, latest.values()));
	for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
		statements.push(
			at(
				`insert into busy_blocks (id, merchant_id, staff_id, calendar_id, external_event_id, external_instance_id, starts_at, ends_at, all_day, tentative)
				 select json_extract(j.value, '$[0]'), ?4, ?5, ?1, json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]'),
				        json_extract(j.value, '$[4]'), json_extract(j.value, '$[5]'), json_extract(j.value, '$[6]')
				 from json_each(?6) j where ${guard}`,
				owner.merchantId,
				owner.staffId,
				JSON.stringify(rows.slice(i, i + ROWS_PER_STATEMENT)),
			),
		);
	}
	// Last, so every guard above still sees the starting cursor.
	statements.push(at(`update connection_calendars set sync_cursor = ?4, last_synced_at = ?5, unavailable_since = null where id = ?1 and ${guard}`, nextCursor, now));
	const results = await d1.batch(statements);
	const applied = (results.at(-1)?.meta.changes ?? 0) > 0;
	return { applied, blocks: applied ? rows.length : 0 };
}

/**
 * The booking markers among `events` that name a booking or booking series of `merchantId`. The
 * marker is the booking (or series) id, unique across businesses, so this tells the syncing
 * business's own events from those another business wrote into the same calendar.
 */
async function ownBookingMarkers(d1: D1Database, merchantId: string, events: Iterable<ExternalEvent>): Promise<Set<string>> {
	const markers = [...new Set([...events].flatMap((event) => (event.slotlineBookingId === null ? [] : [event.slotlineBookingId])))];
	const statements: D1PreparedStatement[] = [];
	for (let i = 0; i < markers.length; i += ROWS_PER_STATEMENT) {
		statements.push(
			d1
				.prepare(
					`select id from bookings where merchant_id = ?1 and id in (select value from json_each(?2))
					 union all select id from booking_series where merchant_id = ?1 and id in (select value from json_each(?2))`,
				)
				.bind(merchantId, JSON.stringify(markers.slice(i, i + ROWS_PER_STATEMENT))),
		);
	}
	if (statements.length === 0) return new Set();
	const results = await d1.batch<{ id: string }>(statements);
	return new Set(results.flatMap((result) => result.results.map((row) => row.id)));
}

/**
 * Forgets a calendar's blocks and cursor (it is no longer checked for conflicts), and moves its
 * generation so a sync already running cannot store its result afterwards.
 */
export async function clearCalendarBlocks(d1: D1Database, calendarId: string): Promise<void> {
	await d1.batch([
		d1.prepare("delete from busy_blocks where calendar_id = ?1").bind(calendarId),
		d1.prepare("update connection_calendars set sync_cursor = null, sync_generation = sync_generation + 1 where id = ?1").bind(calendarId),
	]);
}
