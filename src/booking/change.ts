// Reschedule, cancel and note changes, inside the merchant's Durable Object. Each keeps the
// booking's id (so its calendar event is updated, not duplicated), bumps its version, and writes one
// outbox row per changed booking in the same transaction as the change. Synchronous throughout, so
// nothing runs between the check and the write.
import type { AvailabilityQuery } from "../availability";
import { ConflictError, NotFoundError, UnprocessableError } from "../errors";
import type { BookingChangeKind } from "../jobs";
import { utcIso } from "../time";
import type { BookingView, CancelCommand, ChangeScope, NotesCommand, RescheduleCommand } from "./commands";
import { isOverlapViolation } from "./sqlite-errors";
import { assertMayChange } from "./permissions";
import type { PlanContext } from "./plan";
import { checkFor, refusal, scheduleAround, suggestions } from "./plan";
import { occurrenceStarts } from "./recurrence";
import type { BookingFrequency } from "./recurrence";
import type { BookingRecord, ScheduleStore, SetupState } from "./schedule-store";
import { bookingRecordView } from "./views";

const MINUTE = 60_000;
const SERIES_HORIZON_DAYS = 3660;

function bookingOf(store: ScheduleStore, bookingId: string): BookingRecord {
	const row = store.booking(bookingId);
	if (row === null) throw new NotFoundError("Booking");
	return row;
}

/** The booking itself, or it and every later confirmed occurrence of its series. */
function scopeRows(store: ScheduleStore, row: BookingRecord, scope: ChangeScope): BookingRecord[] {
	if (scope === "one" || row.seriesId === null) return [row];
	return store.seriesFrom(row.seriesId, row.seriesIndex ?? 0);
}

/**
 * New starts for `rows` when `rows[0]` moves to `start`: each occurrence keeps its place in the
 * series, counted by series index from the first row, so occurrences cancelled in between leave
 * their gap instead of pulling the later ones forward.
 */
function movedStarts(rows: BookingRecord[], start: number, zone: string, frequency: BookingFrequency | undefined): number[] {
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

/**
 * Writes `updated` (rows whose `version` is one more than when they were read) with their outbox
 * messages, in one transaction. A row changed meanwhile (impossible while every write runs here
 * synchronously, but cheap to keep true) aborts all of it as a conflict.
 */
export function commitChange(store: ScheduleStore, updated: BookingRecord[], change: BookingChangeKind, now: number): void {
	store.transaction(() => {
		// The triggers check each row as it is written: moving a weekly series by a week would put
		// occurrence 1 onto occurrence 2's old time while that still stands. So the rows are parked
		// (cancelled, which the triggers ignore) while they move, and confirmed once all have moved.
		const parked = updated.length > 1 ? updated.filter((row) => row.status === "confirmed") : [];
		for (const row of updated) {
			const written = store.updateBooking(parked.includes(row) ? { ...row, status: "cancelled" } : row);
			if (!written) throw new ConflictError("This booking was changed meanwhile; nothing was changed. Reload it and try again.", []);
			store.appendOutbox(row.id, row.version, change, now);
		}
		for (const row of parked) store.setStatus(row.id, "confirmed");
	});
}

export function rescheduleBooking(store: ScheduleStore, setup: SetupState, command: RescheduleCommand): BookingView[] {
	const target = bookingOf(store, command.bookingId);
	const rows = scopeRows(store, target, command.scope);
	assertMayChange(command.actor, target, rows, command.staffId);
	if (target.status !== "confirmed") throw new UnprocessableError("booking-cancelled", "A cancelled booking cannot be rescheduled.");
	if (command.source === "public" && target.startsAt <= command.now) {
		throw new UnprocessableError("booking-started", "This booking has already started and can no longer be moved.");
	}
	const service = store.service(target.serviceId);
	if (service === null) throw new NotFoundError("Service");
	if (command.source === "public" && !service.active) {
		throw new UnprocessableError("service-inactive", `${service.name} is no longer offered; please contact ${setup.merchantName} to move this booking.`);
	}
	const staffId = command.staffId ?? target.staffId;
	const member = store.staffMember(staffId);
	if (member === null) throw new NotFoundError("Staff member");
	const offering = store.offering(service.id);
	if (staffId !== target.staffId && !offering.some((s) => s.id === staffId)) {
		throw new UnprocessableError("staff-does-not-offer-service", `${member.name} does not offer ${service.name}.`);
	}
	const starts = movedStarts(rows, command.start, member.timezone, target.seriesId === null ? undefined : store.series(target.seriesId)?.frequency);
	const excludeBookingIds = rows.map((r) => r.id);

	// The member keeps the booking even if they no longer offer the service; colleagues who do are
	// loaded too, so a refusal offers the member's nearest free slots first and then theirs.
	const candidates = offering.some((s) => s.id === member.id) ? offering : [...offering, member];
	const context: PlanContext = { store, setup, service, staff: candidates, timezone: target.timezone, now: command.now, excludeBookingIds };
	const firstQuery = scheduleAround(context, [command.start]);
	const firstCheck = checkFor(firstQuery, member.id, command.start, command.source);
	if (!firstCheck.ok) throw refusal(context, firstQuery, firstCheck.reason, command.start, member.id);

	const resourceIds: Array<string | null> = [firstCheck.resourceId];
	const conflicts: Array<{ index: number; start: string }> = [];
	if (rows.length > 1) {
		const seriesQuery = scheduleAround({ ...context, staff: [member] }, starts.slice(1));
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
			suggestions(context, firstQuery, command.start, member.id),
			conflicts,
		);
	}

	const durationMs = service.durationMinutes * MINUTE;
	const updated = rows.map((row, index): BookingRecord => {
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
		commitChange(store, updated, "rescheduled", command.now);
	} catch (error) {
		if (isOverlapViolation(error)) throw new ConflictError("That time has just been taken.", suggestions(context, firstQuery, command.start, member.id));
		throw error;
	}
	return updated.map((row) => bookingRecordView(row, setup.merchantId));
}

export function cancelBooking(store: ScheduleStore, setup: SetupState, command: CancelCommand): BookingView[] {
	const target = bookingOf(store, command.bookingId);
	const covered = scopeRows(store, target, command.scope);
	assertMayChange(command.actor, target, covered, null);
	if (target.status === "cancelled") return [bookingRecordView(target, setup.merchantId)];
	if (command.source === "public" && target.startsAt <= command.now) {
		throw new UnprocessableError("booking-started", "This booking has already started and can no longer be cancelled online; please contact the merchant.");
	}
	const rows = covered.filter((row) => row.id === target.id || row.startsAt >= command.now);
	const updated = rows.map((row): BookingRecord => ({ ...row, status: "cancelled", version: row.version + 1, updatedAt: command.now }));
	commitChange(store, updated, "cancelled", command.now);
	return updated.map((row) => bookingRecordView(row, setup.merchantId));
}

export function updateMerchantNotes(store: ScheduleStore, setup: SetupState, command: NotesCommand): BookingView {
	const target = bookingOf(store, command.bookingId);
	assertMayChange(command.actor, target, [target], null);
	const updated: BookingRecord = { ...target, merchantNotes: command.merchantNotes, version: target.version + 1, updatedAt: command.now };
	commitChange(store, [updated], "updated", command.now);
	return bookingRecordView(updated, setup.merchantId);
}
