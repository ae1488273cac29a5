// The `meeting.notify` job: mails the customer a meeting link that was stored after their confirmation went
// out (queued by saveMeetingAndAnnounce). The meeting's link-mail claim makes it one email per link, against
// the confirmation that may have carried the link already and against redelivery of this job.
import { meetingLinkEmail } from "../booking/customer-email";
import type { EmailConfig } from "../booking/customer-email";
import { merchantSchedule } from "../booking/merchant-schedule";
import type { Database } from "../db/client";
import type { MeetingNotifyJob } from "../jobs";
import type { Mailer } from "../mail/mailer";
import { claimLinkMail, confirmLinkMail, LINK_MAIL_LEASE_MS, meetingById, releaseLinkMail } from "./meeting-store";
import { joinUrlOf } from "./meeting-view";

/** The link's email is claimed by another sender; the queue retries this job once that claim could have lapsed. */
export class LinkMailInFlightError extends Error {
	override readonly name = "LinkMailInFlightError";
	readonly retryAfterSeconds = LINK_MAIL_LEASE_MS / 1000;
	constructor(meetingId: string) {
		super(`the link email of meeting ${meetingId} is being sent by another delivery`);
	}
}

/** Sends the follow-up with the link when the booking is still confirmed and no email claimed the link yet; returns what it did. */
export async function notifyMeetingLink(env: Env, db: Database, mailer: Mailer, config: EmailConfig, job: MeetingNotifyJob): Promise<"sent" | "skipped"> {
	const meeting = await meetingById(db, job.meetingId);
	if (meeting === null || meeting.merchantId !== job.merchantId || meeting.state !== "ready") return "skipped";
	if (joinUrlOf(meeting) === null || meeting.linkMailSentAt !== null) return "skipped";
	// The booking as the merchant's object holds it now: cancelled since, or a walk-in, gets nothing.
	const notice = await merchantSchedule(env, meeting.merchantId).notice(meeting.bookingId);
	if (notice === null || !notice.occurrences.some((s) => s.status === "confirmed")) return "skipped";
	const claim = await claimLinkMail(db, meeting.id, config.now);
	if (claim === "sent") return "skipped";
	// Another email is carrying the link right now: come back once its lease lapses, in case it never goes out.
	if (claim === "in-flight") throw new LinkMailInFlightError(meeting.id);
	try {
		// The claim is on the link stored now (a meeting made again resets it): send that one.
		const claimed = joinUrlOf(await meetingById(db, meeting.id));
		if (claimed === null) {
			await releaseLinkMail(db, meeting.id, config.now);
			return "skipped";
		}
		await mailer.send(await meetingLinkEmail(notice, claimed, config));
	} catch (error) {
		await releaseLinkMail(db, meeting.id, config.now);
		throw error;
	}
	await confirmLinkMail(db, meeting.id, config.now, Date.now());
	return "sent";
}
