// Outbound sync: the calendar.push messages of a booking change (see fan-out.ts), and the calendar.push handler
// that makes each calendar hold exactly one event per booking (or one recurring event per series)
// reflecting the booking's newest version.
import { asc, eq } from "drizzle-orm";
import { CalendarUnavailableError, ProviderError, TokenRevokedError } from "../calendars/provider";
import type { OccurrenceException, OutboundEvent, StoredEvent } from "../calendars/provider";
import { calendarById, clearPending, addPending, connectionById, logOperation, markSynced } from "../db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow } from "../db/queries/connections";
import { linksFor, recordLinks } from "../db/queries/event-links";
import { bookingSeries, bookings, customers, services, staff } from "../db/schema";
import type { BookingChangedJob, CalendarPushJob } from "../jobs";
import { bookedLocation } from "../booking/booked-place";
import { placeOfBooking } from "../place";
import { zoomLinkOf } from "../meetings/meeting-view";
import { conferenceOf, meetingAnswered, meetingAwaited, meetingBlocked, meetingEventRemoved, meetingRequested, reconnectMessage } from "../meetings/event-meetings";
import type { MeetingState } from "../meetings/meeting-store";
import { calendarUnavailable, needsReauthorization } from "./connection-health";
import { adapterFor } from "./context";
import { errorSummary } from "./error-summary";
import type { SyncContext } from "./context";

type BookingRow = typeof bookings.$inferSelect;

/** A push that raced a newer change re-pushes at most this many times before leaving it to a retry. */
const MAX_ROUNDS = 3;

/** When to read an event again whose Meet or Teams link the provider was still making. */
const MEETING_RETRY_SECONDS = 5;

/** One calendar.push per calendar (each once) of `calendarIds`, as changeTargets found them. */
export function calendarPushJobs(job: BookingChangedJob, calendarIds: string[]): CalendarPushJob[] {
	return [...new Set(calendarIds)].map((calendarId) => ({ type: "calendar.push", bookingId: job.bookingId, calendarId, version: job.version }));
}

/** A push that failed in a way the queue should retry (429, 5xx, timeouts, a lost race). */
export class RetryablePushError extends Error {
	override readonly name = "RetryablePushError";
	constructor(
		message: string,
		readonly retryAfterSeconds: number | null,
		/** The provider's error, so the consumer's log line can name its provider, status and code. */
		cause?: unknown,
	) {
		super(message, cause === undefined ? undefined : { cause });
	}
}

export type PushOutcome = "written" | "deleted" | "skipped" | "waiting" | "failed";

/**
 * Brings one calendar in line with the booking's current state. Always pushes what the database
 * holds now, never the message's snapshot, so a late or repeated message cannot undo a newer change.
 * Throws only for failures worth retrying; everything else is logged on the connection.
 */
export async function handleCalendarPush(context: SyncContext, job: CalendarPushJob): Promise<PushOutcome> {
	const calendar = await calendarById(context.db, job.calendarId);
	if (calendar === null) return "skipped";
	const connection = await connectionById(context.db, calendar.connectionId);
	if (connection === null || connection.status === "disconnected") return "skipped";
	for (let round = 0; round < MAX_ROUNDS; round++) {
		const group = await bookingGroup(context, job.bookingId);
		if (group.length === 0) return "skipped";
		const links = await linksFor(context.db, calendar.id, group.map((b) => b.id));
		const pushed = new Map(links.map((l) => [l.bookingId, l]));
		// A repeat after a race must push even if the record looks current: the provider may hold the stale write.
		// A meeting whose link is still pending is not done, however current the event looks.
		if (round === 0 && group.every((b) => (pushed.get(b.id)?.pushedVersion ?? 0) >= b.version) && !(await meetingAwaited(context.db, connection.id, group[0] as BookingRow))) return "skipped";
		if (connection.status === "error" && connection.errorKind !== "push-failed") {
			await addPending(context.db, connection.id, job.bookingId, { state: "waiting" }, connection.statusMessage);
			await meetingBlocked(context.db, connection, group[0] as BookingRow, connection.errorKind === "reauthorize" ? reconnectMessage(connection) : (connection.statusMessage ?? "The calendar connection is in error"), context.now());
			return "waiting";
		}
		let outcome: PushOutcome;
		let superseded: boolean;
		let meeting: MeetingState | null;
		try {
			({ outcome, superseded, meeting } = await apply(context, connection, calendar, group, links));
		} catch (error) {
			return handleFailure(context, connection, calendar, job, group[0] as BookingRow, error);
		}
		await clearPending(context.db, connection.id, job.bookingId);
		await markSynced(context.db, connection.id, context.now());
		await logOperation(context.db, connection.id, outcome === "deleted" ? "delete-event" : "write-event", "ok", `booking ${job.bookingId} in ${calendar.name}`, context.now());
		// The provider is still making the meeting: the queue brings this push back to read it again.
		if (meeting === "pending") throw new RetryablePushError(`booking ${job.bookingId}: meeting link pending`, MEETING_RETRY_SECONDS);
		const after = await bookingGroup(context, job.bookingId);
		const changedMeanwhile = after.some((b) => b.version !== group.find((g) => g.id === b.id)?.version);
		if (!superseded && !changedMeanwhile) return outcome;
	}
	throw new RetryablePushError(`booking ${job.bookingId} kept changing while it was pushed`, null);
}

/** The booking, or every occurrence of its series (a series is one recurring event). */
async function bookingGroup(context: SyncContext, bookingId: string): Promise<BookingRow[]> {
	const booking = await context.db.query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
	if (booking === undefined) return [];
	if (booking.seriesId === null) return [booking];
	return context.db.query.bookings.findMany({ where: eq(bookings.seriesId, booking.seriesId), orderBy: [asc(bookings.seriesIndex)] });
}

type LinkRow = { bookingId: string; externalEventId: string; etag: string | null; deleted: boolean };

async function apply(
	context: SyncContext,
	connection: ConnectionRow,
	calendar: ConnectionCalendarRow,
	group: BookingRow[],
	links: LinkRow[],
): Promise<{ outcome: PushOutcome; superseded: boolean; meeting: MeetingState | null }> {
	const first = group[0];
	if (first === undefined) throw new Error("empty booking group");
	// Occurrences belong here only while their staff member is this calendar's owner (any, for the business calendar).
	const belongs = (b: BookingRow): boolean => b.status === "confirmed" && calendar.isWriteTarget && (connection.staffId === null || connection.staffId === b.staffId);
	const opened = await adapterFor(context, connection);
	// chooseCalendars never makes a read-only (ICS) calendar a write target; one left from before is unavailable.
	const adapter = opened.writer;
	if (adapter === null) throw new CalendarUnavailableError(opened.name, 405, "readOnlyCalendar");
	const stored = (l: LinkRow | undefined): StoredEvent | null => (l === undefined ? null : { externalId: l.externalEventId, etag: l.etag });
	const live = links.filter((l) => !l.deleted && l.externalEventId !== "");
	// A series event is recorded on every occurrence; an event recorded on one occurrence of a series is a standalone one.
	const sharing = (l: LinkRow): number => live.filter((o) => o.externalEventId === l.externalEventId).length;
	const seriesLink = first.seriesId === null ? live[0] : live.find((l) => group.length === 1 || sharing(l) > 1);
	const standalone = first.seriesId === null ? [] : live.filter((l) => l !== seriesLink && l.externalEventId !== seriesLink?.externalEventId);
	let superseded = false;
	const record = async (rows: BookingRow[], event: { externalEventId: string; etag: string | null; deleted: boolean }): Promise<void> => {
		const result = await recordLinks(context.db, calendar.id, rows.map((b) => ({ bookingId: b.id, version: b.version })), event, context.now());
		superseded ||= result.superseded;
	};

	if (first.seriesId !== null && !holdsSeries(connection, group)) {
		// Someone else's series: only the occurrences reassigned to this calendar's owner, each as its own event.
		if (seriesLink !== undefined) {
			await adapter.deleteEvent(calendar.externalId, first.seriesId, stored(seriesLink));
			await meetingEventRemoved(context.db, connection, group, context.now());
		}
		let wrote = false;
		for (const b of group) {
			const link = links.find((l) => l.bookingId === b.id);
			const own = standalone.find((l) => l.bookingId === b.id);
			if (belongs(b)) {
				// A standalone occurrence in another's calendar carries no meeting of its own: the series' link stands.
				const event = await outboundEvent(context, [b], belongs, true, null);
				const written = await adapter.putEvent(calendar.externalId, event, stored(own));
				await record([b], { externalEventId: written.externalId, etag: written.etag, deleted: false });
				wrote = true;
				continue;
			}
			// Without a record, a create that timed out may have landed; only occurrences that were this owner's can have one.
			if (own !== undefined || (link === undefined && b.staffId === connection.staffId)) await adapter.deleteEvent(calendar.externalId, b.id, stored(own));
			await record([b], { externalEventId: own?.externalEventId ?? "", etag: null, deleted: true });
		}
		return { outcome: wrote ? "written" : "deleted", superseded, meeting: null };
	}

	// Standalone events left from when this series belonged to someone else give way to the series event.
	for (const l of standalone) await adapter.deleteEvent(calendar.externalId, l.bookingId, stored(l));
	const identity = first.seriesId ?? first.id;
	if (!group.some(belongs)) {
		// Also without a known event: a create that timed out may have landed (Google ids are deterministic).
		await adapter.deleteEvent(calendar.externalId, identity, stored(seriesLink));
		await record(group, { externalEventId: seriesLink?.externalEventId ?? "", etag: null, deleted: true });
		// Deleting the event ends its Meet or Teams meeting with it.
		await meetingEventRemoved(context.db, connection, group, context.now());
		return { outcome: "deleted", superseded, meeting: null };
	}
	const built = await outboundEvent(context, group, belongs, false, connection);
	const conference = built.conference === null ? null : await meetingRequested(context.db, context.queue, connection, first, built.conference, context.now());
	if (built.conference !== null && conference === null) throw new RetryablePushError(`booking ${first.id}: its Zoom meeting is removed first`, MEETING_RETRY_SECONDS);
	const event = { ...built, conference };
	const written = await adapter.putEvent(calendar.externalId, event, stored(seriesLink));
	await record(group, { externalEventId: written.externalId, etag: written.etag, deleted: false });
	if (event.conference === null || written.meeting === null) return { outcome: "written", superseded, meeting: null };
	const meeting = await meetingAnswered(context.db, context.queue, connection, group, event.conference, written.meeting, written.externalId, context.now());
	return { outcome: "written", superseded, meeting };
}

/**
 * Whether this calendar holds the series as one recurring event: the business calendar always, a staff
 * calendar when its owner has most of the series' live occurrences (ties go to the earliest one's owner).
 * Occurrences reassigned elsewhere are standalone events there, so nobody sees a series of one.
 */
function holdsSeries(connection: ConnectionRow, group: BookingRow[]): boolean {
	if (connection.staffId === null) return true;
	const confirmed = group.filter((b) => b.status === "confirmed");
	if (confirmed.length === 0) return true;
	const counts = new Map<string, number>();
	for (const b of confirmed) counts.set(b.staffId, (counts.get(b.staffId) ?? 0) + 1);
	let owner = (confirmed[0] as BookingRow).staffId;
	for (const [staffId, count] of counts) if (count > (counts.get(owner) ?? 0)) owner = staffId;
	return owner === connection.staffId;
}

/**
 * How the booking (or series) looks in a calendar: title, exact times in the staff member's zone, details,
 * colour, marker, and the Meet or Teams meeting it carries when `host` (its staff member's connection) can make it.
 */
async function outboundEvent(context: SyncContext, group: BookingRow[], belongs: (b: BookingRow) => boolean, single: boolean, host: ConnectionRow | null): Promise<OutboundEvent> {
	const first = group[0] as BookingRow;
	const shown = group.find(belongs) ?? first;
	const [service, member, customer, series] = await Promise.all([
		context.db.query.services.findFirst({ where: eq(services.id, shown.serviceId) }),
		context.db.query.staff.findFirst({ where: eq(staff.id, shown.staffId) }),
		shown.customerId === null ? undefined : context.db.query.customers.findFirst({ where: eq(customers.id, shown.customerId) }),
		first.seriesId === null || single ? undefined : context.db.query.bookingSeries.findFirst({ where: eq(bookingSeries.id, first.seriesId) }),
	]);
	// A Zoom meeting shows in the event as its location and first line; Meet and Teams events carry theirs natively.
	const zoomLink = service === undefined ? null : await zoomLinkOf(context.db, first, placeOfBooking(service, member));
	const description = [
		zoomLink === null ? null : `Join the Zoom meeting: ${zoomLink}`,
		service?.name ?? null,
		shown.customerNotes === null || shown.customerNotes === "" ? null : `Customer notes: ${shown.customerNotes}`,
		shown.merchantNotes === null || shown.merchantNotes === "" ? null : `Notes: ${shown.merchantNotes}`,
	].filter((line) => line !== null);
	const base = {
		title: shown.walkIn || customer === undefined ? "Walk-in" : (shown.customerName ?? customer.name),
		timeZone: member?.timezone ?? shown.timezone,
		description: description.length === 0 ? null : description.join("\n\n"),
		location: zoomLink ?? (service === undefined ? null : await bookedLocation(context.db, shown, service, member)),
		color: service === undefined ? null : { hex: service.color, name: service.name },
		conference: service === undefined || host === null ? null : conferenceOf(host, shown, service, member),
	};
	if (series === undefined || first.seriesId === null || single) {
		return { ...base, bookingId: first.id, start: first.startsAt, end: first.endsAt, recurrence: null };
	}
	// The rule is anchored at the first occurrence as booked; every occurrence that is not where the
	// rule puts it (moved, cancelled, or now someone else's) becomes an exception named by that start.
	const duration = first.endsAt - first.startsAt;
	const original = (b: BookingRow): number => b.originalStartsAt ?? b.startsAt;
	const exceptions: OccurrenceException[] = [];
	for (const b of group) {
		if (!belongs(b)) exceptions.push({ kind: "cancelled", originalStart: original(b) });
		else if (b.startsAt !== original(b) || b.endsAt - b.startsAt !== duration) exceptions.push({ kind: "moved", originalStart: original(b), start: b.startsAt, end: b.endsAt });
	}
	const start = original(first);
	return {
		...base,
		bookingId: first.seriesId,
		start,
		end: start + duration,
		recurrence: { frequency: series.frequency, count: series.count, exceptions },
	};
}

async function handleFailure(context: SyncContext, connection: ConnectionRow, calendar: ConnectionCalendarRow, job: CalendarPushJob, first: BookingRow, error: unknown): Promise<PushOutcome> {
	const now = context.now();
	const summary = errorSummary(error);
	// A meeting not made yet says why; its booking stays confirmed, and the retry (or reconnection) makes it.
	await meetingBlocked(context.db, connection, first, error instanceof TokenRevokedError ? reconnectMessage(connection) : summary, now);
	if (error instanceof TokenRevokedError) {
		await needsReauthorization(context, connection);
		await addPending(context.db, connection.id, job.bookingId, { state: "waiting" }, summary);
		await logOperation(context.db, connection.id, "write-event", "error", summary, now);
		return "waiting";
	}
	if (error instanceof CalendarUnavailableError) {
		await calendarUnavailable(context, connection, calendar);
		await addPending(context.db, connection.id, job.bookingId, { state: "waiting" }, summary);
		await logOperation(context.db, connection.id, "write-event", "error", summary, now);
		return "waiting";
	}
	if (!(error instanceof ProviderError) || error.retryable) {
		// Provider hiccups (429, 5xx, timeouts) and our own transient failures (D1) go back to the queue.
		await logOperation(context.db, connection.id, "write-event", "retry", summary, now);
		throw new RetryablePushError(summary, error instanceof ProviderError ? error.retryAfterSeconds : null, error);
	}
	// A 4xx that cannot succeed by repeating: recorded so the admin can see it and retry it by hand
	// (the cron's automatic retries leave it alone).
	await addPending(context.db, connection.id, job.bookingId, { state: "failed", retryable: false }, summary);
	await logOperation(context.db, connection.id, "write-event", "error", summary, now);
	return "failed";
}
