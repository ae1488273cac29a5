// The customer's email for a committed booking change: confirmation, reschedule or cancellation,
// with an .ics invitation and the manage link. Runs from the queue (`booking.notify`), so a mail
// outage retries instead of losing the message.
import type { BookingChangeKind, BookingNotifyJob } from "../jobs";
import { errorFields, logLine } from "../log";
import type { MailMessage, Mailer } from "../mail/mailer";
import { bookedPlace } from "../place";
import { bookedPlaceView, placeLocation } from "../place-view";
import { ianaTimeZone } from "../zones";
import { EmailInFlightError } from "./email-ledger";
import { invitationIcs } from "./invitation";
import { manageToken } from "./manage-token";
import { merchantSchedule } from "./merchant-schedule";
import type { Notice } from "./notice";

export interface NotifyConfig {
	appUrl: string;
	sessionSecret: string;
	mailFrom: string;
	now: number;
}

function toBase64(text: string): string {
	const bytes = new TextEncoder().encode(text);
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

function when(instant: number, zone: string): string {
	const text = new Intl.DateTimeFormat("en-GB", { dateStyle: "full", timeStyle: "short", timeZone: zone }).format(new Date(instant));
	// By its canonical name, also for bookings stored before zones were canonicalised ("europe/amsterdam").
	return `${text} (${(ianaTimeZone(zone) ?? zone).replaceAll("_", " ")})`;
}

/**
 * Sends the email `job` calls for, at most once per booking version however often the job is
 * delivered; returns what it did (for logs and tests). Whether to send, the claim on the version and
 * what the email says all come from the merchant's object (notice.ts), without a D1 statement.
 */
export async function notifyCustomer(env: Env, mailer: Mailer, config: NotifyConfig, job: BookingNotifyJob): Promise<"sent" | "skipped"> {
	const schedule = merchantSchedule(env, job.merchantId);
	const claim = await schedule.claimNotice(job.bookingId, job.version, job.change, config.now);
	if (claim.kind === "skip") return "skipped";
	if (claim.kind === "in-flight") throw new EmailInFlightError(job.bookingId, job.version, claim.retryAfterSeconds);
	try {
		await mailer.send(await composeEmail(claim.notice, job.change, config));
	} catch (error) {
		await schedule.releaseEmail(job.bookingId, job.version, config.now);
		throw error;
	}
	try {
		await schedule.markEmailSent(job.bookingId, job.version, config.now);
	} catch (error) {
		// It went out: failing the job would only send it again once the claim lapses. Unmarked, the
		// claim lapses all the same, so only a later duplicate of this message could repeat it.
		logLine("error", "email sent but not recorded", { bookingId: job.bookingId, version: job.version, error: errorFields(error) });
	}
	return "sent";
}

/** The email about `change`, with an .ics invitation and the manage link. */
async function composeEmail(notice: Notice, change: BookingChangeKind, config: NotifyConfig): Promise<MailMessage> {
	const { booking, occurrences, service, staff: member, merchantName, merchantAddress, customer } = notice;
	// The customer's own email: the one place besides the manage page a fixed meeting link is written.
	const location = placeLocation(bookedPlaceView(bookedPlace(service.place, member.place), merchantAddress, booking.customerPhone));
	const confirmed = occurrences.filter((s) => s.status === "confirmed");
	const manageUrl = `${config.appUrl}/manage/${booking.id}?token=${await manageToken(config.sessionSecret, booking.id)}`;
	const zone = booking.timezone;
	const verb = change === "created" ? "confirmed" : change === "rescheduled" ? "moved" : "cancelled";
	const subject = `Booking ${verb}: ${service.name} with ${merchantName}, ${when(booking.startsAt, zone)}`;
	const lines =
		change === "cancelled" && booking.status === "cancelled"
			? [`Your booking for ${service.name} with ${member.name} on ${when(booking.startsAt, zone)} is cancelled.`]
			: [
					`Your booking for ${service.name} with ${member.name} is ${verb}.`,
					"",
					...(confirmed.length > 1 ? confirmed.map((s) => `  • ${when(s.startsAt, zone)}`) : [`When: ${when(booking.startsAt, zone)}`]),
					...(location === null ? [] : [`Where: ${location}`]),
				];
	const text = [`Hello ${customer.name},`, "", ...lines, "", `View, move or cancel: ${manageUrl}`, "", merchantName].join("\n");

	const invitation = invitationIcs({
		uid: `${booking.seriesId ?? booking.id}@slotline`,
		// SEQUENCE must grow with every change; each change bumps at least one occurrence's version.
		sequence: occurrences.reduce((sum, s) => sum + s.version, 0) - occurrences.length,
		starts: confirmed.map((s) => s.startsAt),
		durationMinutes: service.durationMinutes,
		summary: `${service.name} with ${member.name} (${merchantName})`,
		description: [booking.customerNotes === null ? null : `Your notes: ${booking.customerNotes}`, `Manage: ${manageUrl}`].filter((l) => l !== null).join("\n"),
		location,
		organizer: { name: merchantName, email: config.mailFrom },
		attendee: { name: customer.name, email: customer.email },
		url: manageUrl,
		now: config.now,
	});
	return {
		to: customer.email,
		subject,
		text,
		attachments: [
			{
				filename: invitation.method === "CANCEL" ? "cancel.ics" : "invite.ics",
				contentType: `text/calendar; charset=utf-8; method=${invitation.method}`,
				content: toBase64(invitation.text),
			},
		],
	};
}
