// Reschedule, cancel and note changes. Each keeps the booking's id (so its calendar event is
// updated, not duplicated), bumps its version, and writes one outbox row per changed booking in the
// same D1 batch as the change (see commit-change.ts).
import { and, asc, eq, gte } from "drizzle-orm";
import type { AvailabilityQuery } from "../availability";
import type { Database } from "../db/client";
import { staffOffering } from "../db/queries/catalog";
import { bookingSeries, bookings, merchants, services, staff } from "../db/schema";
import { ConflictError, NotFoundError, UnprocessableError } from "../errors";
import { utcIso } from "../time";
import type { BookingView, CancelCommand, NotesCommand, RescheduleCommand } from "./commands";
import { commitChange } from "./commit-change";
import { isOverlapViolation } from "./d1-errors";
import { checkFor, refusal, scheduleAround, suggestions } from "./plan";
import { occurrenceStarts } from "./recurrence";
import type { BookingFrequency } from "./recurrence";
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
function scopeRows(db: Database, row: BookingRow, scope: "one" | "series") {
	if (scope === "one" || row.seriesId === null) return db.select().from(bookings).where(eq(bookings.id, row.id));
	return db
		.select()
		.from(bookings)
		.where(and(eq(bookings.seriesId, row.seriesId), eq(bookings.status, "confirmed"), gte(bookings.seriesIndex, row.seriesIndex ?? 0)))
		.orderBy(asc(bookings.seriesIndex));
}

/**
 * New starts for `rows` when `rows[0]` moves to `start`: each occurrence keeps its place in the
 * series, counted by series index from the first row, so occurrences cancelled in between leave
 * their gap instead of pulling the later ones forward.
 */
function movedStarts(rows: BookingRow[], start: number, zone: string, frequency: BookingFrequency | undefined): number[] {
	const first = rows[0];
	if (rows.length === 1 || first === undefined) return [start];
	if (frequency === undefined) throw new Error(`series ${first.seriesId} has no series row`);
	const offsets = rows.map((row) => (row.seriesIndex ?? 0) - (first.seriesIndex ?? 0));
	const expanded = occurrenceStarts(start, zone, frequency, Math.max(...offsets) + 1);
	return offsets.map((offset) => {
		const moved = expanded[offset];
		if (moved === undefined) throw new Error(`series offset ${offset} was not expanded`);
		return moved;
	});
}

export async function rescheduleBooking(db: Database, command: RescheduleCommand): Promise<BookingView[]> {
	// Reads in two round trips: the booking and merchant, then everything that depends on the booking.
	const [targetRows, merchantRows] = await db.batch([
		db
			.select()
			.from(bookings)
			.where(and(eq(bookings.id, command.bookingId), eq(bookings.merchantId, command.merchantId)))
			.limit(1),
		db.select().from(merchants).where(eq(merchants.id, command.merchantId)).limit(1),
	]);
	const target = targetRows[0];
	if (target === undefined) throw new NotFoundError("Booking");
	if (target.status !== "confirmed") throw new UnprocessableError("booking-cancelled", "A cancelled booking cannot be rescheduled.");
	if (command.source === "public" && target.startsAt <= command.now) {
		throw new UnprocessableError("booking-started", "This booking has already started and can no longer be moved.");
	}
	const merchant = merchantRows[0];
	if (merchant === undefined) throw new NotFoundError("Merchant");
	const staffId = command.staffId ?? target.staffId;
	const [serviceRows, offering, memberRows, rows, seriesRows] = await db.batch([
		db
			.select()
			.from(services)
			.where(and(eq(services.id, target.serviceId), eq(services.merchantId, merchant.id)))
			.limit(1),
		staffOffering(db, merchant.id, target.serviceId),
		db
			.select()
			.from(staff)
			.where(and(eq(staff.id, staffId), eq(staff.merchantId, merchant.id)))
			.limit(1),
		scopeRows(db, target, command.scope),
		db
			.select()
			.from(bookingSeries)
			.where(eq(bookingSeries.id, target.seriesId ?? ""))
			.limit(1),
	]);
	const service = serviceRows[0];
	if (service === undefined) throw new NotFoundError("Service");
	if (command.source === "public" && !service.active) {
		throw new UnprocessableError("service-inactive", `${service.name} is no longer offered; please contact ${merchant.name} to move this booking.`);
	}
	const member = memberRows[0];
	if (member === undefined) throw new NotFoundError("Staff member");
	if (staffId !== target.staffId && !offering.some((s) => s.id === staffId)) {
		throw new UnprocessableError("staff-does-not-offer-service", `${member.name} does not offer ${service.name}.`);
	}
	const starts = movedStarts(rows, command.start, member.timezone, seriesRows[0]?.frequency);
	const excludeBookingIds = rows.map((r) => r.id);

	// The member keeps the booking even if they no longer offer the service; colleagues who do are
	// loaded too, so a refusal offers the member's nearest free slots first and then theirs.
	const candidates = offering.some((s) => s.id === member.id) ? offering : [...offering, member];
	const context = { db, merchant, service, staff: candidates, timezone: target.timezone, now: command.now, excludeBookingIds };
	const firstQuery = await scheduleAround(context, [command.start]);
	const firstCheck = checkFor(firstQuery, member.id, command.start, command.source);
	if (!firstCheck.ok) throw refusal(firstQuery, firstCheck.reason, command.start, member.id, target.timezone);

	const resourceIds: Array<string | null> = [firstCheck.resourceId];
	const conflicts: Array<{ index: number; start: string }> = [];
	if (rows.length > 1) {
		const seriesQuery = await scheduleAround({ ...context, staff: [member] }, starts.slice(1));
		const laterQuery: AvailabilityQuery = { ...seriesQuery, service: { ...seriesQuery.service, horizonDays: SERIES_HORIZON_DAYS } };
		rows.slice(1).forEach((row, offset) => {
			const start = starts[offset + 1] as number;
			const check = checkFor(laterQuery, member.id, start, command.source);
			if (check.ok) resourceIds.push(check.resourceId);
			else conflicts.push({ index: row.seriesIndex ?? offset + 1, start: utcIso(start) });
		});
	}
	if (conflicts.length > 0) {
		throw new ConflictError(
			`${conflicts.length} of ${rows.length} occurrences cannot move there; nothing was changed.`,
			suggestions(firstQuery, command.start, member.id, target.timezone),
			conflicts,
		);
	}

	const durationMs = service.durationMinutes * MINUTE;
	const updated = rows.map((row, index) => {
		const start = starts[index] as number;
		return {
			...row,
			staffId: member.id,
			resourceId: resourceIds[index] ?? null,
			startsAt: start,
			endsAt: start + durationMs,
			blockStart: start - service.bufferBeforeMinutes * MINUTE,
			blockEnd: start + durationMs + service.bufferAfterMinutes * MINUTE,
			version: row.version + 1,
			updatedAt: command.now,
		};
	});
	try {
		await commitChange(db, updated, "rescheduled");
	} catch (error) {
		if (isOverlapViolation(error)) throw new ConflictError("That time has just been taken.", suggestions(firstQuery, command.start, member.id, target.timezone));
		throw error;
	}
	return updated.map(bookingView);
}

export async function cancelBooking(db: Database, command: CancelCommand): Promise<BookingView[]> {
	const target = await bookingOf(db, command.merchantId, command.bookingId);
	if (target.status === "cancelled") return [bookingView(target)];
	if (command.source === "public" && target.startsAt <= command.now) {
		throw new UnprocessableError("booking-started", "This booking has already started and can no longer be cancelled online; please contact the merchant.");
	}
	const rows = (await scopeRows(db, target, command.scope)).filter((row) => row.id === target.id || row.startsAt >= command.now);
	const updated = rows.map((row) => ({ ...row, status: "cancelled" as const, version: row.version + 1, updatedAt: command.now }));
	await commitChange(db, updated, "cancelled");
	return updated.map(bookingView);
}

export async function updateMerchantNotes(db: Database, command: NotesCommand): Promise<BookingView> {
	const target = await bookingOf(db, command.merchantId, command.bookingId);
	const updated = { ...target, merchantNotes: command.merchantNotes, version: target.version + 1, updatedAt: command.now };
	await commitChange(db, [updated], "updated");
	return bookingView(updated);
}
