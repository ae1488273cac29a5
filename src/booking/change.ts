// Reschedule, cancel and note changes. Each keeps the booking's id (so its calendar event is
// updated, not duplicated), bumps its version, and writes one outbox row per changed booking in the
// same D1 batch as the change.
import { and, asc, eq, gte, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { merchantById, serviceOf, staffOf, staffOffering } from "../db/queries/catalog";
import { bookingSeries, bookings, outbox } from "../db/schema";
import { ConflictError, NotFoundError, UnprocessableError } from "../errors";
import type { BookingChangeKind } from "../jobs";
import { utcIso } from "../time";
import type { BookingView, CancelCommand, NotesCommand, RescheduleCommand } from "./commands";
import { isOverlapViolation } from "./d1-errors";
import { checkFor, refusal, scheduleAround, suggestions } from "./plan";
import { occurrenceStarts } from "./recurrence";
import { bookingView } from "./views";

type BookingRow = typeof bookings.$inferSelect;
const MINUTE = 60_000;
const SERIES_HORIZON_DAYS = 3660;

export async function bookingOf(db: Database, merchantId: string, bookingId: string): Promise<BookingRow> {
	const row = await db.query.bookings.findFirst({ where: and(eq(bookings.id, bookingId), eq(bookings.merchantId, merchantId)) });
	if (row === undefined) throw new NotFoundError("Booking");
	return row;
}

/** The booking itself, or it and every later confirmed occurrence of its series. */
async function scopeRows(db: Database, row: BookingRow, scope: "one" | "series"): Promise<BookingRow[]> {
	if (scope === "one" || row.seriesId === null) return [row];
	return db.query.bookings.findMany({
		where: and(eq(bookings.seriesId, row.seriesId), eq(bookings.status, "confirmed"), gte(bookings.seriesIndex, row.seriesIndex ?? 0)),
		orderBy: [asc(bookings.seriesIndex)],
	});
}

async function commit(db: Database, updated: BookingRow[], change: BookingChangeKind): Promise<void> {
	await db.batch([
		...updated.map((row) =>
			db
				.update(bookings)
				.set({
					staffId: row.staffId,
					resourceId: row.resourceId,
					startsAt: row.startsAt,
					endsAt: row.endsAt,
					blockStart: row.blockStart,
					blockEnd: row.blockEnd,
					status: row.status,
					merchantNotes: row.merchantNotes,
					version: row.version,
					updatedAt: row.updatedAt,
				})
				.where(and(eq(bookings.id, row.id), eq(bookings.version, row.version - 1))),
		),
		// insert ... select from the updated row: no outbox row unless the update applied, so no
		// message ever describes an uncommitted change.
		...updated.map((row) =>
			db.insert(outbox).select(
				db
					.select({
						// drizzle's insert-select wants every column, in table order.
						id: sql<number>`null`.as("id"),
						merchantId: bookings.merchantId,
						bookingId: bookings.id,
						version: bookings.version,
						change: sql<BookingChangeKind>`${change}`.as("change"),
						createdAt: sql<number>`cast(unixepoch('subsec') * 1000 as integer)`.as("created_at"),
						sentAt: sql<number | null>`null`.as("sent_at"),
					})
					.from(bookings)
					.where(and(eq(bookings.id, row.id), eq(bookings.version, row.version))),
			),
		),
	] as unknown as Parameters<Database["batch"]>[0]);
}

export async function rescheduleBooking(db: Database, command: RescheduleCommand): Promise<BookingView[]> {
	const target = await bookingOf(db, command.merchantId, command.bookingId);
	if (target.status !== "confirmed") throw new UnprocessableError("booking-cancelled", "A cancelled booking cannot be rescheduled.");
	if (command.source === "public" && target.startsAt <= command.now) {
		throw new UnprocessableError("booking-started", "This booking has already started and can no longer be moved.");
	}
	const merchant = await merchantById(db, command.merchantId);
	const service = await serviceOf(db, merchant.id, target.serviceId);
	const staffId = command.staffId ?? target.staffId;
	const member = await staffOf(db, merchant.id, staffId);
	if (staffId !== target.staffId && !(await staffOffering(db, merchant.id, service.id)).some((s) => s.id === staffId)) {
		throw new UnprocessableError("staff-does-not-offer-service", `${member.name} does not offer ${service.name}.`);
	}
	const rows = await scopeRows(db, target, command.scope);
	const starts = rows.length === 1 ? [command.start] : occurrenceStarts(command.start, member.timezone, (await seriesFrequency(db, target)) ?? "weekly", rows.length);
	const query = await scheduleAround(
		{ db, merchant, service, staff: [member], timezone: target.timezone, now: command.now, excludeBookingIds: rows.map((r) => r.id) },
		starts,
	);

	const durationMs = service.durationMinutes * MINUTE;
	const conflicts: Array<{ index: number; start: string }> = [];
	const updated = rows.map((row, index) => {
		const start = starts[index] ?? command.start;
		const check = checkFor(index === 0 ? query : { ...query, service: { ...query.service, horizonDays: SERIES_HORIZON_DAYS } }, member.id, start, command.source);
		if (!check.ok) {
			if (index === 0) throw refusal(query, check.reason, start, member.id, target.timezone);
			conflicts.push({ index: row.seriesIndex ?? index, start: utcIso(start) });
		}
		return {
			...row,
			staffId: member.id,
			resourceId: check.ok ? check.resourceId : row.resourceId,
			startsAt: start,
			endsAt: start + durationMs,
			blockStart: start - service.bufferBeforeMinutes * MINUTE,
			blockEnd: start + durationMs + service.bufferAfterMinutes * MINUTE,
			version: row.version + 1,
			updatedAt: command.now,
		};
	});
	if (conflicts.length > 0) {
		throw new ConflictError(
			`${conflicts.length} of ${rows.length} occurrences cannot move there; nothing was changed.`,
			suggestions(query, command.start, member.id, target.timezone),
			conflicts,
		);
	}
	try {
		await commit(db, updated, "rescheduled");
	} catch (error) {
		if (isOverlapViolation(error)) throw new ConflictError("That time has just been taken.", suggestions(query, command.start, member.id, target.timezone));
		throw error;
	}
	return updated.map(bookingView);
}

async function seriesFrequency(db: Database, row: BookingRow): Promise<"weekly" | "biweekly" | "monthly" | null> {
	if (row.seriesId === null) return null;
	const series = await db.query.bookingSeries.findFirst({ where: eq(bookingSeries.id, row.seriesId) });
	return series?.frequency ?? null;
}

export async function cancelBooking(db: Database, command: CancelCommand): Promise<BookingView[]> {
	const target = await bookingOf(db, command.merchantId, command.bookingId);
	if (target.status === "cancelled") return [bookingView(target)];
	const rows = (await scopeRows(db, target, command.scope)).filter((row) => row.id === target.id || row.startsAt >= command.now);
	const updated = rows.map((row) => ({ ...row, status: "cancelled" as const, version: row.version + 1, updatedAt: command.now }));
	await commit(db, updated, "cancelled");
	return updated.map(bookingView);
}

export async function updateMerchantNotes(db: Database, command: NotesCommand): Promise<BookingView> {
	const target = await bookingOf(db, command.merchantId, command.bookingId);
	const updated = { ...target, merchantNotes: command.merchantNotes, version: target.version + 1, updatedAt: command.now };
	await commit(db, [updated], "updated");
	return bookingView(updated);
}
