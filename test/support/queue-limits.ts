// What Cloudflare Queues refuse in one sendBatch (developers.cloudflare.com/queues/platform/limits/, and
// miniflare's broker the same): more than 100 messages. The tests' queues refuse it too, so code that
// sends more at once fails in a test as it would in production, and not first there.
export const MAX_MESSAGES_PER_SEND_BATCH = 100;

/** The messages of one sendBatch, as an array; throws as Queues would when there are too many. */
export function oneSendBatch<T>(messages: Iterable<T>): T[] {
	const batch = [...messages];
	if (batch.length > MAX_MESSAGES_PER_SEND_BATCH) throw new Error(`batch message count of ${batch.length} exceeds limit of ${MAX_MESSAGES_PER_SEND_BATCH}`);
	return batch;
}
