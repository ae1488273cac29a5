// sendJobs, the one way the Worker queues several jobs: Queues take at most 100 messages per sendBatch,
// and the tests' queues refuse more as Queues do (support/queue-limits.ts).
import { describe, expect, it } from "vitest";
import { sendJobs } from "../src/jobs";
import type { Job } from "../src/jobs";
import { MAX_MESSAGES_PER_SEND_BATCH } from "./support/queue-limits";
import { RecordingQueue } from "./sync/harness";

function syncJobs(count: number): Job[] {
	return Array.from({ length: count }, (_, i) => ({ type: "calendar.sync", calendarId: `cal_${i}`, reason: "push" }) as const);
}

/** A RecordingQueue that also keeps the size of each sendBatch. */
function countingQueue(): { queue: RecordingQueue; batches: number[] } {
	const queue = new RecordingQueue();
	const batches: number[] = [];
	const record = queue.sendBatch.bind(queue);
	queue.sendBatch = async (messages) => {
		const batch = [...messages];
		batches.push(batch.length);
		await record(batch);
	};
	return { queue, batches };
}

describe("sendJobs", () => {
	it("the tests' queue refuses a batch over the limit, as Queues do", async () => {
		await expect(new RecordingQueue().sendBatch(syncJobs(MAX_MESSAGES_PER_SEND_BATCH + 1).map((body) => ({ body })))).rejects.toThrow(/exceeds limit of 100/);
	});

	it("sends 250 jobs in batches of at most 100, every job once and in order", async () => {
		const { queue, batches } = countingQueue();
		const jobs = syncJobs(250);
		await sendJobs(queue as unknown as Queue<Job>, jobs);
		expect(batches).toEqual([100, 100, 50]);
		expect(queue.sent).toEqual(jobs);
	});

	it("sends nothing for no jobs", async () => {
		const { queue, batches } = countingQueue();
		await sendJobs(queue as unknown as Queue<Job>, []);
		expect(batches).toEqual([]);
	});
});
