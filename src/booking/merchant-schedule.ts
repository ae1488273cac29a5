// The per-merchant Durable Object: it holds the merchant's schedule in its own SQLite (bookings,
// series, busy blocks, and a copy of the setup availability reads) and answers availability and
// every booking write from it. A write's check and insert run synchronously in one transaction, so
// nothing can interleave between them (see docs/architecture.md, "Why writes cannot race").
import { DurableObject } from "cloudflare:workers";
import { computeAnyoneSlots, computeSlots, horizonCutsRange } from "../availability";
import { d1, database } from "../db/client";
import { inPhase } from "../db/statement-count";
import { NotFoundError, UnprocessableError } from "../errors";
import { jobQueue } from "../jobs";
import type { BookingChangeKind } from "../jobs";
import { errorFields, logLine } from "../log";
import { coveringWindow, localIso, utcIso } from "../time";
import { RefusalAnswers, SlotAnswers, slotsJson } from "./answer-cache";
import { applyFeedBatch, clearFeedCalendar } from "./busy-feed";
import type { FeedBatch, FeedOutcome } from "./busy-feed";
import { cancelBooking, rescheduleBooking, updateMerchantNotes } from "./change";
import type { BookingView, CancelCommand, CreateBookingCommand, NotesCommand, RescheduleCommand, WriteOutcome } from "./commands";
import { createBooking } from "./create";
import { ALTERNATIVE_SEARCH_DAYS, ALTERNATIVES } from "./plan";
import * as emailLedger from "./email-ledger";
import { scopedIdempotencyKey } from "./idempotency-key";
import { claimNotice, noticeOf } from "./notice";
import type { Notice, NoticeClaim } from "./notice";
import { captureOutcomeSync } from "./outcome";
import { relayOutbox } from "./read-model";
import { compareWithD1, importEmailLedger, importFromD1 } from "./schedule-import";
import type { Imported, ScheduleComparison } from "./schedule-import";
import { EMAIL_LEDGER_RETENTION_MS, OUTBOX_RETENTION_MS } from "./retention";
import { migrateScheduleStorage } from "./schedule-schema";
import { ScheduleStore } from "./schedule-store";
import type { BookingRecord, BusyRecord, SeriesRecord, SetupState, StaffUpcoming } from "./schedule-store";
import { readSetup, writeSetup } from "./setup-snapshot";
import { singleFlight } from "./single-flight";

/** If relaying right after a write fails, the alarm tries again this much later. */
const RELAY_RETRY_MS = 30_000;
/** How long a stored idempotent outcome is replayed. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface AvailabilityRequest {
	serviceId: string;
	/** Undefined means "anyone who offers the service": each start once, with the staff member it would get. */
	staffId?: string;
	/** Customer days, inclusive, in `timezone`. */
	from: string;
	to: string;
	timezone: string;
	now: number;
}

/** Which bookings the admin reads: those overlapping [from, to) (of one staff member, or everyone's with null), or the named ones. */
export type AdminBookingSelection = { from: number; to: number; staffId: string | null } | { ids: string[] };

export interface AdminBookingExtract {
	bookings: BookingRecord[];
	series: SeriesRecord[];
	/** External blocks overlapping the span of the confirmed bookings. */
	busy: BusyRecord[];
}

export interface AvailabilitySlot {
	start: string;
	end: string;
	staffId: string;
	localStart: string;
}

export class MerchantSchedule extends DurableObject<Env> {
	private readonly store: ScheduleStore;
	/** The setup copy's header, kept in memory; null until the setup was first loaded. */
	private setup: SetupState | null = null;
	/** Relays never overlap: two relays reading the same unsent rows would both send them. */
	private readonly relay: () => Promise<void> = singleFlight(() => this.relayOnce());
	/** Setup reloads never overlap either; a change during one is picked up by one follow-up reload. */
	private readonly reload: () => Promise<void> = singleFlight(() => this.reloadSetup());
	/** Recent answers, reused while the schedule's version stands (answer-cache.ts). */
	private readonly slotAnswers = new SlotAnswers();
	private readonly refusals = new RefusalAnswers();
	private readonly upgradeEmails: () => Promise<void> = singleFlight(() => this.upgradeEmailsOnce());

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.store = new ScheduleStore(ctx.storage);
		// Synchronous, and before any request: nothing ever runs against an older schema.
		void ctx.blockConcurrencyWhile(async () => {
			migrateScheduleStorage(ctx.storage);
			this.setup = this.store.setupState();
		});
	}

	// ---- availability and writes (the request path: only this object's storage) -------------------

	/**
	 * The slots as a JSON array (of `AvailabilitySlot`), serialized once when computed and kept so: a
	 * cached answer then costs no copy of some 800 slot objects through RPC and no second serialization
	 * in the Worker, which passes the text through.
	 */
	async availability(request: AvailabilityRequest): Promise<WriteOutcome<string>> {
		const setup = await this.ready();
		const key = JSON.stringify([request.serviceId, request.staffId ?? null, request.from, request.to, request.timezone]);
		const version = this.store.scheduleVersion();
		const cached = this.slotAnswers.get(key, version, request.now);
		if (cached !== null) return { ok: true, value: cached };
		return captureOutcomeSync(() => {
			// Deactivated services and staff are gone for customers: 404, as for unknown ids.
			const service = this.store.service(request.serviceId);
			if (service === null || !service.active) throw new NotFoundError("Service");
			let candidates = this.store.offering(service.id);
			if (request.staffId !== undefined) {
				const member = this.store.staffMember(request.staffId);
				if (member === null || !member.active) throw new NotFoundError("Staff member");
				candidates = candidates.filter((s) => s.id === member.id);
			}
			const extra = (service.durationMinutes + service.bufferBeforeMinutes + service.bufferAfterMinutes) * MINUTE;
			const window = coveringWindow(request.from, request.to, extra);
			const query = this.store.scheduleQuery({
				service,
				staff: candidates,
				resourceIds: service.requiredResourceType === null ? [] : this.store.resourcesOfType(service.requiredResourceType),
				windowFrom: window.from,
				windowTo: window.to,
				fromDate: window.fromDate,
				toDate: window.toDate,
				from: request.from,
				to: request.to,
				timezone: request.timezone,
				now: request.now,
				tentativeBlocks: setup.tentativeBlocks,
			});
			const slots = request.staffId === undefined ? computeAnyoneSlots(query) : computeSlots(query);
			const answer = slotsJson(slots.map((s) => ({ start: utcIso(s.start), end: utcIso(s.end), staffId: s.staffId, localStart: localIso(s.start, request.timezone) })));
			if (!horizonCutsRange(query)) {
				this.slotAnswers.set(key, version, request.now, { minNoticeMs: service.minNoticeMinutes * MINUTE, starts: slots.map((s) => s.start), ...answer });
			}
			return answer.json;
		});
	}

	async createBooking(command: CreateBookingCommand): Promise<WriteOutcome<BookingView[]>> {
		const setup = await this.ready();
		const key = command.idempotency === null ? null : { key: `create:${scopedIdempotencyKey(command.source, command.idempotency.key)}`, hash: command.idempotency.requestHash };
		return this.written(this.idempotent(key, command.now, () => this.createOrRefuse(setup, command)));
	}

	/**
	 * A public single booking refused as taken is answered again from memory while the schedule is
	 * unchanged: in a storm on one slot every later request would compute the same 409 and alternatives.
	 */
	private createOrRefuse(setup: SetupState, command: CreateBookingCommand): WriteOutcome<BookingView[]> {
		const key = command.source === "public" && command.recurrence === null ? JSON.stringify([command.serviceId, command.staffId, command.start, command.timezone]) : null;
		const version = this.store.scheduleVersion();
		const known = key === null ? null : this.refusals.get(key, version, command.now);
		if (known !== null) return { ok: false, failure: { kind: "conflict", detail: known.detail, alternatives: known.alternatives, conflicts: [] } };
		const outcome = captureOutcomeSync(() => createBooking(this.store, setup, command));
		if (key !== null && !outcome.ok && outcome.failure.kind === "conflict") {
			const service = this.store.service(command.serviceId);
			// Near the horizon's end a later clock could bring a nearer alternative into reach: not kept.
			const searchEnd = command.start + (ALTERNATIVE_SEARCH_DAYS + 2) * DAY;
			if (service !== null && searchEnd < command.now + service.horizonDays * DAY) {
				this.refusals.set(key, version, command.now, {
					minNoticeMs: service.minNoticeMinutes * MINUTE,
					start: command.start,
					detail: outcome.failure.detail,
					alternatives: outcome.failure.alternatives,
					complete: outcome.failure.alternatives.length === ALTERNATIVES,
				});
			}
		}
		return outcome;
	}

	async rescheduleBooking(command: RescheduleCommand): Promise<WriteOutcome<BookingView[]>> {
		const setup = await this.ready();
		return this.written(captureOutcomeSync(() => rescheduleBooking(this.store, setup, command)));
	}

	async cancelBooking(command: CancelCommand): Promise<WriteOutcome<BookingView[]>> {
		const setup = await this.ready();
		return this.written(captureOutcomeSync(() => cancelBooking(this.store, setup, command)));
	}

	async updateMerchantNotes(command: NotesCommand): Promise<WriteOutcome<BookingView>> {
		const setup = await this.ready();
		return this.written(captureOutcomeSync(() => updateMerchantNotes(this.store, setup, command)));
	}

	// ---- reads for the admin (the authoritative schedule) ---------------------------------------

	async booking(bookingId: string): Promise<BookingRecord | null> {
		await this.ready();
		return this.store.booking(bookingId);
	}

	/** Bookings starting in [from, to), and external busy blocks overlapping it. */
	async scheduleBetween(from: number, to: number): Promise<{ bookings: BookingRecord[]; busy: BusyRecord[] }> {
		await this.ready();
		return { bookings: this.store.bookingsBetween(from, to), busy: this.store.busyBetween(from, to) };
	}

	/**
	 * The admin's bookings (src/booking/calendar-view.ts): those overlapping a range or the named ones,
	 * with their series and the busy blocks overlapping the confirmed ones, read together so they agree.
	 */
	async adminBookings(selection: AdminBookingSelection): Promise<AdminBookingExtract> {
		await this.ready();
		const bookings = "ids" in selection ? this.store.bookingsByIds(selection.ids) : this.store.bookingsOverlapping(selection.from, selection.to, selection.staffId);
		const confirmed = bookings.filter((b) => b.status === "confirmed");
		const busy = confirmed.length === 0 ? [] : this.store.busyBetween(Math.min(...confirmed.map((b) => b.startsAt)), Math.max(...confirmed.map((b) => b.endsAt)));
		const series = this.store.seriesByIds([...new Set(bookings.flatMap((b) => (b.seriesId === null ? [] : [b.seriesId])))]);
		return { bookings, series, busy };
	}

	/** Per staff member of `staffIds` who has any: confirmed bookings not over at `now` (deactivated staff's, for the owner). */
	async upcomingByStaff(staffIds: string[], now: number): Promise<StaffUpcoming[]> {
		await this.ready();
		return this.store.upcomingByStaff(staffIds, now);
	}

	// ---- inbound calendar sync ------------------------------------------------------------------

	/** One sync step's busy blocks for one calendar (src/sync/busy-store.ts), in one transaction. */
	async applyFeed(batch: FeedBatch): Promise<FeedOutcome> {
		await this.ready();
		return applyFeedBatch(this.ctx.storage, batch, (ids) => this.store.ownBookingIds(ids));
	}

	/** Forgets a calendar's blocks (disconnected, unchecked or lost); older results are refused after. */
	async clearCalendar(calendarId: string, generation: number): Promise<void> {
		await this.ready();
		clearFeedCalendar(this.ctx.storage, calendarId, generation);
	}

	// ---- customer emails (src/booking/notify.ts sends them from the queue) -------------------------

	/**
	 * Decides whether change `version` of `bookingId` mails its customer and, if so, claims it and
	 * answers what the email says (notice.ts), all from this object's storage in one synchronous step.
	 * `now` is the delivering job's clock: the claim is a lease measured from it.
	 */
	async claimNotice(bookingId: string, version: number, change: BookingChangeKind, now: number): Promise<NoticeClaim> {
		try {
			await this.ready();
		} catch (error) {
			// No such merchant (any more): nobody to mail, as before.
			if (error instanceof NotFoundError) return { kind: "skip" };
			throw error;
		}
		await this.upgradeEmails();
		return claimNotice(this.ctx.storage.sql, this.store, bookingId, version, change, now);
	}

	/** What an email about the booking says now, claiming nothing (the meeting link's follow-up: src/meetings/meeting-notify.ts). */
	async notice(bookingId: string): Promise<Notice | null> {
		try {
			await this.ready();
		} catch (error) {
			if (error instanceof NotFoundError) return null;
			throw error;
		}
		await this.upgradeEmails();
		return noticeOf(this.store, bookingId);
	}

	markEmailSent(bookingId: string, version: number, now: number): void {
		emailLedger.markEmailSent(this.ctx.storage.sql, bookingId, version, now);
	}

	/** Gives back the claim taken at `claimedAt` after a failed send, so the job's retry sends at once. */
	releaseEmail(bookingId: string, version: number, claimedAt: number): void {
		emailLedger.releaseEmail(this.ctx.storage.sql, bookingId, version, claimedAt);
	}

	/**
	 * An object in use before its schema held the email ledger (schema version 2) imported D1's schedule
	 * without D1's ledger, and copied its setup without where its services take place: it brings in both before its
	 * first email, once.
	 */
	private async upgradeEmailsOnce(): Promise<void> {
		const sql = this.ctx.storage.sql;
		if (sql.exec("select 1 from upgrade_tasks where task = 'email-ledger'").toArray().length === 0) return;
		await this.reload();
		await importEmailLedger(this.ctx.storage, d1(this.env.DB), this.merchantId());
		sql.exec("delete from upgrade_tasks where task = 'email-ledger'");
	}

	// ---- setup and housekeeping ------------------------------------------------------------------

	/**
	 * Reloads the setup copy from D1 when it is older than `version` (or always, without one).
	 * Called after setup changes and by the cron for objects it finds behind. Returns the version held.
	 */
	async refreshSetup(version?: number): Promise<number> {
		if (version === undefined || this.setup === null || this.setup.setupVersion < version) await this.reload();
		return this.setup?.setupVersion ?? -1;
	}

	/**
	 * Moves this merchant's schedule from D1 into the object and compares both sides (the migration
	 * command, scripts/migrate-schedules.mjs; idempotent). An object already imports on its first use
	 * (ready()), so for a used object this finds nothing new and only verifies. No other request runs
	 * meanwhile, so nothing is booked against a half-imported schedule and the comparison is exact.
	 */
	async importFromD1(): Promise<{ imported: Imported } & ScheduleComparison> {
		return this.ctx.blockConcurrencyWhile(async () => {
			const imported = await importFromD1(this.ctx.storage, this.store, d1(this.env.DB), jobQueue(this.env), this.merchantId());
			await this.relay();
			return { imported, ...(await compareWithD1(this.ctx.storage, d1(this.env.DB), this.merchantId())) };
		});
	}

	/** Relays every unsent outbox row now; for tests and the migration command, which read D1 right after. */
	async flush(): Promise<void> {
		await this.relay();
		if (this.store.unsentOutbox(1).length > 0) throw new Error("outbox relay failed; the alarm retries it");
	}

	override async alarm(): Promise<void> {
		await inPhase("background", () => this.relay());
		const now = Date.now();
		this.ctx.storage.sql.exec("delete from idempotency where created_at < ?", now - IDEMPOTENCY_TTL_MS);
		this.store.pruneOutbox(now - OUTBOX_RETENTION_MS);
		emailLedger.pruneEmailClaims(this.ctx.storage.sql, now - EMAIL_LEDGER_RETENTION_MS);
	}

	/**
	 * The setup copy, loaded from D1 the first time this object is used (a brand-new merchant, or an
	 * object whose storage predates the move, which imports D1's schedule then); after that, only
	 * setup changes reload it. Every RPC that reads or writes the schedule waits for it.
	 */
	private async ready(): Promise<SetupState> {
		if (this.setup === null) await this.reload();
		if (this.setup === null) throw new NotFoundError("Merchant");
		return this.setup;
	}

	private async reloadSetup(): Promise<void> {
		const merchantId = this.merchantId();
		const snapshot = await readSetup(database(this.env.DB), merchantId);
		if (snapshot === null) return;
		// An older snapshot than the one held (two reloads crossing) is never written over a newer one.
		if (this.setup !== null && this.setup.setupVersion > snapshot.merchant.setupVersion) return;
		// The first load of an object also brings in whatever D1 still holds of this merchant's
		// schedule from before the objects held it (a no-op for a new merchant), so no request is ever
		// answered from an object that does not know the merchant's earlier bookings and busy blocks.
		if (this.setup === null) await importFromD1(this.ctx.storage, this.store, d1(this.env.DB), jobQueue(this.env), merchantId);
		writeSetup(this.ctx.storage, snapshot, Date.now());
		this.setup = this.store.setupState();
		await d1(this.env.DB)
			.prepare("update merchants set schedule_setup_version = ?1 where id = ?2 and schedule_setup_version < ?1")
			.bind(snapshot.merchant.setupVersion, merchantId)
			.run();
	}

	private merchantId(): string {
		const name = this.ctx.id.name;
		if (name === undefined) throw new Error("a merchant schedule must be addressed by name (the merchant id)");
		return name;
	}

	/** After a committed change the outbox is relayed in the background: a slow queue never delays the answer. */
	private written<T>(outcome: WriteOutcome<T>): WriteOutcome<T> {
		if (outcome.ok) this.ctx.waitUntil(inPhase("background", () => this.relay()));
		return outcome;
	}

	private async relayOnce(): Promise<void> {
		try {
			await relayOutbox(this.store, d1(this.env.DB), jobQueue(this.env), this.merchantId(), Date.now());
		} catch (error) {
			logLine("warn", "outbox relay failed; retrying from alarm", { error: errorFields(error) });
			await this.ctx.storage.setAlarm(Date.now() + RELAY_RETRY_MS);
			return;
		}
		// Expired idempotency records and old outbox rows are swept on the next alarm; schedule one if none is pending.
		if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + IDEMPOTENCY_TTL_MS);
	}

	/**
	 * Outcomes of requests that carried an Idempotency-Key, so a retry with the same key and body gets
	 * exactly the same answer and never a second booking. Only outcomes that wrote something are kept: a
	 * refusal changed nothing, so a retry is simply answered afresh (and may find the slot free by then),
	 * and refusing costs no storage write, which in a storm on one slot is nearly every request.
	 * Synchronous, like the write it wraps.
	 */
	private idempotent<T>(key: { key: string; hash: string } | null, now: number, work: () => WriteOutcome<T>): WriteOutcome<T> {
		if (key === null) return work();
		const stored = this.ctx.storage.sql
			.exec<{ request_hash: string; outcome: string }>("select request_hash, outcome from idempotency where key = ?", key.key)
			.toArray()[0];
		if (stored !== undefined) {
			if (stored.request_hash !== key.hash) {
				const error = new UnprocessableError("idempotency-key-reused", "This Idempotency-Key was already used with a different request body.");
				return { ok: false, failure: { kind: "unprocessable", code: error.code, detail: error.message } };
			}
			return JSON.parse(stored.outcome) as WriteOutcome<T>;
		}
		const outcome = work();
		if (!outcome.ok) return outcome;
		this.ctx.storage.sql.exec(
			"insert or ignore into idempotency (key, request_hash, outcome, created_at) values (?, ?, ?, ?)",
			key.key,
			key.hash,
			JSON.stringify(outcome),
			now,
		);
		return outcome;
	}
}

/** The stub of a merchant's schedule object; named by merchant id so `ctx.id.name` identifies it. */
export function merchantSchedule(env: Env, merchantId: string): DurableObjectStub<MerchantSchedule> {
	return env.MERCHANT_SCHEDULE.get(env.MERCHANT_SCHEDULE.idFromName(merchantId)) as DurableObjectStub<MerchantSchedule>;
}
