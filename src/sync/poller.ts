// The calendar poller: a Durable Object per polled connection (polling.ts says which) that reads its
// calendars on their own cadence (poll-cadence.ts), driven by the object's alarm. Its SQLite keeps, per
// calendar, the version the last probe saw, when it last checked and last found a change, the interval,
// failures in a row and the next poll; the alarm is set to the earliest next poll. An unchanged calendar
// costs one small request (the adapter's probe) and no D1 statement; a changed one runs the ordinary
// inbound sync (inbound.ts), which hands its blocks to the merchant's object. One object per connection
// keeps one account's requests one after another (iCloud limits per account) and confines a slow or
// failing server's delay to its own calendars. The cron's ensure() restarts a schedule that stopped.
import { DurableObject } from "cloudflare:workers";
import { and, eq, exists, gte, lte, or, sql } from "drizzle-orm";
import type { CalendarProvider, ProbeResult } from "../calendars/provider";
import { ProviderError } from "../calendars/provider";
import { database } from "../db/client";
import type { Database } from "../db/client";
import { calendarsOf, connectionById, isCalendarConnection } from "../db/queries/connections";
import type { CalendarConnectionRow, ConnectionCalendarRow, ConnectionRow } from "../db/queries/connections";
import { dateOverrides, staff, workingHours } from "../db/schema";
import { inPhase } from "../db/statement-count";
import { errorFields, logLine } from "../log";
import { ownAddressesOf } from "./adapters";
import { adapterFor, syncContextFor } from "./context";
import { errorSummary } from "./error-summary";
import { FULL_RESYNC_AFTER_MS, parseStoredCursor, runCalendarSync } from "./inbound";
import type { SyncReport } from "./inbound";
import { HOT_MIN_MS, firstPollDelayMs, nextPoll } from "./poll-cadence";
import type { PollOutcome } from "./poll-cadence";
import { isPolled, isReadable } from "./polling";
import type { PollStatus } from "./polling";
import type { InboundContext } from "./push-channels";

/** The connection and its calendars are read from D1 again after this (and after any failure). */
const RELOAD_AFTER_MS = 3 * 60_000;
/** When D1 could not be read at all: try again this much later. */
const LOAD_RETRY_MS = 60_000;
/** The alarm never fires sooner than this after the last one ended. */
const MIN_GAP_MS = 1_000;
/** "Bookable soon": working hours, or a one-off day with hours, within this. */
const BOOKABLE_AHEAD_DAYS = 7;
const DAY_MS = 86_400_000;

const SCHEMA = `
create table if not exists poller_meta (key text primary key, value text not null);
create table if not exists polled_calendars (
	calendar_id text primary key,
	version text,
	last_checked_at integer,
	last_changed_at integer,
	interval_ms integer not null,
	failures integer not null default 0,
	next_at integer,
	last_error text,
	full_at integer not null
)`;

type PolledRow = {
	calendar_id: string;
	version: string | null;
	last_checked_at: number | null;
	last_changed_at: number | null;
	interval_ms: number;
	failures: number;
	next_at: number | null;
	last_error: string | null;
	full_at: number;
};

/** The connection as the last load saw it; polls reuse it (and its adapter) for RELOAD_AFTER_MS. */
interface Loaded {
	at: number;
	connection: CalendarConnectionRow;
	calendars: ConnectionCalendarRow[];
	bookableSoon: boolean;
	/** The owner's addresses, which CalDAV and feed adapters match declined invitations by. */
	ownAddresses: string[];
	context: InboundContext;
	adapter: CalendarProvider | null;
}

/** Loaded as kept in the object's SQLite between evictions: the rows as D1 gave them (credentials sealed). */
type StoredLoad = Pick<Loaded, "at" | "connection" | "calendars" | "bookableSoon" | "ownAddresses">;

/** What one calendar's poll means for the rest of this alarm. */
type After = "next" | "stop";

export class CalendarPoller extends DurableObject<Env> {
	/** The time and jitter the schedule is computed with; tests replace them (runInDurableObject). */
	clock: () => number = () => Date.now();
	random: () => number = Math.random;
	private loaded: Loaded | null = null;
	private schemaReady = false;

	// ---- RPC ----------------------------------------------------------------------------------------

	/**
	 * Starts the schedule if none runs (idempotent), re-reads the connection on the next poll, and tries
	 * calendars stopped by a refused grant or a vanished calendar again.
	 */
	async ensure(connectionId: string): Promise<void> {
		const storage = this.sql();
		storage.exec("insert into poller_meta (key, value) values ('connection', ?) on conflict (key) do update set value = excluded.value", connectionId);
		this.dropLoaded();
		const now = this.clock();
		const update = storage.exec("update polled_calendars set next_at = ? where next_at is null", now);
		update.toArray();
		const restarted = update.rowsWritten;
		const start = now + firstPollDelayMs(this.random);
		const current = await this.ctx.storage.getAlarm();
		if (current === null || (restarted > 0 && current > start)) await this.ctx.storage.setAlarm(start);
	}

	/** Each polled calendar's state, for the Integrations page. */
	async status(): Promise<PollStatus[]> {
		return this.rows().map((row) => ({
			calendarId: row.calendar_id,
			lastCheckedAt: row.last_checked_at,
			lastChangedAt: row.last_changed_at,
			intervalMs: row.interval_ms,
			nextAt: row.next_at,
			failures: row.failures,
			lastError: row.last_error,
		}));
	}

	override async alarm(): Promise<void> {
		await inPhase("background", () => this.pollDue());
	}

	/**
	 * Polls every scheduled calendar now, as the alarm would, and answers how many were checked and how many of
	 * those found a change. Only POST /_dev/poll-now calls it (scripts/bench/polling.mjs counts the unchanged
	 * polls a Worker handles a second); a stopped calendar stays stopped.
	 */
	async pollNow(): Promise<{ checked: number; changed: number }> {
		const started = this.clock();
		this.sql().exec("update polled_calendars set next_at = ? where next_at is not null", started);
		await inPhase("background", () => this.pollDue());
		const rows = this.rows();
		return {
			checked: rows.filter((row) => row.last_checked_at !== null && row.last_checked_at >= started).length,
			changed: rows.filter((row) => row.last_changed_at !== null && row.last_changed_at >= started).length,
		};
	}

	// ---- one alarm: the due calendars, one after another ---------------------------------------------

	private async pollDue(): Promise<void> {
		const connectionId = this.sql().exec<{ value: string }>("select value from poller_meta where key = 'connection'").toArray()[0]?.value;
		if (connectionId === undefined) return this.forget();
		let loaded: Loaded | null;
		try {
			loaded = await this.load(connectionId);
		} catch (error) {
			logLine("warn", "calendar poller could not read its connection", { connectionId, error: errorFields(error) });
			await this.ctx.storage.setAlarm(this.clock() + LOAD_RETRY_MS);
			return;
		}
		// Disconnected, waiting for re-authorisation, or nothing checked: ensure() starts it again.
		if (loaded === null) return this.forget();
		this.reconcile(loaded);
		const due = this.rows()
			.filter((row) => row.next_at !== null && row.next_at <= this.clock())
			.sort((a, b) => (a.next_at ?? 0) - (b.next_at ?? 0));
		for (const row of due) {
			const calendar = loaded.calendars.find((c) => c.id === row.calendar_id);
			if (calendar === undefined) continue;
			if ((await this.pollOne(loaded, calendar, row)) === "stop") break;
		}
		await this.scheduleNext();
	}

	/**
	 * Probes the calendar and, if it changed (or the adapter cannot probe, or the window is due for its
	 * daily full pass), syncs it; its new state and next poll are stored. Never throws: one calendar's
	 * failure only backs that calendar off.
	 */
	private async pollOne(loaded: Loaded, calendar: ConnectionCalendarRow, row: PolledRow): Promise<After> {
		// Without a cursor (its state was thrown away: a vanished calendar, a failed hand-over) only a sync
		// rebuilds the blocks, however unchanged the server says it is.
		const syncAnyway = this.clock() - row.full_at >= FULL_RESYNC_AFTER_MS || calendar.syncCursor === null;
		let probe: ProbeResult | null = null;
		try {
			loaded.adapter ??= await adapterFor(loaded.context, loaded.connection, loaded.ownAddresses);
			if (loaded.adapter.probe !== undefined && !syncAnyway) {
				probe = await loaded.adapter.probe(calendar.externalId, row.version);
				if (!probe.changed) {
					this.succeeded(loaded, row, { changed: false, version: probe.version, fullAt: row.full_at });
					return "next";
				}
			}
		} catch (error) {
			// A refused password or a vanished calendar: the sync meets it too and records it as it always does.
			if (!(error instanceof ProviderError) || error.retryable) return this.failed(loaded, row, error);
		}
		let report: SyncReport;
		try {
			report = await runCalendarSync(loaded.context, { type: "calendar.sync", calendarId: calendar.id, reason: "poll" });
		} catch (error) {
			return this.failed(loaded, row, error);
		}
		switch (report.outcome) {
			case "synced":
			case "unchanged":
				// The probe's version only now: had the sync failed, the next probe must still see a change.
				this.succeeded(loaded, row, { changed: report.outcome === "synced" && !syncAnyway, version: probe?.version ?? null, fullAt: report.full ? this.clock() : row.full_at });
				// The cached row still says "no cursor"; the next alarm reads the one this sync stored.
				if (calendar.syncCursor === null) this.dropLoaded();
				return "next";
			case "raced":
				// Another sync took this step; the next probe compares with the version from before it.
				this.succeeded(loaded, row, { changed: false, version: row.version, fullAt: row.full_at });
				return "next";
			case "failed":
				// A provider refusal retrying cannot fix soon (the sync logged it): backed off like any failure.
				return this.failed(loaded, row, new ProviderError({ provider: loaded.connection.provider, status: 0, code: "syncRefused", retryable: false }));
			case "unavailable":
				this.stopped(row, "calendar unavailable");
				return "next";
			case "revoked":
				// The connection asks for re-authorisation; the next alarm finds it so and stops.
				this.stopped(row, "access refused");
				this.dropLoaded();
				return "stop";
			case "skipped":
			case "unchecked":
				// The calendar or connection changed under the cached copy: read it again on the next alarm.
				this.dropLoaded();
				this.sql().exec("update polled_calendars set next_at = ? where calendar_id = ?", this.clock() + HOT_MIN_MS, row.calendar_id);
				return "next";
		}
	}

	private succeeded(loaded: Loaded, row: PolledRow, seen: { changed: boolean; version: string | null; fullAt: number }): void {
		const now = this.clock();
		const lastChangedAt = seen.changed ? now : row.last_changed_at;
		const cadence = nextPoll(
			{ now, provider: loaded.connection.provider, lastChangedAt, bookableSoon: loaded.bookableSoon, previousIntervalMs: row.interval_ms, failures: 0, outcome: { kind: "ok", changed: seen.changed } },
			this.random,
		);
		this.sql().exec(
			"update polled_calendars set version = ?, last_checked_at = ?, last_changed_at = ?, interval_ms = ?, failures = 0, next_at = ?, last_error = null, full_at = ? where calendar_id = ?",
			seen.version,
			now,
			lastChangedAt,
			cadence.intervalMs,
			cadence.nextAt,
			seen.fullAt,
			row.calendar_id,
		);
	}

	private failed(loaded: Loaded, row: PolledRow, error: unknown): After {
		const now = this.clock();
		const failures = row.failures + 1;
		const outcome: PollOutcome =
			error instanceof ProviderError
				? { kind: "failed", status: error.status, retryAfterMs: error.retryAfterSeconds === null ? null : error.retryAfterSeconds * 1000 }
				: { kind: "failed", status: 0, retryAfterMs: null };
		const cadence = nextPoll(
			{ now, provider: loaded.connection.provider, lastChangedAt: row.last_changed_at, bookableSoon: loaded.bookableSoon, previousIntervalMs: row.interval_ms, failures, outcome },
			this.random,
		);
		this.sql().exec(
			"update polled_calendars set failures = ?, interval_ms = ?, next_at = ?, last_error = ? where calendar_id = ?",
			failures,
			cadence.intervalMs,
			cadence.nextAt,
			errorSummary(error),
			row.calendar_id,
		);
		// What failed may be the cached connection (a new password, a moved calendar): read it again.
		this.dropLoaded();
		logLine("warn", "calendar poll failed", { connectionId: loaded.connection.id, calendarId: row.calendar_id, failures, retryInMs: cadence.intervalMs, error: errorFields(error) });
		return "next";
	}

	/** No polls until ensure(); the version is forgotten, so the first one after syncs whatever the probe says. */
	private stopped(row: PolledRow, reason: string): void {
		this.sql().exec("update polled_calendars set next_at = null, version = null, last_error = ? where calendar_id = ?", reason, row.calendar_id);
	}

	private async scheduleNext(): Promise<void> {
		const next = this.sql().exec<{ next_at: number | null }>("select min(next_at) as next_at from polled_calendars").toArray()[0]?.next_at ?? null;
		if (next === null) await this.ctx.storage.deleteAlarm();
		else await this.ctx.storage.setAlarm(Math.max(next, this.clock() + MIN_GAP_MS));
	}

	/** Nothing left to poll: no alarm, no storage (ensure() starts afresh). */
	private async forget(): Promise<void> {
		this.loaded = null;
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
		this.schemaReady = false;
	}

	// ---- the connection, from D1 --------------------------------------------------------------------

	/** The connection and its polled calendars, cached; null when nothing is to be polled. */
	private async load(connectionId: string): Promise<Loaded | null> {
		const now = this.clock();
		const db = database(this.env.DB);
		// Polls are 15-30 s apart and an idle object is evicted after about 10 s, so the copy kept in memory
		// rarely survives to the next poll: the one in this object's SQLite does (credentials still sealed).
		this.loaded ??= this.storedLoad(db);
		if (this.loaded !== null && now - this.loaded.at < RELOAD_AFTER_MS) return this.loaded;
		this.dropLoaded();
		const context = this.contextFor(db);
		const connection = await connectionById(db, connectionId);
		if (connection === null || !isCalendarConnection(connection) || !isReadable(connection)) return null;
		const calendars = (await calendarsOf(db, connectionId)).filter((calendar) => isPolled(connection.provider, calendar));
		if (calendars.length === 0) return null;
		const stored: StoredLoad = { at: now, connection, calendars, bookableSoon: await hasBookableTime(db, connection, now), ownAddresses: await ownAddressesOf(context, connection) };
		this.loaded = { ...stored, context, adapter: null };
		this.sql().exec("insert into poller_meta (key, value) values ('loaded', ?) on conflict (key) do update set value = excluded.value", JSON.stringify(stored));
		return this.loaded;
	}

	private storedLoad(db: Database): Loaded | null {
		const row = this.sql().exec<{ value: string }>("select value from poller_meta where key = 'loaded'").toArray()[0];
		if (row === undefined) return null;
		const stored = JSON.parse(row.value) as StoredLoad;
		return { ...stored, context: this.contextFor(db), adapter: null };
	}

	private contextFor(db: Database): InboundContext {
		return { ...syncContextFor(this.env, db), now: () => this.clock() };
	}

	/** Drops the connection as loaded, in memory and stored: the next poll reads it from D1 again. */
	private dropLoaded(): void {
		this.loaded = null;
		this.sql().exec("delete from poller_meta where key = 'loaded'");
	}

	/** Calendars newly polled are due at once; ones no longer polled are forgotten. */
	private reconcile(loaded: Loaded): void {
		const storage = this.sql();
		const polled = new Set(loaded.calendars.map((c) => c.id));
		for (const row of this.rows()) if (!polled.has(row.calendar_id)) storage.exec("delete from polled_calendars where calendar_id = ?", row.calendar_id);
		const now = this.clock();
		for (const calendar of loaded.calendars) {
			// The daily full pass counts from the last full sync, whichever path ran it.
			const fullAt = parseStoredCursor(calendar.syncCursor)?.fullAt ?? now;
			storage.exec("insert into polled_calendars (calendar_id, interval_ms, next_at, full_at) values (?, 0, ?, ?) on conflict (calendar_id) do nothing", calendar.id, now, fullAt);
		}
	}

	private rows(): PolledRow[] {
		return this.sql().exec<PolledRow>("select * from polled_calendars order by calendar_id").toArray();
	}

	private sql(): SqlStorage {
		if (!this.schemaReady) {
			this.ctx.storage.sql.exec(SCHEMA);
			this.schemaReady = true;
		}
		return this.ctx.storage.sql;
	}
}

/**
 * Whether the calendar's owner (the staff member, or anyone for the business calendar) can be booked in
 * the coming days, from D1's setup rather than the merchant's object, once per load: active, with
 * weekly hours or a one-off day with hours within BOOKABLE_AHEAD_DAYS (a day either side for zones).
 */
async function hasBookableTime(db: Database, connection: ConnectionRow, now: number): Promise<boolean> {
	const owner = connection.staffId === null ? eq(staff.merchantId, connection.merchantId) : eq(staff.id, connection.staffId);
	const from = new Date(now - DAY_MS).toISOString().slice(0, 10);
	const to = new Date(now + (BOOKABLE_AHEAD_DAYS + 1) * DAY_MS).toISOString().slice(0, 10);
	const weekly = db.select({ id: workingHours.id }).from(workingHours).where(eq(workingHours.staffId, staff.id));
	const oneOff = db
		.select({ id: dateOverrides.id })
		.from(dateOverrides)
		.where(and(eq(dateOverrides.staffId, staff.id), gte(dateOverrides.date, from), lte(dateOverrides.date, to), sql`${dateOverrides.intervals} <> '[]'`));
	const member = await db
		.select({ id: staff.id })
		.from(staff)
		.where(and(owner, eq(staff.active, true), or(exists(weekly), exists(oneOff))))
		.limit(1)
		.get();
	return member !== undefined;
}
