// Creates a booking or a recurring series inside the merchant's Durable Object: reads the schedule
// from the object's storage, checks every occurrence with the availability core, and writes the
// rows and their outbox messages in one transaction. Nothing here awaits, so nothing can run between
// the check and the write; the storage's overlap triggers are the last line of defence.
import { pickStaff } from "../availability";
import type { AvailabilityQuery } from "../availability";
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from "../errors";
import { newId } from "../ids";
import { bookedPlace, needsCustomerPhone } from "../place";
import { utcIso } from "../time";
import type { BookingView, CreateBookingCommand } from "./commands";
import { isOverlapViolation } from "./sqlite-errors";
import { scopedIdempotencyKey } from "./idempotency-key";
import type { PlanContext } from "./plan";
import { anyoneRefusalReason, checkFor, checkOptions, refusal, scheduleAround, suggestions } from "./plan";
import { MAX_OCCURRENCES, occurrenceStarts } from "./recurrence";
import type { BookingRecord, ScheduleStore, SetupState, StaffRecord } from "./schedule-store";
import { bookingRecordView } from "./views";

const MINUTE = 60_000;
/** Later occurrences of a series may lie beyond the booking horizon: the series is booked now. */
const SERIES_HORIZON_DAYS = 3660;

/** Checks and writes a booking request: the whole of it, synchronously. */
export function createBooking(store: ScheduleStore, setup: SetupState, command: CreateBookingCommand): BookingView[] {
	if (command.customer === null && command.source !== "admin") {
		throw new ValidationError([{ field: "customer", message: "Required" }]);
	}
	const count = command.recurrence?.count ?? 1;
	if (count < 1 || count > MAX_OCCURRENCES) {
		throw new ValidationError([{ field: "recurrence.count", message: `Must be between 1 and ${MAX_OCCURRENCES}` }]);
	}
	const idempotency = command.idempotency === null ? null : { key: scopedIdempotencyKey(command.source, command.idempotency.key), requestHash: command.idempotency.requestHash };
	if (idempotency !== null) {
		const earlier = store.bookingsByIdempotencyKey(idempotency.key);
		if (earlier.length > 0) return replay(earlier, idempotency.requestHash, setup.merchantId);
	}

	// A deactivated service is gone for bookings, though its past bookings still point at it.
	const service = store.service(command.serviceId);
	if (service === null || !service.active) throw new NotFoundError("Service");
	const offering = store.offering(service.id);
	let named: StaffRecord | null = null;
	if (command.staffId !== null) {
		named = offering.find((s) => s.id === command.staffId) ?? null;
		if (named === null) {
			const known = store.staffMember(command.staffId);
			if (known === null || !known.active) throw new NotFoundError("Staff member");
			throw new UnprocessableError("staff-does-not-offer-service", `${known.name} does not offer ${service.name}.`);
		}
	}
	if (offering.length === 0) throw new UnprocessableError("no-staff", `Nobody offers ${service.name} at the moment.`);

	// Everyone who offers the service is in the schedule, even for a named staff member: a refusal
	// offers that member's nearest free slots first, then colleagues'.
	const context: PlanContext = { store, setup, service, staff: offering, timezone: command.timezone, now: command.now };
	const firstQuery = scheduleAround(context, [command.start]);
	const member = named ?? assignAnyone(context, firstQuery, offering, command);
	if (command.source === "public" && needsCustomerPhone(bookedPlace(service.place, member.place)) && (command.customer?.phone ?? "") === "") {
		throw new ValidationError([{ field: "body.customer.phone", message: `Required: ${member.name} calls you at this number` }]);
	}
	const firstCheck = checkFor(firstQuery, member.id, command.start, command.source);
	if (!firstCheck.ok) throw refusal(context, firstQuery, firstCheck.reason, command.start, member.id);

	// The first occurrence decided the staff member ("anyone" is resolved once for the whole series).
	const starts = command.recurrence === null ? [command.start] : occurrenceStarts(command.start, member.timezone, command.recurrence.frequency, count);
	const resourceIds: Array<string | null> = [firstCheck.resourceId];
	const conflicts: Array<{ index: number; start: string }> = [];
	if (starts.length > 1) {
		const later = starts.slice(1);
		const seriesQuery = scheduleAround({ ...context, staff: [member] }, later);
		const laterQuery: AvailabilityQuery = { ...seriesQuery, service: { ...seriesQuery.service, horizonDays: SERIES_HORIZON_DAYS } };
		for (const [offset, start] of later.entries()) {
			const check = checkFor(laterQuery, member.id, start, command.source);
			if (check.ok) resourceIds.push(check.resourceId);
			else conflicts.push({ index: offset + 1, start: utcIso(start) });
		}
	}
	if (conflicts.length > 0) {
		throw new ConflictError(
			`${conflicts.length} of ${starts.length} occurrences are not available; nothing was booked.`,
			suggestions(context, firstQuery, command.start, member.id),
			conflicts,
		);
	}

	const customer = command.customer === null ? null : { ...command.customer, email: command.customer.email.trim().toLowerCase() };
	// Only the verified account that owns the address, or an owner of the business, may rewrite an
	// existing customer record: a guest or a staff member may type anyone's address (the booking keeps
	// the name and phone it was given either way). The relay applies this to D1's customers.
	const entitled = command.userId !== null || (command.source === "admin" && command.adminRole === "owner");
	const seriesId = command.recurrence === null ? null : newId("ser");
	const durationMs = service.durationMinutes * MINUTE;
	const rows: BookingRecord[] = starts.map((start, index) => ({
		id: newId("bkg"),
		serviceId: service.id,
		staffId: member.id,
		resourceId: resourceIds[index] ?? null,
		customerEmail: customer?.email ?? null,
		customerName: customer?.name ?? null,
		customerPhone: customer?.phone ?? null,
		userId: command.userId,
		customerEntitled: entitled,
		startsAt: start,
		originalStartsAt: start,
		endsAt: start + durationMs,
		blockStart: start - service.bufferBeforeMinutes * MINUTE,
		blockEnd: start + durationMs + service.bufferAfterMinutes * MINUTE,
		timezone: command.timezone,
		status: "confirmed",
		customerNotes: command.customerNotes,
		merchantNotes: command.merchantNotes,
		walkIn: command.customer === null,
		seriesId,
		seriesIndex: seriesId === null ? null : index,
		idempotencyKey: idempotency?.key ?? null,
		requestHash: idempotency?.requestHash ?? null,
		version: 1,
		createdAt: command.now,
		updatedAt: command.now,
	}));

	try {
		store.transaction(() => {
			if (seriesId !== null && command.recurrence !== null) store.insertSeries({ id: seriesId, frequency: command.recurrence.frequency, count: starts.length, createdAt: command.now });
			for (const row of rows) {
				store.insertBooking(row);
				store.appendOutbox(row.id, 1, "created", command.now);
			}
		});
	} catch (error) {
		// Only reachable if the check above were wrong: the storage still refused the overlap.
		if (isOverlapViolation(error)) throw new ConflictError("That time has just been taken.", suggestions(context, firstQuery, command.start, member.id));
		throw error;
	}
	return rows.map((row) => bookingRecordView(row, setup.merchantId));
}

/** The free staff member pickStaff chooses under the caller's rules, or the refusal when nobody is. */
function assignAnyone(context: PlanContext, query: AvailabilityQuery, offering: StaffRecord[], command: CreateBookingCommand): StaffRecord {
	const picked = pickStaff(query, command.start, checkOptions(command.source));
	if (picked === null) throw refusal(context, query, anyoneRefusalReason(query, command.start, command.source), command.start, null);
	const member = offering.find((s) => s.id === picked.staffId);
	if (member === undefined) throw new Error("picked staff member is not a candidate");
	return member;
}

/** A retry with the same key gets the original result; the same key with another body is refused. */
function replay(earlier: BookingRecord[], requestHash: string, merchantId: string): BookingView[] {
	if (earlier[0]?.requestHash !== requestHash) {
		throw new UnprocessableError("idempotency-key-reused", "This Idempotency-Key was already used with a different request body.");
	}
	return earlier.map((row) => bookingRecordView(row, merchantId));
}
