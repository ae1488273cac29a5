// Outgoing webhook deliveries (Google push, Graph notifications, Zoom events): fire-and-forget, logged, optionally retried,
// and awaitable via flush(). Each delivery remembers the calendar and account it is about, so a test sharing the
// sandbox can read and wait for its own deliveries only.
import type { RequestSubject } from "./faults";
import { scopeMatches } from "./faults";

export interface DeliveryRecord {
	provider: string;
	url: string;
	headers: Record<string, string>;
	body: string;
	/**
	 * HTTP status of the receiver, "dropped" when a fault swallowed it, "paused" when Graph held it back (an ignored
	 * reauthorizationRequired), or "error" when unreachable or too slow.
	 */
	outcome: number | "dropped" | "paused" | "error";
	at: string;
	/** 1 for the first try; retries of the same notification count up. */
	attempt: number;
	/** Set on the last failed try of a notification that will not be retried again. */
	gaveUp?: true;
	/** The watched calendar (sandbox id) and the account that watches it. */
	calendarId?: string;
	account?: string;
}

function tagged(record: DeliveryRecord, about: RequestSubject): DeliveryRecord {
	if (about.calendarId !== undefined) record.calendarId = about.calendarId;
	if (about.account !== undefined) record.account = about.account;
	return record;
}

export interface SendOptions {
	/** Waits before each retry of a failed delivery (non-2xx, unreachable or timed out); none by default. */
	retryDelaysMs?: number[];
	/** How long the receiver has to answer; 10 s by default. */
	timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

export class WebhookDispatcher {
	readonly log: DeliveryRecord[] = [];
	/** Work still delivering, with what it is about so a scoped flush waits only for its own. */
	private pending = new Map<Promise<void>, RequestSubject>();

	/** Records a notification that was due but not sent (a fault dropped it, or delivery is paused). */
	recordDropped(provider: string, url: string, headers: Record<string, string>, body: string, outcome: "dropped" | "paused" = "dropped", about: RequestSubject = {}): void {
		this.log.push(tagged({ provider, url, headers, body, outcome, at: new Date().toISOString(), attempt: 1 }, about));
	}

	send(provider: string, url: string, headers: Record<string, string>, body: string, options: SendOptions = {}, about: RequestSubject = {}): void {
		this.track(this.deliver(provider, url, headers, body, options, about), about);
	}

	/**
	 * One POST whose answer the sender reads (Zoom's URL validation): logged like a delivery, never retried. Resolves
	 * to the status and body, or null when the receiver is unreachable or slower than `timeoutMs`.
	 */
	exchange(provider: string, url: string, headers: Record<string, string>, body: string, timeoutMs: number, about: RequestSubject = {}): Promise<{ status: number; text: string } | null> {
		const record = tagged({ provider, url, headers, body, outcome: "error", at: new Date().toISOString(), attempt: 1 }, about);
		this.log.push(record);
		const work = (async (): Promise<{ status: number; text: string } | null> => {
			try {
				const signal = AbortSignal.timeout(timeoutMs);
				const res = await fetch(url, { method: "POST", headers, body, signal });
				const text = await res.text();
				record.outcome = res.status;
				return { status: res.status, text };
			} catch {
				return null;
			}
		})();
		this.track(work, about);
		return work;
	}

	/** Makes flush() wait for work that will deliver later (a batch window, say). */
	track(work: Promise<unknown>, about: RequestSubject = {}): void {
		const tracked: Promise<void> = work.then(
			() => undefined,
			() => undefined,
		).finally(() => {
			this.pending.delete(tracked);
		});
		this.pending.set(tracked, about);
	}

	/**
	 * Resolves once every delivery started so far (retries and scheduled batches included) has finished; with a
	 * scope, only those about that calendar or account, so one test never waits on another's slow receiver.
	 */
	async flush(scope?: RequestSubject): Promise<void> {
		for (;;) {
			const waiting = [...this.pending].filter(([, about]) => scopeMatches(scope, about)).map(([work]) => work);
			if (waiting.length === 0) return;
			await Promise.all(waiting);
		}
	}

	/** The log, or only the deliveries about `scope`'s calendar or account. */
	entries(scope?: RequestSubject): DeliveryRecord[] {
		if (scope === undefined) return this.log;
		return this.log.filter((record) => scopeMatches(scope, { account: record.account, calendarId: record.calendarId }));
	}

	private async deliver(provider: string, url: string, headers: Record<string, string>, body: string, options: SendOptions, about: RequestSubject): Promise<void> {
		const delays = options.retryDelaysMs ?? [];
		for (let attempt = 1; ; attempt++) {
			const record = tagged({ provider, url, headers, body, outcome: "error", at: new Date().toISOString(), attempt }, about);
			this.log.push(record);
			try {
				const res = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
				record.outcome = res.status;
				await res.body?.cancel();
			} catch {
				record.outcome = "error";
			}
			if (typeof record.outcome === "number" && record.outcome >= 200 && record.outcome < 300) return;
			const delay = delays[attempt - 1];
			if (delay === undefined) {
				if (delays.length > 0) record.gaveUp = true;
				return;
			}
			await sleep(delay);
		}
	}
}
