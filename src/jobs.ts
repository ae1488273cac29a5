// Messages on the provider-push queue. Every committed booking change becomes, through the outbox
// relay, one `booking.notify` (the customer's email) and one `calendar.push` per target calendar (and a
// `meeting.push` on Zoom), so each side effect retries on its own (src/sync/fan-out.ts). A queued
// `booking.changed` (the migration command's, or a dead one queued again) is fanned out the same way
// by the consumer. Inbound webhooks and the cron produce `calendar.sync`.
import { z } from "zod";

/** "rescheduled" moves the time; "updated" changes details only (notes), which the customer is not mailed about. */
export const bookingChangeKinds = ["created", "rescheduled", "updated", "cancelled"] as const;
export type BookingChangeKind = (typeof bookingChangeKinds)[number];

/**
 * Set by the cron on a job that ran out of retries and is queued again (src/sync/dead-letters.ts), so
 * that only such a job's success costs the statement that forgets its dead row.
 */
const requeued = { requeued: z.literal(true).optional() };

const bookingChange = {
	...requeued,
	merchantId: z.string(),
	bookingId: z.string(),
	/** The booking's version after the change; consumers skip anything older than what they applied. */
	version: z.number().int().positive(),
	change: z.enum(bookingChangeKinds),
};

export const bookingChangedJob = z.object({ type: z.literal("booking.changed"), ...bookingChange });
export const bookingNotifyJob = z.object({ type: z.literal("booking.notify"), ...bookingChange });

export const calendarPushJob = z.object({
	type: z.literal("calendar.push"),
	bookingId: z.string(),
	/** connection_calendars.id of the calendar the booking is written to. */
	calendarId: z.string(),
	version: z.number().int().positive(),
});

/**
 * Brings a booking's Zoom meeting in line with the booking (create, move, delete: src/meetings/). Meet and
 * Teams meetings need no job of their own: they are made with the staff member's calendar event.
 */
export const meetingPushJob = z.object({
	type: z.literal("meeting.push"),
	merchantId: z.string(),
	bookingId: z.string(),
	version: z.number().int().positive(),
	...requeued,
});

/** Mails the customer the meeting link that was not there when their confirmation went out (src/meetings/). */
export const meetingNotifyJob = z.object({
	type: z.literal("meeting.notify"),
	merchantId: z.string(),
	/** booking_meetings.id: the booking, or the series. */
	meetingId: z.string(),
	...requeued,
});

export const calendarSyncJob = z.object({
	type: z.literal("calendar.sync"),
	/** connection_calendars.id */
	calendarId: z.string(),
	/** "poll": run by a calendar poller (src/sync/poller.ts) in its own alarm, never queued. */
	reason: z.enum(["push", "cron", "resync", "connect", "poll"]),
	...requeued,
});

export const jobSchema = z.discriminatedUnion("type", [bookingChangedJob, bookingNotifyJob, calendarPushJob, calendarSyncJob, meetingPushJob, meetingNotifyJob]);

export type BookingChangedJob = z.infer<typeof bookingChangedJob>;
export type BookingNotifyJob = z.infer<typeof bookingNotifyJob>;
export type CalendarPushJob = z.infer<typeof calendarPushJob>;
export type CalendarSyncJob = z.infer<typeof calendarSyncJob>;
export type MeetingPushJob = z.infer<typeof meetingPushJob>;
export type MeetingNotifyJob = z.infer<typeof meetingNotifyJob>;
export type Job = z.infer<typeof jobSchema>;

/** The most messages one Queue.sendBatch takes. */
const SEND_BATCH_LIMIT = 100;

/** Sends `jobs` in order, in as few sendBatch calls as the queue's limit allows. */
export async function sendJobs(queue: Queue<Job>, jobs: readonly Job[]): Promise<void> {
	for (let i = 0; i < jobs.length; i += SEND_BATCH_LIMIT) {
		await queue.sendBatch(jobs.slice(i, i + SEND_BATCH_LIMIT).map((body) => ({ body, contentType: "json" as const })));
	}
}

/** The queue binding with its message type (generated bindings type it as untyped `Queue`). */
export function jobQueue(env: Env): Queue<Job> {
	return env.PROVIDER_PUSH as Queue<Job>;
}
