// Outgoing webhook deliveries (Google push, Graph notifications): fire-and-forget, logged, optionally retried,
// and awaitable via flush().

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
	private pending = new Set<Promise<void>>();

	/** Records a notification that was due but not sent (a fault dropped it, or delivery is paused). */
	recordDropped(provider: string, url: string, headers: Record<string, string>, body: string, outcome: "dropped" | "paused" = "dropped"): void {
		this.log.push({ provider, url, headers, body, outcome, at: new Date().toISOString(), attempt: 1 });
	}

	send(provider: string, url: string, headers: Record<string, string>, body: string, options: SendOptions = {}): void {
		this.track(this.deliver(provider, url, headers, body, options));
	}

	/** Makes flush() wait for work that will deliver later (a batch window, say). */
	track(work: Promise<unknown>): void {
		const tracked: Promise<void> = work.then(
			() => undefined,
			() => undefined,
		).finally(() => {
			this.pending.delete(tracked);
		});
		this.pending.add(tracked);
	}

	/** Resolves once every delivery started so far (retries and scheduled batches included) has finished. */
	async flush(): Promise<void> {
		while (this.pending.size > 0) await Promise.all([...this.pending]);
	}

	private async deliver(provider: string, url: string, headers: Record<string, string>, body: string, options: SendOptions): Promise<void> {
		const delays = options.retryDelaysMs ?? [];
		for (let attempt = 1; ; attempt++) {
			const record: DeliveryRecord = { provider, url, headers, body, outcome: "error", at: new Date().toISOString(), attempt };
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
