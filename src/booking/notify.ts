// The customer's email for a committed booking change: confirmation, reschedule or cancellation,
// with an .ics invitation, the manage link and, for an online booking, the meeting's link or word that it
// follows. Runs from the queue (`booking.notify`), so a mail outage retries instead of losing the message.
import { database } from "../db/client";
import type { Database } from "../db/client";
import type { BookingNotifyJob } from "../jobs";
import { errorFields, logLine } from "../log";
import type { Mailer } from "../mail/mailer";
import { claimLinkMail, confirmLinkMail, meetingOf, releaseLinkMail } from "../meetings/meeting-store";
import { joinUrlOf, meetingProviderOf } from "../meetings/meeting-view";
import { bookingEmail, noticePlace } from "./customer-email";
import type { EmailConfig, MeetingNote } from "./customer-email";
import { EmailInFlightError } from "./email-ledger";
import { merchantSchedule } from "./merchant-schedule";
import type { Notice } from "./notice";

/**
 * What the email says of the booking's meeting, and the meeting whose link email this one claimed (to
 * give back if the send fails). A ready link is always included, claimed or not (the customer may get it
 * twice); the claim only stops the follow-up (src/meetings/meeting-notify.ts) from sending it again.
 * Only online bookings cost a D1 statement.
 */
async function meetingNote(db: Database, notice: Notice, now: number): Promise<{ note: MeetingNote; claimed: string | null }> {
	if (!notice.occurrences.some((s) => s.status === "confirmed")) return { note: { kind: "none" }, claimed: null };
	const place = noticePlace(notice);
	// The merchant's typed link is known at booking time: nothing follows, nothing to claim.
	if (place.kind === "fixed_link") return { note: { kind: "link", joinUrl: place.url }, claimed: null };
	if (meetingProviderOf(place) === null) return { note: { kind: "none" }, claimed: null };
	const meeting = await meetingOf(db, notice.booking);
	const joinUrl = joinUrlOf(meeting);
	if (meeting === null || joinUrl === null) return { note: { kind: "follows" }, claimed: null };
	return { note: { kind: "link", joinUrl }, claimed: (await claimLinkMail(db, meeting.id, now)) === "claimed" ? meeting.id : null };
}

/**
 * Sends the email `job` calls for, at most once per booking version however often the job is
 * delivered; returns what it did (for logs and tests). Whether to send, the claim on the version and
 * what the email says come from the merchant's object (notice.ts); only an online booking's meeting
 * link is read from D1.
 */
export async function notifyCustomer(env: Env, mailer: Mailer, config: EmailConfig, job: BookingNotifyJob): Promise<"sent" | "skipped"> {
	const schedule = merchantSchedule(env, job.merchantId);
	const claim = await schedule.claimNotice(job.bookingId, job.version, job.change, config.now);
	if (claim.kind === "skip") return "skipped";
	if (claim.kind === "in-flight") throw new EmailInFlightError(job.bookingId, job.version, claim.retryAfterSeconds);
	const db = database(env.DB);
	let claimedMeeting: string | null = null;
	try {
		const meeting = job.change === "cancelled" ? { note: { kind: "none" as const }, claimed: null } : await meetingNote(db, claim.notice, config.now);
		claimedMeeting = meeting.claimed;
		await mailer.send(await bookingEmail(claim.notice, job.change, meeting.note, config));
	} catch (error) {
		// The link's claim first: left taken, only the follow-up is lost, and this job's retry carries the link anyway.
		if (claimedMeeting !== null) await releaseLinkMail(db, claimedMeeting, config.now);
		await schedule.releaseEmail(job.bookingId, job.version, config.now);
		throw error;
	}
	try {
		if (claimedMeeting !== null) await confirmLinkMail(db, claimedMeeting, config.now, Date.now());
		await schedule.markEmailSent(job.bookingId, job.version, config.now);
	} catch (error) {
		// It went out: failing the job would only send it again once the claim lapses. Unmarked, the
		// claim lapses all the same, so only a later duplicate of this message could repeat it.
		logLine("error", "email sent but not recorded", { bookingId: job.bookingId, version: job.version, error: errorFields(error) });
	}
	return "sent";
}
