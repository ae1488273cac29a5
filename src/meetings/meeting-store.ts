// The booking_meetings rows: a booking's (or a series') video meeting and where its link stands. One home
// for reading and writing them; who makes the meeting (the calendar push for Meet and Teams, the meeting
// job for Zoom) decides what to write, and everything that shows the link reads it here.
import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { bookingMeetings } from "../db/schema";
import type { MeetingProvider } from "../db/schema";
import type { Job } from "../jobs";

export type MeetingRow = typeof bookingMeetings.$inferSelect;
export type MeetingState = MeetingRow["state"];

/** The meeting's identity: the series' when the booking is one of a series (one link for all), else the booking's. */
export function meetingIdOf(booking: { id: string; seriesId: string | null }): string {
	return booking.seriesId ?? booking.id;
}

export async function meetingById(db: Database, meetingId: string): Promise<MeetingRow | null> {
	return (await db.query.bookingMeetings.findFirst({ where: eq(bookingMeetings.id, meetingId) })) ?? null;
}

/** The meeting of a booking (its own, or its series'). */
export function meetingOf(db: Database, booking: { id: string; seriesId: string | null }): Promise<MeetingRow | null> {
	return meetingById(db, meetingIdOf(booking));
}

/** The meetings of many bookings at once, by booking id (each booking's own or its series'). */
export async function meetingsOf(db: Database, list: Array<{ id: string; seriesId: string | null }>): Promise<Map<string, MeetingRow>> {
	const ids = [...new Set(list.map(meetingIdOf))];
	const rows: MeetingRow[] = [];
	for (let i = 0; i < ids.length; i += 90) rows.push(...(await db.select().from(bookingMeetings).where(inArray(bookingMeetings.id, ids.slice(i, i + 90))).all()));
	const byId = new Map(rows.map((r) => [r.id, r]));
	const result = new Map<string, MeetingRow>();
	for (const booking of list) {
		const row = byId.get(meetingIdOf(booking));
		if (row !== undefined) result.set(booking.id, row);
	}
	return result;
}

export interface MeetingWrite {
	merchantId: string;
	/** The booking, or the series' first occurrence. */
	bookingId: string;
	seriesId: string | null;
	provider: MeetingProvider;
	connectionId: string | null;
	state: MeetingState;
	externalId?: string | null;
	joinUrl?: string | null;
	error?: string | null;
	intentAt?: number | null;
	syncedVersion?: number;
}

/**
 * Creates or replaces the meeting's row. A link once known is kept unless `joinUrl` says otherwise (a
 * pending retry does not forget it), and `readyAt` records only the first time a link was stored.
 */
export async function saveMeeting(db: Database, meetingId: string, write: MeetingWrite, now: number): Promise<MeetingRow> {
	const values = {
		id: meetingId,
		merchantId: write.merchantId,
		bookingId: write.bookingId,
		seriesId: write.seriesId,
		provider: write.provider,
		connectionId: write.connectionId,
		state: write.state,
		externalId: write.externalId ?? null,
		joinUrl: write.joinUrl ?? null,
		error: write.error ?? null,
		intentAt: write.intentAt ?? null,
		syncedVersion: write.syncedVersion ?? 0,
		readyAt: write.state === "ready" && write.joinUrl != null ? now : null,
		updatedAt: now,
	};
	const set: Record<string, unknown> = { provider: values.provider, connectionId: values.connectionId, state: values.state, bookingId: values.bookingId, seriesId: values.seriesId, error: values.error, updatedAt: now };
	if (write.externalId !== undefined) set.externalId = write.externalId;
	if (write.joinUrl !== undefined) {
		set.joinUrl = write.joinUrl;
		// A new link (a meeting made again) must reach the customer again.
		set.linkMailedAt = sql`case when ${bookingMeetings.joinUrl} is ${write.joinUrl} then ${bookingMeetings.linkMailedAt} else null end`;
		set.linkMailSentAt = sql`case when ${bookingMeetings.joinUrl} is ${write.joinUrl} then ${bookingMeetings.linkMailSentAt} else null end`;
	}
	if (write.intentAt !== undefined) set.intentAt = write.intentAt;
	if (write.syncedVersion !== undefined) set.syncedVersion = write.syncedVersion;
	if (values.readyAt !== null) set.readyAt = sql`coalesce(${bookingMeetings.readyAt}, ${now})`;
	const [row] = await db.insert(bookingMeetings).values(values).onConflictDoUpdate({ target: bookingMeetings.id, set }).returning();
	return row as MeetingRow;
}

/**
 * Saves a meeting and, when this stored a link it did not hold before, queues the `meeting.notify` job
 * that mails it to a customer whose confirmation went out without it. Every maker of meetings stores
 * links through here, so no link is stored without its email being considered.
 */
export async function saveMeetingAndAnnounce(db: Database, queue: Queue<Job>, meetingId: string, write: MeetingWrite, now: number): Promise<MeetingRow> {
	const before = await meetingById(db, meetingId);
	const row = await saveMeeting(db, meetingId, write, now);
	if (row.state === "ready" && row.joinUrl !== null && row.joinUrl !== before?.joinUrl) {
		await queue.send({ type: "meeting.notify", merchantId: row.merchantId, meetingId }, { contentType: "json" });
	}
	return row;
}

/** How long a claim on the link's email holds: far longer than a send takes, short enough that a dead sender's lapses soon. */
export const LINK_MAIL_LEASE_MS = 120_000;

/** What a claim on the link's email found: this caller sends; an email with it went out; or another sender holds it. */
export type LinkMailClaim = "claimed" | "sent" | "in-flight";

/**
 * Claims the one email that carries the link to the customer (the confirmation when the link is there in
 * time, else the follow-up): "claimed" for exactly one caller at a time, until it confirms the send
 * (confirmLinkMail), gives the claim back (releaseLinkMail), or dies and the lease lapses.
 */
export async function claimLinkMail(db: Database, meetingId: string, now: number): Promise<LinkMailClaim> {
	const claimed = await db
		.update(bookingMeetings)
		.set({ linkMailedAt: now })
		.where(
			and(
				eq(bookingMeetings.id, meetingId),
				isNull(bookingMeetings.linkMailSentAt),
				or(isNull(bookingMeetings.linkMailedAt), lt(bookingMeetings.linkMailedAt, now - LINK_MAIL_LEASE_MS)),
			),
		)
		.returning({ id: bookingMeetings.id });
	if (claimed.length > 0) return "claimed";
	const row = await meetingById(db, meetingId);
	return row === null || row.linkMailSentAt !== null ? "sent" : "in-flight";
}

/** Records that the email of the claim taken at `claimedAt` went out, so no later sender sends the link again. */
export async function confirmLinkMail(db: Database, meetingId: string, claimedAt: number, now: number): Promise<void> {
	await db
		.update(bookingMeetings)
		.set({ linkMailSentAt: now })
		.where(and(eq(bookingMeetings.id, meetingId), eq(bookingMeetings.linkMailedAt, claimedAt)));
}

/** Gives a claim back when its email could not be sent, so a retry (or the follow-up) may take it. */
export async function releaseLinkMail(db: Database, meetingId: string, claimedAt: number): Promise<void> {
	await db
		.update(bookingMeetings)
		.set({ linkMailedAt: null })
		.where(and(eq(bookingMeetings.id, meetingId), eq(bookingMeetings.linkMailedAt, claimedAt), isNull(bookingMeetings.linkMailSentAt)));
}

/** The meetings of a connection, e.g. to forget a deauthorised Zoom user's data. */
export function meetingsOfConnection(db: Database, connectionId: string): Promise<MeetingRow[]> {
	return db.select().from(bookingMeetings).where(eq(bookingMeetings.connectionId, connectionId)).all();
}

/**
 * Takes the right to send a Zoom create for this meeting: writes state "creating" with `intentAt` = now,
 * but only if the row is still as `observed` (none, or the same state, intent, error and update time), so
 * of two jobs deciding from the same row only one goes on to create. The claimed row, or null when another
 * got there first.
 */
export async function claimMeetingCreate(db: Database, meetingId: string, observed: MeetingRow | null, write: Omit<MeetingWrite, "state" | "intentAt" | "error">, now: number): Promise<MeetingRow | null> {
	const claim = { ...write, state: "creating" as const, intentAt: now, error: null };
	if (observed === null) {
		const inserted = await db
			.insert(bookingMeetings)
			.values({ id: meetingId, ...claim, externalId: write.externalId ?? null, joinUrl: write.joinUrl ?? null, syncedVersion: write.syncedVersion ?? 0, updatedAt: now })
			.onConflictDoNothing()
			.returning();
		return inserted[0] ?? null;
	}
	const claimed = await db
		.update(bookingMeetings)
		.set({ ...claim, updatedAt: now })
		.where(
			and(
				eq(bookingMeetings.id, meetingId),
				eq(bookingMeetings.state, observed.state),
				eq(bookingMeetings.updatedAt, observed.updatedAt),
				sql`${bookingMeetings.intentAt} is ${observed.intentAt}`,
				sql`${bookingMeetings.error} is ${observed.error}`,
			),
		)
		.returning();
	return claimed[0] ?? null;
}

/**
 * Records why a meeting is not ready (its state, host and error), unless the row changed since `observed` was
 * read (none: it did not exist): then another attempt moved it on and its state stands. True when written.
 */
export async function recordMeetingProblem(db: Database, meetingId: string, observed: MeetingRow | null, write: MeetingWrite, now: number): Promise<boolean> {
	if (observed === null) {
		const values = { id: meetingId, ...write, externalId: null, joinUrl: null, error: write.error ?? null, intentAt: write.intentAt ?? null, syncedVersion: 0, updatedAt: now };
		const inserted = await db.insert(bookingMeetings).values(values).onConflictDoNothing().returning({ id: bookingMeetings.id });
		return inserted.length > 0;
	}
	const updated = await db
		.update(bookingMeetings)
		.set({ state: write.state, connectionId: write.connectionId, error: write.error ?? null, updatedAt: now })
		.where(and(eq(bookingMeetings.id, meetingId), eq(bookingMeetings.updatedAt, observed.updatedAt)))
		.returning({ id: bookingMeetings.id });
	return updated.length > 0;
}
