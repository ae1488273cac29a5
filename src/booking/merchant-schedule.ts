// The per-merchant Durable Object: every booking write for one merchant passes through here, one
// at a time (see docs/architecture.md, "Why writes cannot race").
import { DurableObject } from "cloudflare:workers";
import { database } from "../db/client";
import type { Database } from "../db/client";
import { UnprocessableError } from "../errors";
import { jobQueue } from "../jobs";
import { errorFields, logLine } from "../log";
import { cancelBooking, rescheduleBooking, updateMerchantNotes } from "./change";
import type { BookingView, CancelCommand, CreateBookingCommand, NotesCommand, RescheduleCommand, WriteOutcome } from "./commands";
import { createBooking, planBooking } from "./create";
import { scopedIdempotencyKey } from "./idempotency-key";
import { relayOutbox } from "./outbox";
import { captureOutcome } from "./outcome";
import { singleFlight } from "./single-flight";

/** If relaying right after a write fails, the alarm tries again this much later. */
const RELAY_RETRY_MS = 30_000;
/** How long a stored idempotent outcome is replayed. */
const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export class MerchantSchedule extends DurableObject<Env> {
	/** Tail of the write queue: each write starts only after the previous one settled. */
	private tail: Promise<unknown> = Promise.resolve();
	private readonly db: Database;
	/**
	 * Relays never overlap: two relays reading the same unsent rows would both send them. Writes
	 * landing during a relay are picked up by one follow-up relay.
	 */
	private readonly relay: () => Promise<void> = singleFlight(() => this.relayOnce());

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.db = database(env.DB);
		// Outcomes of requests that carried an Idempotency-Key, including refusals, so a retry with
		// the same key and body gets exactly the same answer.
		ctx.storage.sql.exec(`create table if not exists idempotency (
			key text primary key,
			request_hash text not null,
			outcome text not null,
			created_at integer not null
		)`);
	}

	async createBooking(command: CreateBookingCommand): Promise<WriteOutcome<BookingView[]>> {
		const key =
			command.idempotency === null
				? null
				: { key: `create:${scopedIdempotencyKey(command.source, command.idempotency.key)}`, hash: command.idempotency.requestHash };
		return this.idempotent(key, command.now, async () => {
			// A refusal needs no turn in the write queue: planBooking only reads, and a "taken" read
			// from a consistent D1 batch was true when it was read, which lies within this request.
			// So a flood of requests for taken slots is answered concurrently instead of one by one;
			// only a request that looks bookable queues, to be planned again behind earlier writes.
			const preview = await captureOutcome(() => planBooking(this.db, command));
			if (!preview.ok) return preview;
			if (preview.value.kind === "replay") return { ok: true, value: preview.value.views };
			return this.write(() => createBooking(this.db, command));
		});
	}

	async rescheduleBooking(command: RescheduleCommand): Promise<WriteOutcome<BookingView[]>> {
		return this.write(() => rescheduleBooking(this.db, command));
	}

	async cancelBooking(command: CancelCommand): Promise<WriteOutcome<BookingView[]>> {
		return this.write(() => cancelBooking(this.db, command));
	}

	async updateMerchantNotes(command: NotesCommand): Promise<WriteOutcome<BookingView>> {
		return this.write(() => updateMerchantNotes(this.db, command));
	}

	override async alarm(): Promise<void> {
		await this.relay();
		const cutoff = Date.now() - IDEMPOTENCY_TTL_MS;
		this.ctx.storage.sql.exec("delete from idempotency where created_at < ?", cutoff);
	}

	/**
	 * Runs `work` after every earlier write of this merchant has finished. Awaiting D1 inside a
	 * Durable Object lets other requests interleave, so the object's single thread alone does not
	 * serialize a check-then-write; this explicit queue does. Outbox rows are relayed afterwards,
	 * outside the queue, so a slow queue send never delays the next booking.
	 */
	private async write<T>(work: () => Promise<T>): Promise<WriteOutcome<T>> {
		const run = this.tail.then(
			() => captureOutcome(work),
			() => captureOutcome(work),
		);
		this.tail = run.catch(() => undefined);
		const outcome = await run;
		if (outcome.ok) this.ctx.waitUntil(this.relay());
		return outcome;
	}

	private async relayOnce(): Promise<void> {
		try {
			const merchantId = this.ctx.id.name;
			await relayOutbox(this.db, jobQueue(this.env), merchantId === undefined ? {} : { merchantId }, Date.now());
		} catch (error) {
			logLine("warn", "outbox relay failed; retrying from alarm", { error: errorFields(error) });
			await this.ctx.storage.setAlarm(Date.now() + RELAY_RETRY_MS);
			return;
		}
		// Expired idempotency records are swept on the next alarm; schedule one if none is pending.
		if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + IDEMPOTENCY_TTL_MS);
	}

	private async idempotent<T>(
		key: { key: string; hash: string } | null,
		now: number,
		work: () => Promise<WriteOutcome<T>>,
	): Promise<WriteOutcome<T>> {
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
		const outcome = await work();
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
