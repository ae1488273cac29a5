// The customer's email for a committed booking change: confirmation, reschedule or cancellation,
// with an .ics invitation and the manage link. Runs from the queue (`booking.notify`), so a mail
// outage retries instead of losing the message.
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { bookings, customers, merchants, services, staff } from "../db/schema";
import type { BookingNotifyJob } from "../jobs";
import { errorFields, logLine } from "../log";
import type { Mailer } from "../mail/mailer";
import { ianaTimeZone } from "../time";
import { claimEmail, markEmailSent, releaseEmail } from "./email-ledger";
import { invitationIcs } from "./invitation";
import { manageToken } from "./manage-token";

export interface NotifyConfig {
	appUrl: string;
	sessionSecret: string;
	mailFrom: string;
	now: number;
}

type BookingRow = typeof bookings.$inferSelect;

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
 * delivered; returns what it did (for logs and tests).
 */
export async function notifyCustomer(db: Database, mailer: Mailer, config: NotifyConfig, job: BookingNotifyJob): Promise<"sent" | "skipped"> {
	// Detail-only changes (merchant notes) are internal.
	if (job.change === "updated") return "skipped";
	const booking = await db.query.bookings.findFirst({ where: eq(bookings.id, job.bookingId) });
	if (booking === undefined || booking.customerId === null) return "skipped";

	// A change to several occurrences at once (a series booked or cancelled) sends one email, from
	// the lowest occurrence changed together.
	let siblings: BookingRow[] = [booking];
	if (booking.seriesId !== null) {
		siblings = await db.query.bookings.findMany({ where: eq(bookings.seriesId, booking.seriesId), orderBy: [asc(bookings.seriesIndex)] });
		if (job.change === "created") {
			// A series is booked all at once: its first occurrence sends, however the others changed since
			// (a delivery that waited out a mail outage finds them moved, and no longer "together").
			if (siblings[0]?.id !== booking.id) return "skipped";
		} else {
			const together = siblings.filter((s) => s.updatedAt === booking.updatedAt);
			if (together.some((s) => (s.seriesIndex ?? 0) < (booking.seriesIndex ?? 0))) return "skipped";
		}
	}

	const [merchant, service, member, customer] = await Promise.all([
		db.query.merchants.findFirst({ where: eq(merchants.id, booking.merchantId) }),
		db.query.services.findFirst({ where: eq(services.id, booking.serviceId) }),
		db.query.staff.findFirst({ where: eq(staff.id, booking.staffId) }),
		db.query.customers.findFirst({ where: and(eq(customers.id, booking.customerId), eq(customers.merchantId, booking.merchantId)) }),
	]);
	if (merchant === undefined || service === undefined || member === undefined || customer === undefined) return "skipped";

	const confirmed = siblings.filter((s) => s.status === "confirmed");
	const manageUrl = `${config.appUrl}/manage/${booking.id}?token=${await manageToken(config.sessionSecret, booking.id)}`;
	const zone = booking.timezone;
	const verb = job.change === "created" ? "confirmed" : job.change === "rescheduled" ? "moved" : "cancelled";
	const subject = `Booking ${verb}: ${service.name} with ${merchant.name}, ${when(booking.startsAt, zone)}`;
	const lines =
		job.change === "cancelled" && booking.status === "cancelled"
			? [`Your booking for ${service.name} with ${member.name} on ${when(booking.startsAt, zone)} is cancelled.`]
			: [
					`Your booking for ${service.name} with ${member.name} is ${verb}.`,
					"",
					...(confirmed.length > 1 ? confirmed.map((s) => `  • ${when(s.startsAt, zone)}`) : [`When: ${when(booking.startsAt, zone)}`]),
					...(service.location === null ? [] : [`Where: ${service.location}`]),
				];
	// The name typed with this booking: a guest's booking never rewrites the customer record.
	const name = booking.customerName ?? customer.name;
	const text = [`Hello ${name},`, "", ...lines, "", `View, move or cancel: ${manageUrl}`, "", merchant.name].join("\n");

	const invitation = invitationIcs({
		uid: `${booking.seriesId ?? booking.id}@slotline`,
		// SEQUENCE must grow with every change; each change bumps at least one occurrence's version.
		sequence: siblings.reduce((sum, s) => sum + s.version, 0) - siblings.length,
		starts: confirmed.map((s) => s.startsAt),
		durationMinutes: service.durationMinutes,
		summary: `${service.name} with ${member.name} (${merchant.name})`,
		description: [booking.customerNotes === null ? null : `Your notes: ${booking.customerNotes}`, `Manage: ${manageUrl}`].filter((l) => l !== null).join("\n"),
		location: service.location,
		organizer: { name: merchant.name, email: config.mailFrom },
		attendee: { name, email: customer.email },
		url: manageUrl,
		now: config.now,
	});
	const message = {
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
	// A redelivered job (the outbox relays at least once) finds its version already sent.
	if (!(await claimEmail(db, booking.id, job.version, config.now))) return "skipped";
	try {
		await mailer.send(message);
	} catch (error) {
		await releaseEmail(db, booking.id, job.version, config.now);
		throw error;
	}
	try {
		await markEmailSent(db, booking.id, job.version, config.now);
	} catch (error) {
		// It went out: failing the job would only send it again once the claim lapses. Unmarked, the
		// claim lapses all the same, so only a later duplicate of this message could repeat it.
		logLine("error", "email sent but not recorded", { bookingId: booking.id, version: job.version, error: errorFields(error) });
	}
	return "sent";
}
