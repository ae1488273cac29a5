// The per-merchant Durable Object: every booking write for one merchant passes through here, one
// at a time (see docs/architecture.md, "Why writes cannot race").
import { DurableObject } from "cloudflare:workers";

export class MerchantSchedule extends DurableObject<Env> {
	/** Tail of the write queue: each write starts only after the previous one settled. */
	private tail: Promise<unknown> = Promise.resolve();

	/**
	 * Runs `work` after every earlier write of this merchant has finished. Awaiting D1 or fetch
	 * inside a Durable Object lets other requests interleave, so the object's single thread alone
	 * does not serialize multi-step writes; this explicit queue does.
	 */
	protected serialize<T>(work: () => Promise<T>): Promise<T> {
		const run = this.tail.then(work, work);
		this.tail = run.catch(() => undefined);
		return run;
	}
}
