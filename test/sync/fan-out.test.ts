// The fan-out of a booking change: the outbox relay sends one message per side effect itself (the
// customer's email, one push per calendar the change goes to), exactly what the consumer makes of a queued
// booking.changed, so the side effects start one queue hop sooner and nothing else changes.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import type { Job } from "../../src/jobs";
import { consumeBatch } from "../../src/sync/consumer";
import { handleCalendarPush } from "../../src/sync/outbound";
import { weekdayAt } from "../support/demo";
import { seedDemo } from "../support/seed";
import { RecordingQueue, book, calendarPushes, change, connectStaff, outboxJobs, testContext, uniqueEmail } from "./harness";

beforeEach(() => seedDemo({ owner: { password: null } }));

/** Runs `bodies` through the real consumer, with `queue` as the queue it sends to. */
async function consume(queue: RecordingQueue, bodies: Job[]): Promise<void> {
	const batch = createMessageBatch<Job>("slotline-provider-push", bodies.map((body, i) => ({ id: `fan-${i}`, timestamp: new Date(), attempts: 1, body })));
	await consumeBatch(batch as MessageBatch<unknown>, { ...env, PROVIDER_PUSH: queue as unknown as Queue });
	await getQueueResult(batch, createExecutionContext());
}

describe("fanning out a booking change", () => {
	it("is done by the relay in place, into the messages the consumer makes of a queued booking.changed", async () => {
		const context = testContext();
		const ana = await connectStaff(context, "google", "stf_demo_ana");
		const ben = await connectStaff(context, "microsoft", "stf_demo_ben");
		const start = weekdayAt(2, "09:00");
		const [booking] = await book({ serviceId: "svc_demo_consult", start, customer: { name: "Fan Out", email: uniqueEmail("fan"), phone: null } });
		const id = booking!.id;

		const created = await outboxJobs();
		expect(created).toEqual([
			{ type: "booking.notify", merchantId: DEMO_MERCHANT_ID, bookingId: id, version: 1, change: "created" },
			{ type: "calendar.push", bookingId: id, calendarId: ana.write.id, version: 1 },
		]);
		expect(await handleCalendarPush(context, calendarPushes(created)[0]!)).toBe("written");

		// Handed to Ben: the change goes to his calendar, and to Ana's, which still holds the event.
		await change.reschedule(id, start, "one", "stf_demo_ben");
		const moved = await outboxJobs();
		expect(moved).toEqual([
			{ type: "booking.notify", merchantId: DEMO_MERCHANT_ID, bookingId: id, version: 2, change: "rescheduled" },
			{ type: "calendar.push", bookingId: id, calendarId: ben.write.id, version: 2 },
			{ type: "calendar.push", bookingId: id, calendarId: ana.write.id, version: 2 },
		]);

		// The same change queued as booking.changed (the migration command's, or a dead job queued again).
		const queue = new RecordingQueue();
		await consume(queue, [{ type: "booking.changed", merchantId: DEMO_MERCHANT_ID, bookingId: id, version: 2, change: "rescheduled" }]);
		expect(queue.take()).toEqual(moved);
	});
});
