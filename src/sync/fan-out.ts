// What one committed booking change sets off on the queue: the customer's email (booking.notify), one
// calendar.push per calendar the change goes to, and a meeting.push when the booking is (or was) on Zoom.
// Each is its own message, so each side effect retries on its own. The outbox relay fans out in place,
// having found the targets in the same D1 batch as its read-model write (src/booking/read-model.ts); the
// consumer fans out a queued booking.changed (the migration command's, or a dead one queued again).
import type { ChangeTargets } from "../db/queries/event-links";
import type { BookingChangedJob, Job } from "../jobs";
import { meetingPushJob } from "../meetings/zoom-meetings";
import { calendarPushJobs } from "./outbound";

/** The messages of `job`'s change, given where it goes; the email first. */
export function changeMessages(job: BookingChangedJob, targets: ChangeTargets): Job[] {
	const { type: _type, ...change } = job;
	return [{ type: "booking.notify", ...change }, ...calendarPushJobs(job, targets.calendarIds), ...(targets.zoom ? [meetingPushJob(job)] : [])];
}
