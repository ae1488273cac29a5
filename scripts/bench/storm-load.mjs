// The booking storms' load generator (storm.mjs, storm-merchants.mjs): one way to send a storm, used for
// Slotline's public API and for the baseline (scripts/bench/baseline-worker.ts) alike, so the two are
// measured under exactly the same load.

/** The value at percentile `p` of ascending `sorted` (nearest rank). */
export function percentile(sorted, p) {
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * Sends `requests` (`{ path, headers, body }`, POSTed as JSON to `base`) with at most `concurrency` in
 * flight (as many as there are requests: all at once). Returns the seconds taken, the count of each status
 * ("network-error" for none) and every request's latency in ms, ascending.
 */
export async function fire(base, requests, concurrency) {
	const statuses = new Map();
	const latencies = [];
	let next = 0;
	const started = performance.now();
	await Promise.all(
		Array.from({ length: Math.min(concurrency, requests.length) }, async () => {
			while (next < requests.length) {
				const { path, headers = {}, body } = requests[next++];
				const sent = performance.now();
				let status;
				try {
					const res = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
					const text = await res.text();
					if (res.status >= 500 && process.env.STORM_DEBUG) console.error(res.status, text.slice(0, 300));
					status = res.status;
				} catch {
					status = "network-error";
				}
				latencies.push(performance.now() - sent);
				statuses.set(status, (statuses.get(status) ?? 0) + 1);
			}
		}),
	);
	const seconds = (performance.now() - started) / 1000;
	return { seconds, statuses, latencies: latencies.sort((a, b) => a - b) };
}

/** Slotline's public booking request for `slot` (from its availability API); `key` is the Idempotency-Key. */
export function slotlineBooking({ slug, serviceId }, slot, key, zone) {
	return {
		path: `/api/v1/m/${slug}/bookings`,
		headers: { "idempotency-key": key },
		body: { serviceId, staffId: slot.staffId, start: slot.start, timezone: zone, customer: { name: `Storm ${key}`, email: `${key}@example.com` } },
	};
}

/** The baseline's request for the same slot of the same merchant. */
export function baselineBooking({ slug }, slot) {
	return { path: `/_baseline/m/${slug}/bookings`, body: { staffId: slot.staffId, start: slot.start, end: slot.end } };
}

/** The baseline merchant's overlapping pairs, which must be 0 for its figures to mean anything. */
export async function baselineDoubleBookings(base, { slug }) {
	const res = await fetch(`${base}/_baseline/m/${slug}/double-bookings`);
	if (!res.ok) throw new Error(`baseline double bookings: ${res.status}`);
	return (await res.json()).pairs;
}

/** Prints `BENCH {prefix}.status_{s}` for every status but 201 and 409. */
export function printOtherStatuses(prefix, statuses) {
	for (const [status, count] of [...statuses].sort()) {
		if (status !== 201 && status !== 409) console.log(`BENCH ${prefix}.status_${status} ${count} responses`);
	}
}
