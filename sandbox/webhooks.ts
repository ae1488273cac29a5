// Outgoing webhook deliveries (Google push, Graph notifications): fire-and-forget, logged, and awaitable via flush().

export interface DeliveryRecord {
	provider: string;
	url: string;
	headers: Record<string, string>;
	body: string;
	/** HTTP status of the receiver, "dropped" when a fault swallowed it, or "error" when unreachable. */
	outcome: number | "dropped" | "error";
	at: string;
}

export class WebhookDispatcher {
	readonly log: DeliveryRecord[] = [];
	private pending = new Set<Promise<void>>();

	/** Records a notification that a fault dropped, so tests can see it was due. */
	recordDropped(provider: string, url: string, headers: Record<string, string>, body: string): void {
		this.log.push({ provider, url, headers, body, outcome: "dropped", at: new Date().toISOString() });
	}

	send(provider: string, url: string, headers: Record<string, string>, body: string): void {
		const record: DeliveryRecord = { provider, url, headers, body, outcome: "error", at: new Date().toISOString() };
		this.log.push(record);
		const delivery = fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) })
			.then(async (res) => {
				record.outcome = res.status;
				await res.body?.cancel();
			})
			.catch(() => {
				record.outcome = "error";
			})
			.finally(() => {
				this.pending.delete(delivery);
			});
		this.pending.add(delivery);
	}

	/** Resolves once every delivery started so far has finished. */
	async flush(): Promise<void> {
		while (this.pending.size > 0) await Promise.all([...this.pending]);
	}
}
