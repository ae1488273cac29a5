// External busy time in the merchant's object: inbound sync hands over one batch per sync step
// (one RPC), applied here in one transaction. Steps are handed out by D1 when a sync claims the
// calendar's cursor, so they order a calendar's results even when two arrive out of order: each
// event keeps the blocks of the newest step that wrote (or removed) it.

export interface FeedBlock {
	instanceId: string;
	start: number;
	end: number;
	allDay: boolean;
	tentative: boolean;
}

export interface FeedEvent {
	eventId: string;
	/** The booking (or series) id a Slotline-written event carries; this merchant's own are skipped. */
	marker: string | null;
	blocks: FeedBlock[];
}

export interface FeedBatch {
	calendarId: string;
	/** The calendar's generation when the sync started: a disconnect or uncheck since moves it on. */
	generation: number;
	/** Orders this calendar's results; later steps win per event. */
	step: number;
	/** Whose time the blocks take; null for a business-wide calendar (everyone's). */
	staffId: string | null;
	/** A full result replaces every event older than it; an incremental one only the events it names. */
	full: boolean;
	events: FeedEvent[];
	/** Events deleted at the source (incremental results only). */
	removed: string[];
}

export interface FeedOutcome {
	/** False when the calendar was cleared at a later generation: nothing was written. */
	applied: boolean;
	blocks: number;
}

/** Applies a batch in one transaction (see the file comment). */
export function applyFeedBatch(storage: DurableObjectStorage, batch: FeedBatch, ownIds: (ids: string[]) => Set<string>): FeedOutcome {
	const sql = storage.sql;
	return storage.transactionSync(() => {
		const current = sql.exec<{ generation: number }>("select generation from feed_calendars where calendar_id = ?", batch.calendarId).toArray()[0];
		if (current !== undefined && current.generation > batch.generation) return { applied: false, blocks: 0 };
		sql.exec(
			"insert into feed_calendars (calendar_id, generation) values (?, ?) on conflict (calendar_id) do update set generation = max(generation, excluded.generation)",
			batch.calendarId,
			batch.generation,
		);
		if (batch.full) {
			// Everything older than this full result is gone unless the result names it again.
			sql.exec(
				"delete from busy_blocks where calendar_id = ?1 and event_id in (select event_id from feed_events where calendar_id = ?1 and step < ?2)",
				batch.calendarId,
				batch.step,
			);
			sql.exec("delete from feed_events where calendar_id = ? and step < ?", batch.calendarId, batch.step);
		}
		const own = ownIds([...new Set(batch.events.flatMap((event) => (event.marker === null ? [] : [event.marker])))]);
		let blocks = 0;
		const replace = (eventId: string, rows: FeedBlock[]): void => {
			const newer = sql.exec<{ step: number }>("select step from feed_events where calendar_id = ? and event_id = ?", batch.calendarId, eventId).toArray()[0];
			if (newer !== undefined && newer.step > batch.step) return;
			sql.exec("delete from busy_blocks where calendar_id = ? and event_id = ?", batch.calendarId, eventId);
			for (const row of rows) {
				sql.exec(
					"insert into busy_blocks (calendar_id, event_id, instance_id, staff_id, starts_at, ends_at, all_day, tentative) values (?, ?, ?, ?, ?, ?, ?, ?)",
					batch.calendarId,
					eventId,
					row.instanceId,
					batch.staffId,
					row.start,
					row.end,
					row.allDay ? 1 : 0,
					row.tentative ? 1 : 0,
				);
			}
			blocks += rows.length;
			sql.exec(
				"insert into feed_events (calendar_id, event_id, step) values (?, ?, ?) on conflict (calendar_id, event_id) do update set step = excluded.step",
				batch.calendarId,
				eventId,
				batch.step,
			);
		};
		for (const eventId of batch.removed) replace(eventId, []);
		for (const event of batch.events) replace(event.eventId, event.marker !== null && own.has(event.marker) ? [] : event.blocks);
		return { applied: true, blocks };
	});
}

/** Forgets a calendar's blocks; results of generations before `generation` are refused from now on. */
export function clearFeedCalendar(storage: DurableObjectStorage, calendarId: string, generation: number): void {
	const sql = storage.sql;
	storage.transactionSync(() => {
		sql.exec("delete from busy_blocks where calendar_id = ?", calendarId);
		sql.exec("delete from feed_events where calendar_id = ?", calendarId);
		sql.exec(
			"insert into feed_calendars (calendar_id, generation) values (?, ?) on conflict (calendar_id) do update set generation = max(generation, excluded.generation)",
			calendarId,
			generation,
		);
	});
}
