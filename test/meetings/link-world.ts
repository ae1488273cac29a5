// Shared by the meeting-link tests: a demo service made online, a booking's meeting written as a maker of
// meetings writes it (meeting-store.ts), the sandbox mailbox read once, and the .ics an email carries.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import ICAL from "ical.js";
import { inject } from "vitest";
import { database } from "../../src/db/client";
import { staff } from "../../src/db/schema";
import type { MeetingProvider } from "../../src/db/schema";
import { jobQueue } from "../../src/jobs";
import { meetingIdOf, saveMeeting, saveMeetingAndAnnounce } from "../../src/meetings/meeting-store";
import type { MeetingRow, MeetingState } from "../../src/meetings/meeting-store";
import { placeColumns } from "../../src/place";
import type { Place } from "../../src/place";
import type { MailJson } from "../support/mailbox";
import { refreshSchedule } from "../support/schedule";

export { placeService } from "./calendar-meeting-world";

export const db = database(env.DB);

/** A join link no other test uses, so finding it anywhere is this test's doing. */
export function joinLink(): string {
	return `https://meet.google.com/lnk-${crypto.randomUUID().slice(0, 8)}`;
}

export async function placeStaff(staffId: string, place: Place | null): Promise<void> {
	await db.update(staff).set(placeColumns(place)).where(eq(staff.id, staffId));
	await refreshSchedule();
}

interface MeetingOf {
	id: string;
	seriesId?: string | null;
	merchantId?: string;
}

/** Stores a booking's meeting as its maker would; `announce` queues the follow-up as every maker does on a new link. */
export async function writeMeeting(
	booking: MeetingOf,
	meeting: { state: MeetingState; joinUrl?: string | null; error?: string | null; provider?: MeetingProvider },
	options: { announce?: boolean } = {},
): Promise<MeetingRow> {
	const seriesId = booking.seriesId ?? null;
	const write = {
		merchantId: booking.merchantId ?? "mer_demo",
		bookingId: booking.id,
		seriesId,
		provider: meeting.provider ?? "google_meet",
		connectionId: null,
		state: meeting.state,
		// Left out, a link the row holds is kept (as by a maker retrying an update of a meeting that exists).
		...(meeting.joinUrl === undefined ? {} : { joinUrl: meeting.joinUrl }),
		error: meeting.error ?? null,
	};
	const id = meetingIdOf({ id: booking.id, seriesId });
	return options.announce === true ? saveMeetingAndAnnounce(db, jobQueue(env), id, write, Date.now()) : saveMeeting(db, id, write, Date.now());
}

/** The mailbox's messages to `to` now (oldest first), without waiting for more. */
export async function mailboxNow(to: string): Promise<MailJson[]> {
	const res = await fetch(`${inject("sandboxUrl")}/_control/mail?to=${encodeURIComponent(to)}`);
	const { messages } = await res.json<{ messages: MailJson[] }>();
	return messages.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt));
}

export function decode(base64: string): string {
	return new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
}

/** LOCATION, URL and DESCRIPTION of an .ics file's event. */
export function icsFields(ics: string): { location: unknown; url: unknown; description: unknown } {
	const event = ICAL.Component.fromString(ics).getFirstSubcomponent("vevent");
	return { location: event?.getFirstPropertyValue("location") ?? null, url: event?.getFirstPropertyValue("url") ?? null, description: event?.getFirstPropertyValue("description") ?? null };
}

/** The .ics attached to a message (recorded or from the mailbox). */
export function attachedIcs(message: { attachments?: Array<{ content: string }> | undefined }): string {
	const content = message.attachments?.[0]?.content;
	if (content === undefined) throw new Error("no .ics attached");
	return decode(content);
}
