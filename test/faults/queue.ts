// The provider-push queue as Cloudflare Queues runs it, inside the test: batches of up to max_batch_size
// handed to the real consumer (consumeBatch) several at a time, each retried message coming back after
// the delay the consumer asked for (compressed: one requested second lasts `msPerSecond`), at most
// max_retries + 1 deliveries before the dead-letter queue and its consumer, and at-least-once delivery
// (some messages arrive twice). Producers (the consumer's fan-out, connect, resync, the admin's retry)
// send to it as they would to the PROVIDER_PUSH binding.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import type { Job } from "../../src/jobs";
import { oneSendBatch } from "../support/queue-limits";

export const QUEUE = "slotline-provider-push";
export const DEAD_LETTER_QUEUE = "slotline-provider-push-dlq";

export interface QueueOptions {
	/** Runs one batch as the Worker's queue handler would (the real consumer, with the test's env). */
	consume(batch: MessageBatch<unknown>): Promise<void>;
	/** wrangler.toml: max_batch_size 10 on both queues. */
	batchSize: number;
	/** Consumer invocations in flight at once (Cloudflare scales them with the backlog). */
	concurrency: number;
	/** wrangler.toml: max_retries 6 on the main queue (the dead-letter queue's 100 are DEAD_LETTER_MAX_RETRIES). */
	maxRetries: number;
	/** How long one second of a requested retry delay lasts here. */
	msPerSecond: number;
	/** Share of messages delivered a second time (Queues deliver at least once). */
	duplicateRate: number;
	/** Seeded coin for duplicates, so a failing run can be replayed. */
	random: () => number;
}

interface Pending {
	id: string;
	body: unknown;
	/** Deliveries so far (the next one is attempts + 1). */
	attempts: number;
	dead: boolean;
}

export interface QueueStats {
	deliveries: number;
	retries: number;
	duplicates: number;
	deadLettered: number;
	/** Dead letters whose recording failed max_retries + 1 times: lost for good. */
	lost: number;
	/** Batches whose handler threw instead of acking or retrying each message. */
	crashes: number;
}

/** wrangler.toml: max_retries of the dead-letter queue's consumer. */
const DEAD_LETTER_MAX_RETRIES = 100;

/** The key under which withDelaysKept keeps a retryAll's delay. */
export const ALL = "*";

/**
 * `batch` as the consumer sees it, keeping the delay each retry asks for in `delays`: the test pool's
 * getQueueResult reports which messages were retried but drops their delaySeconds.
 */
export function withDelaysKept(batch: MessageBatch<unknown>, delays: Map<string, number>): MessageBatch<unknown> {
	const messages = batch.messages.map(
		(message) =>
			new Proxy(message, {
				get(target, key): unknown {
					if (key === "retry") {
						return (options?: QueueRetryOptions): void => {
							delays.set(target.id, options?.delaySeconds ?? 0);
							target.retry(options);
						};
					}
					const value: unknown = Reflect.get(target, key);
					return typeof value === "function" ? value.bind(target) : value;
				},
			}),
	);
	return {
		queue: batch.queue,
		metadata: batch.metadata,
		messages,
		retryAll(options?: QueueRetryOptions): void {
			delays.set(ALL, options?.delaySeconds ?? 0);
			batch.retryAll(options);
		},
		ackAll(): void {
			batch.ackAll();
		},
	};
}

export class SimulatedQueue {
	readonly stats: QueueStats = { deliveries: 0, retries: 0, duplicates: 0, deadLettered: 0, lost: 0, crashes: 0 };
	private readonly ready: Pending[] = [];
	private readonly deadReady: Pending[] = [];
	private inFlight = 0;
	private deadInFlight = false;
	private timers = 0;
	private paused = false;
	private sequence = 0;
	private unsettled = 0;
	private waiters: Array<() => void> = [];

	constructor(private readonly options: QueueOptions) {}

	/** Messages waiting for a consumer now (not counting delayed retries). */
	get backlog(): number {
		return this.ready.length;
	}

	async send(body: Job, options?: QueueSendOptions): Promise<void> {
		this.enqueue(body, options?.delaySeconds ?? 0);
	}

	async sendBatch(messages: Iterable<MessageSendRequest<Job>>, options?: QueueSendBatchOptions): Promise<void> {
		for (const message of oneSendBatch(messages)) this.enqueue(message.body, message.delaySeconds ?? options?.delaySeconds ?? 0);
	}

	/** Messages of the main queue not yet acked or dead-lettered: waiting, delayed or in flight. */
	get live(): number {
		return this.unsettled;
	}

	/** Stops handing out batches; the ones in flight finish. */
	pause(): void {
		this.paused = true;
	}

	resume(): void {
		this.paused = false;
		this.pump();
	}

	/** While paused: delivers what waits now, once, and waits for it; what those batches send stays waiting. */
	async deliverWaiting(): Promise<void> {
		const waiting = this.ready.splice(0, this.ready.length);
		const runs: Array<Promise<void>> = [];
		for (let i = 0; i < waiting.length; i += this.options.batchSize) {
			this.inFlight++;
			runs.push(
				this.deliver(QUEUE, waiting.slice(i, i + this.options.batchSize), this.options.maxRetries).finally(() => {
					this.inFlight--;
					this.pump();
				}),
			);
		}
		await Promise.all(runs);
	}

	/** Resolves once no batch is in flight (while paused, nothing new starts). */
	settled(): Promise<void> {
		return this.until(() => this.inFlight === 0 && !this.deadInFlight);
	}

	/** Resolves once nothing is waiting, delayed, in flight or dead-lettered but unrecorded. */
	idle(): Promise<void> {
		return this.until(() => this.ready.length === 0 && this.deadReady.length === 0 && this.inFlight === 0 && !this.deadInFlight && this.timers === 0);
	}

	private until(done: () => boolean): Promise<void> {
		if (done()) return Promise.resolve();
		return new Promise((resolve) => {
			const check = (): void => {
				if (done()) resolve();
				else this.waiters.push(check);
			};
			this.waiters.push(check);
		});
	}

	private notify(): void {
		const waiting = this.waiters;
		this.waiters = [];
		for (const check of waiting) check();
	}

	private enqueue(body: unknown, delaySeconds: number): void {
		const message: Pending = { id: `msg-${++this.sequence}`, body, attempts: 0, dead: false };
		this.unsettled++;
		this.later({ ...message }, delaySeconds);
		if (this.options.random() < this.options.duplicateRate) {
			// The same message once more, a little later: what an at-least-once queue may do. (Its own id,
			// so the two never share a batch's ack/retry bookkeeping.)
			this.stats.duplicates++;
			this.unsettled++;
			this.later({ ...message, id: `${message.id}-again` }, 1);
		}
	}

	private later(message: Pending, delaySeconds: number): void {
		if (delaySeconds <= 0) {
			(message.dead ? this.deadReady : this.ready).push(message);
			this.pump();
			return;
		}
		this.timers++;
		setTimeout(() => {
			this.timers--;
			(message.dead ? this.deadReady : this.ready).push(message);
			this.pump();
		}, delaySeconds * this.options.msPerSecond);
	}

	private pump(): void {
		while (!this.paused && this.inFlight < this.options.concurrency && this.ready.length > 0) {
			const batch = this.ready.splice(0, this.options.batchSize);
			this.inFlight++;
			void this.deliver(QUEUE, batch, this.options.maxRetries).finally(() => {
				this.inFlight--;
				this.pump();
			});
		}
		if (!this.paused && !this.deadInFlight && this.deadReady.length > 0) {
			const batch = this.deadReady.splice(0, this.options.batchSize);
			this.deadInFlight = true;
			void this.deliver(DEAD_LETTER_QUEUE, batch, DEAD_LETTER_MAX_RETRIES).finally(() => {
				this.deadInFlight = false;
				this.pump();
			});
		}
		this.notify();
	}

	private async deliver(queue: string, messages: Pending[], maxRetries: number): Promise<void> {
		for (const message of messages) message.attempts++;
		this.stats.deliveries += messages.length;
		const batch = createMessageBatch(queue, messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts, body: m.body })));
		const ctx = createExecutionContext();
		const delays = new Map<string, number>();
		let retried: Map<string, number>;
		try {
			await this.options.consume(withDelaysKept(batch as MessageBatch<unknown>, delays));
			const result = await getQueueResult(batch, ctx);
			retried = new Map(result.retryMessages.map((r) => [r.msgId, delays.get(r.msgId) ?? 0]));
			if (result.retryBatch.retry) for (const m of messages) retried.set(m.id, delays.get(ALL) ?? 0);
		} catch {
			// A handler that throws fails the whole batch (Cloudflare retries every message of it).
			this.stats.crashes++;
			retried = new Map(messages.map((m) => [m.id, 0]));
		}
		for (const message of messages) {
			const delay = retried.get(message.id);
			if (delay === undefined) {
				if (!message.dead) this.unsettled--;
				continue;
			}
			if (message.attempts <= maxRetries) {
				this.stats.retries++;
				this.later(message, delay);
			} else if (!message.dead) {
				this.stats.deadLettered++;
				this.unsettled--;
				this.later({ ...message, attempts: 0, dead: true }, 0);
			} else {
				this.stats.lost++;
			}
		}
	}
}
