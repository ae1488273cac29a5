// Google Meet and Microsoft Teams meetings, which come with the staff member's own calendar event (the
// calendar.push writes them, src/sync/outbound.ts): which event asks for one, and what is recorded of the answer.
import { eq } from "drizzle-orm";
import type { OutboundEvent, StoredMeeting } from "../calendars/provider";
import type { Database } from "../db/client";
import type { ConnectionRow } from "../db/queries/connections";
import { services, staff } from "../db/schema";
import type { MeetingProvider } from "../db/schema";
import type { bookings } from "../db/schema";
import type { Job } from "../jobs";
import { meetingCalendar, placeOfBooking } from "../place";
import type { PlaceColumns } from "../place";
import { meetingById, meetingIdOf, saveMeeting, saveMeetingAndAnnounce } from "./meeting-store";
import type { MeetingRow, MeetingState, MeetingWrite } from "./meeting-store";

type BookingRow = typeof bookings.$inferSelect;
export type Conference = NonNullable<OutboundEvent["conference"]>;

const NAMES = { google_meet: ["Google Meet", "Google"], microsoft_teams: ["Microsoft Teams", "Microsoft"] } as const;

const REFUSALS = {
	google_meet: "Google Meet is not allowed on this Google calendar (its conferencing settings exclude it)",
	microsoft_teams: "this Microsoft account cannot host Teams meetings (personal Microsoft accounts cannot)",
} as const;

/**
 * Why a calendar's events cannot carry the meeting its provider makes (Meet on Google, Teams on Microsoft), as
 * its calendar list said; null when they can, or when that is not known yet (the list not read since).
 */
export function meetingRefusal(provider: ConnectionRow["provider"], onlineMeetings: MeetingProvider[] | null): string | null {
	const meeting = provider === "google" ? "google_meet" : provider === "microsoft" ? "microsoft_teams" : null;
	if (meeting === null || onlineMeetings === null || onlineMeetings.includes(meeting)) return null;
	return REFUSALS[meeting];
}

/**
 * The meeting a staff member's calendar event carries for a booking: Meet on their Google calendar, Teams on
 * their Microsoft one, when the booking takes place there. Never on the business calendar, whose account is
 * not the host's. The request id is the booking's or the series' (one meeting for all occurrences), so
 * every write asks for the same meeting.
 */
export function conferenceOf(connection: ConnectionRow, booking: BookingRow, service: PlaceColumns, member: PlaceColumns | undefined): Conference | null {
	if (connection.staffId === null || connection.staffId !== booking.staffId) return null;
	const place = placeOfBooking(service, member);
	if (meetingCalendar(place) !== connection.provider) return null;
	if (place.kind !== "google_meet" && place.kind !== "microsoft_teams") return null;
	return { provider: place.kind, requestId: `slotline-${meetingIdOf(booking)}` };
}

/** conferenceOf, reading the booking's service and staff member. */
async function conferenceFor(db: Database, connection: ConnectionRow, booking: BookingRow): Promise<Conference | null> {
	if (connection.staffId === null || connection.staffId !== booking.staffId) return null;
	const [service, member] = await Promise.all([
		db.query.services.findFirst({ where: eq(services.id, booking.serviceId) }),
		db.query.staff.findFirst({ where: eq(staff.id, booking.staffId) }),
	]);
	return service === undefined ? null : conferenceOf(connection, booking, service, member);
}

/** A meeting this connection still owes (its link pending): a push that finds the event current must not stop there. */
export async function meetingAwaited(db: Database, connectionId: string, booking: BookingRow): Promise<boolean> {
	const row = await meetingById(db, meetingIdOf(booking));
	return row !== null && row.state === "pending" && row.connectionId === connectionId;
}

/** The fields every write of the meeting's row repeats: whose it is and which connection hosts it. */
function baseWrite(connection: ConnectionRow | null, first: BookingRow, conference: Conference | null, row: MeetingRow | null): Pick<MeetingWrite, "merchantId" | "bookingId" | "seriesId" | "provider" | "connectionId"> {
	const provider = conference?.provider ?? row?.provider;
	if (provider === undefined) throw new Error("a meeting write needs a provider");
	return { merchantId: first.merchantId, bookingId: first.id, seriesId: first.seriesId, provider, connectionId: connection?.id ?? null };
}

/**
 * Before the event is written: a new meeting shows as "link pending" at once. Answers the conference to ask
 * for: after the admin's Retry of a refused one, under a new request id (`intentAt`, set by the Retry), since
 * Google answers a request id it has seen with its first answer, a failure too. Null while the booking still
 * has a Zoom meeting (its place moved from Zoom): the row is that meeting's until its job removed it from Zoom,
 * so this queues that job and the caller comes back later; taking the row now would leave the meeting in Zoom.
 */
export async function meetingRequested(db: Database, queue: Queue<Job>, connection: ConnectionRow, first: BookingRow, conference: Conference, now: number): Promise<Conference | null> {
	const meetingId = meetingIdOf(first);
	const row = await meetingById(db, meetingId);
	if (row === null) {
		await saveMeeting(db, meetingId, { ...baseWrite(connection, first, conference, null), state: "pending" }, now);
		return conference;
	}
	if (holdsZoomMeeting(row)) {
		await queue.send({ type: "meeting.push", merchantId: first.merchantId, bookingId: first.id, version: first.version }, { contentType: "json" });
		return null;
	}
	return row.intentAt === null ? conference : { ...conference, requestId: `${conference.requestId}-${row.intentAt}` };
}

/**
 * What the provider said of the meeting after the event was written: the link (stored, and mailed to the
 * customer if their confirmation went without it), still pending, or refused by the calendar or account.
 * Returns the meeting's state; "pending" means the caller writes the event again later.
 */
export async function meetingAnswered(
	db: Database,
	queue: Queue<Job>,
	connection: ConnectionRow,
	group: BookingRow[],
	conference: Conference,
	meeting: StoredMeeting,
	eventId: string,
	now: number,
): Promise<MeetingState> {
	const first = group[0] as BookingRow;
	const meetingId = meetingIdOf(first);
	const base = { ...baseWrite(connection, first, conference, null), syncedVersion: Math.max(...group.map((b) => b.version)) };
	const [meetingName, providerName] = NAMES[conference.provider];
	if (meeting.status === "ready" && meeting.joinUrl !== null) {
		const row = await saveMeetingAndAnnounce(db, queue, meetingId, { ...base, state: "ready", joinUrl: meeting.joinUrl, externalId: meeting.conferenceId ?? eventId, error: null }, now);
		return row.state;
	}
	if (meeting.status === "pending") {
		await saveMeeting(db, meetingId, { ...base, state: "pending", externalId: eventId, error: `${providerName} is still making the ${meetingName} meeting` }, now);
		return "pending";
	}
	const error =
		conference.provider === "google_meet"
			? `${REFUSALS.google_meet}: allow Meet there, or choose another write calendar or place`
			: `${REFUSALS.microsoft_teams}: connect a work or school account, or choose another place`;
	await saveMeeting(db, meetingId, { ...base, state: "failed", externalId: eventId, joinUrl: null, error }, now);
	return "failed";
}

/**
 * This connection's event of the booking is gone (deleted here). Cancelled: the meeting ended with its event.
 * Moved to someone else: its link is no more, and the new host's calendar makes the next one.
 */
export async function meetingEventRemoved(db: Database, connection: ConnectionRow, group: BookingRow[], now: number): Promise<void> {
	const first = group[0];
	if (first === undefined) return;
	const meetingId = meetingIdOf(first);
	const row = await meetingById(db, meetingId);
	if (row === null || row.connectionId !== connection.id || row.state === "deleted" || row.provider === "zoom") return;
	const cancelled = group.every((b) => b.status !== "confirmed");
	await saveMeeting(
		db,
		meetingId,
		cancelled
			? { ...baseWrite(connection, first, null, row), state: "deleted", error: null }
			: { ...baseWrite(null, first, null, row), state: "pending", joinUrl: null, externalId: null, error: "The booking moved to another staff member: waiting for their calendar to make the meeting" },
		now,
	);
}

/**
 * The push could not reach the calendar (provider down, access revoked, the connection in error): a meeting
 * not made yet stays pending and says why. A link already made stays: the event that carries it still exists.
 */
export async function meetingBlocked(db: Database, connection: ConnectionRow, first: BookingRow, error: string, now: number): Promise<void> {
	const conference = await conferenceFor(db, connection, first);
	if (conference === null) return;
	const meetingId = meetingIdOf(first);
	const row = await meetingById(db, meetingId);
	if (row?.state === "ready" || (row !== null && holdsZoomMeeting(row))) return;
	await saveMeeting(db, meetingId, { ...baseWrite(connection, first, conference, row), state: "pending", error }, now);
}

/** A row that is (or may be) a meeting in someone's Zoom: only the Zoom job may replace it, after removing that meeting. */
function holdsZoomMeeting(row: MeetingRow): boolean {
	return row.provider === "zoom" && (row.state === "ready" || row.state === "creating") && row.connectionId !== null;
}

/** What the admin reads when the connection needs the person again before the link can be made. */
export function reconnectMessage(connection: ConnectionRow): string {
	const name = connection.provider === "google" ? "Google" : connection.provider === "microsoft" ? "Microsoft" : "calendar";
	return `The ${name} calendar access was revoked: reconnect the calendar on the Integrations page to make the meeting link`;
}
