// What the customer's booking emails say, in text and HTML: the confirmation, reschedule and cancellation
// of a booking, and the follow-up that brings a video link made after the confirmation went out; each with
// its .ics invitation. Pure composition: deciding and claiming who sends is notify.ts's and meeting-notify.ts's.
import type { BookingChangeKind } from "../jobs";
import type { MailMessage } from "../mail/mailer";
import { bookedPlace } from "../place";
import type { Place } from "../place";
import { bookedPlaceView, placeLocation } from "../place-view";
import { dateTimeFormat } from "../time";
import { ianaTimeZone } from "../zones";
import { invitationIcs } from "./invitation";
import { manageToken } from "./manage-token";
import type { Notice } from "./notice";

export interface EmailConfig {
	appUrl: string;
	sessionSecret: string;
	mailFrom: string;
	now: number;
}

/** What an email says of the video meeting: its join link, that the link follows in its own email, or nothing. */
export type MeetingNote = { kind: "link"; joinUrl: string } | { kind: "follows" } | { kind: "none" };

/** A paragraph: lines of text, or one link (a button in HTML, "label: URL" in text). */
type Block = { lines: string[] } | { label: string; href: string };

function toBase64(text: string): string {
	const bytes = new TextEncoder().encode(text);
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
}

function escapeHtml(value: string): string {
	return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function when(instant: number, zone: string): string {
	const text = dateTimeFormat("en-GB", { dateStyle: "full", timeStyle: "short", timeZone: zone }).format(new Date(instant));
	// By its canonical name, also for bookings stored before zones were canonicalised ("europe/amsterdam").
	return `${text} (${(ianaTimeZone(zone) ?? zone).replaceAll("_", " ")})`;
}

function onDay(instant: number, zone: string): string {
	return dateTimeFormat("en-GB", { dateStyle: "full", timeZone: ianaTimeZone(zone) ?? zone }).format(new Date(instant));
}

function message(to: string, subject: string, blocks: Block[], invitation: { method: "REQUEST" | "CANCEL"; text: string }): MailMessage {
	const text = blocks.map((b) => ("lines" in b ? b.lines.join("\n") : `${b.label}: ${b.href}`)).join("\n\n");
	const html = blocks.map((b) => ("lines" in b ? `<p>${b.lines.map(escapeHtml).join("<br>")}</p>` : `<p><a href="${escapeHtml(b.href)}">${escapeHtml(b.label)}</a></p>`)).join("\n");
	return {
		to,
		subject,
		text,
		html,
		attachments: [
			{
				filename: invitation.method === "CANCEL" ? "cancel.ics" : "invite.ics",
				contentType: `text/calendar; charset=utf-8; method=${invitation.method}`,
				content: toBase64(invitation.text),
			},
		],
	};
}

/** Where the booking of `notice` takes place, as its people see it. */
export function noticePlace(notice: Notice): Place {
	return bookedPlace(notice.service.place, notice.staff.place);
}

async function manageUrlOf(notice: Notice, config: EmailConfig): Promise<string> {
	return `${config.appUrl}/manage/${notice.booking.id}?token=${await manageToken(config.sessionSecret, notice.booking.id)}`;
}

/** The booking as one iTIP event: the join link, once known, is its LOCATION and URL and opens its DESCRIPTION. */
function invitationOf(notice: Notice, location: string | null, joinUrl: string | null, manageUrl: string, config: EmailConfig): { method: "REQUEST" | "CANCEL"; text: string } {
	const { booking, occurrences, service, staff: member, merchantName, customer } = notice;
	return invitationIcs({
		uid: `${booking.seriesId ?? booking.id}@slotline`,
		// SEQUENCE must grow with every change; each change bumps at least one occurrence's version.
		sequence: occurrences.reduce((sum, s) => sum + s.version, 0) - occurrences.length,
		starts: occurrences.filter((s) => s.status === "confirmed").map((s) => s.startsAt),
		durationMinutes: service.durationMinutes,
		summary: `${service.name} with ${member.name} (${merchantName})`,
		description: [joinUrl === null ? null : `Join the video meeting: ${joinUrl}`, booking.customerNotes === null ? null : `Your notes: ${booking.customerNotes}`, `Manage: ${manageUrl}`]
			.filter((l) => l !== null)
			.join("\n"),
		location: joinUrl ?? location,
		organizer: { name: merchantName, email: config.mailFrom },
		attendee: { name: customer.name, email: customer.email },
		url: joinUrl ?? manageUrl,
		now: config.now,
	});
}

/** The email about `change`, with an .ics invitation, the manage link and, when online, the meeting's link or word that it follows. */
export async function bookingEmail(notice: Notice, change: BookingChangeKind, meeting: MeetingNote, config: EmailConfig): Promise<MailMessage> {
	const { booking, occurrences, service, staff: member, merchantName, merchantAddress, customer } = notice;
	// The customer's own email: with the manage page, where a meeting link is written for them.
	const joinUrl = meeting.kind === "link" ? meeting.joinUrl : null;
	const location = placeLocation(bookedPlaceView(noticePlace(notice), merchantAddress, booking.customerPhone));
	const confirmed = occurrences.filter((s) => s.status === "confirmed");
	const manageUrl = await manageUrlOf(notice, config);
	const zone = booking.timezone;
	const verb = change === "created" ? "confirmed" : change === "rescheduled" ? "moved" : "cancelled";
	const subject = `Booking ${verb}: ${service.name} with ${merchantName}, ${when(booking.startsAt, zone)}`;
	const cancelled = change === "cancelled" && booking.status === "cancelled";
	const blocks: Block[] = [{ lines: [`Hello ${customer.name},`] }];
	if (cancelled) {
		blocks.push({ lines: [`Your booking for ${service.name} with ${member.name} on ${when(booking.startsAt, zone)} is cancelled.`] });
	} else {
		blocks.push(
			{ lines: [`Your booking for ${service.name} with ${member.name} is ${verb}.`] },
			{
				lines: [
					...(confirmed.length > 1 ? confirmed.map((s) => `  • ${when(s.startsAt, zone)}`) : [`When: ${when(booking.startsAt, zone)}`]),
					...(location === null ? [] : [`Where: ${joinUrl ?? location}`]),
				],
			},
		);
		if (joinUrl !== null) blocks.push({ label: "Join the video meeting", href: joinUrl });
		if (meeting.kind === "follows") blocks.push({ lines: ["Your video link follows in a separate email as soon as it is ready."] });
	}
	blocks.push({ label: "View, move or cancel", href: manageUrl }, { lines: [merchantName] });
	return message(customer.email, subject, blocks, invitationOf(notice, location, cancelled ? null : joinUrl, manageUrl, config));
}

/** The follow-up that brings a meeting's link made after the booking's confirmation, with a fresh .ics carrying it. */
export async function meetingLinkEmail(notice: Notice, joinUrl: string, config: EmailConfig): Promise<MailMessage> {
	const { booking, occurrences, service, staff: member, merchantName, merchantAddress, customer } = notice;
	const confirmed = occurrences.filter((s) => s.status === "confirmed");
	const first = confirmed[0] ?? booking;
	const zone = booking.timezone;
	const manageUrl = await manageUrlOf(notice, config);
	const location = placeLocation(bookedPlaceView(noticePlace(notice), merchantAddress, booking.customerPhone));
	const blocks: Block[] = [
		{ lines: [`Hello ${customer.name},`] },
		{ lines: [`Here is the video link for your booking for ${service.name} with ${member.name}${confirmed.length > 1 ? " (the same link for every date)" : ""}.`] },
		{ label: "Join the video meeting", href: joinUrl },
		{ lines: confirmed.length > 1 ? confirmed.map((s) => `  • ${when(s.startsAt, zone)}`) : [`When: ${when(first.startsAt, zone)}`] },
		{ lines: ["The attached invitation adds the link to the event in your calendar."] },
		{ label: "View, move or cancel", href: manageUrl },
		{ lines: [merchantName] },
	];
	return message(customer.email, `Your video link for ${service.name} on ${onDay(first.startsAt, zone)}`, blocks, invitationOf(notice, location, joinUrl, manageUrl, config));
}
