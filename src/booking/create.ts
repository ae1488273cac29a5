// Creates a booking or a recurring series in two steps: planBooking reads and checks every
// occurrence (and refuses, or finds an earlier request with the same Idempotency-Key), writeBooking
// writes the rows and their outbox messages in one D1 batch (all-or-nothing; the overlap triggers
// are the last line of defence).
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { pickStaff } from "../availability";
import type { AvailabilityQuery } from "../availability";
import type { Database } from "../db/client";
import { activeStaffOf, serviceBlockMs, serviceResourceIds, serviceResources, staffOffering, staffOfferingIds } from "../db/queries/catalog";
import type { MerchantRow, ServiceRow, StaffRow } from "../db/queries/catalog";
import { assembleSchedule, scheduleReads, scheduleWindow } from "../db/queries/schedule";
import { bookingSeries, bookings, customers, merchants, outbox, services } from "../db/schema";
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from "../errors";
import { newId } from "../ids";
import { utcIso } from "../time";
import type { BookingView, CreateBookingCommand, CustomerInput } from "./commands";
import { isOverlapViolation, isUniqueViolation } from "./d1-errors";
import { scopedIdempotencyKey } from "./idempotency-key";
import { anyoneRefusalReason, checkFor, checkOptions, daysAround, refusal, scheduleAround, suggestions } from "./plan";
import { MAX_OCCURRENCES, occurrenceStarts } from "./recurrence";
import { bookingView } from "./views";

const MINUTE = 60_000;
/** Later occurrences of a series may lie beyond the booking horizon: the series is booked now. */
const SERIES_HORIZON_DAYS = 3660;

/** What planBooking decided: replay an earlier request's result, or write these occurrences. */
export type BookingPlan =
	| { kind: "replay"; views: BookingView[] }
	| {
			kind: "book";
			merchant: MerchantRow;
			service: ServiceRow;
			member: StaffRow;
			starts: number[];
			resourceIds: Array<string | null>;
			idempotency: { key: string; requestHash: string } | null;
			/** For the alternatives of a 409 should the write still meet an overlap. */
			firstQuery: AvailabilityQuery;
	  };

/** Plans and writes: the whole of a booking request. */
export async function createBooking(db: Database, command: CreateBookingCommand): Promise<BookingView[]> {
	const plan = await planBooking(db, command);
	return plan.kind === "replay" ? plan.views : writeBooking(db, command, plan);
}

/**
 * Reads what the request needs and checks every occurrence; throws the refusal (400, 404, 409,
 * 422) when it cannot be booked. Only reads, so a refusal is true of the snapshot it read.
 */
export async function planBooking(db: Database, command: CreateBookingCommand): Promise<BookingPlan> {
	if (command.customer === null && command.source !== "admin") {
		throw new ValidationError([{ field: "customer", message: "Required" }]);
	}
	const count = command.recurrence?.count ?? 1;
	if (count < 1 || count > MAX_OCCURRENCES) {
		throw new ValidationError([{ field: "recurrence.count", message: `Must be between 1 and ${MAX_OCCURRENCES}` }]);
	}
	const idempotency = command.idempotency === null ? null : { key: scopedIdempotencyKey(command.source, command.idempotency.key), requestHash: command.idempotency.requestHash };

	// Every read the decision needs, in one round trip: the catalogue and the schedule of everyone
	// who offers the service (read through subqueries on the service id, since this batch is also
	// what reads the service). On a busy merchant this read is most of a write's time in the queue.
	const { merchantId, serviceId } = command;
	const days = daysAround([command.start], command.timezone, command.now);
	const [earlier, merchantRows, serviceRows, offering, resources, ...scheduleRows] = await db.batch([
		idempotentRows(db, merchantId, idempotency?.key ?? null),
		db.select().from(merchants).where(eq(merchants.id, merchantId)).limit(1),
		db
			.select()
			.from(services)
			// A deactivated service is gone for bookings, though its past bookings still point at it.
			.where(and(eq(services.id, serviceId), eq(services.merchantId, merchantId), eq(services.active, true)))
			.limit(1),
		staffOffering(db, merchantId, serviceId),
		serviceResources(db, merchantId, serviceId),
		...scheduleReads(db, {
			merchantId,
			staffIds: staffOfferingIds(db, merchantId, serviceId),
			resourceIds: serviceResourceIds(db, merchantId, serviceId),
			window: scheduleWindow(days.from, days.to, serviceBlockMs(merchantId, serviceId)),
		}),
	]);
	if (idempotency !== null && earlier.length > 0) return { kind: "replay", views: replay(earlier, idempotency.requestHash) };
	const merchant = merchantRows[0];
	if (merchant === undefined) throw new NotFoundError("Merchant");
	const service = serviceRows[0];
	if (service === undefined) throw new NotFoundError("Service");
	let named: StaffRow | null = null;
	if (command.staffId !== null) {
		named = offering.find((s) => s.id === command.staffId) ?? null;
		if (named === null) {
			// Unknown or inactive (404) or not offering this service (422): only this error path pays a query.
			const known = await activeStaffOf(db, merchant.id, command.staffId);
			throw new UnprocessableError("staff-does-not-offer-service", `${known.name} does not offer ${service.name}.`);
		}
	}
	if (offering.length === 0) throw new UnprocessableError("no-staff", `Nobody offers ${service.name} at the moment.`);

	// Everyone who offers the service is in the schedule, even for a named staff member: a refusal
	// offers that member's nearest free slots first, then colleagues'.
	const context = { db, merchant, service, staff: offering, timezone: command.timezone, now: command.now };
	const firstQuery = assembleSchedule({ merchant, service, staff: offering, resources, ...days, timezone: command.timezone, now: command.now }, scheduleRows);
	const member = named ?? assignAnyone(firstQuery, offering, command);
	const firstCheck = checkFor(firstQuery, member.id, command.start, command.source);
	if (!firstCheck.ok) throw refusal(firstQuery, firstCheck.reason, command.start, member.id, command.timezone);

	// The first occurrence decided the staff member ("anyone" is resolved once for the whole series).
	const starts = command.recurrence === null ? [command.start] : occurrenceStarts(command.start, member.timezone, command.recurrence.frequency, count);
	const resourceIds: Array<string | null> = [firstCheck.resourceId];
	const conflicts: Array<{ index: number; start: string }> = [];
	if (starts.length > 1) {
		const later = starts.slice(1);
		const seriesQuery = await scheduleAround({ ...context, staff: [member] }, later);
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
			suggestions(firstQuery, command.start, member.id, command.timezone),
			conflicts,
		);
	}
	return { kind: "book", merchant, service, member, starts, resourceIds, idempotency, firstQuery };
}

/** Writes a planned booking in one D1 batch: customer, series, rows and their outbox messages. */
export async function writeBooking(db: Database, command: CreateBookingCommand, plan: Extract<BookingPlan, { kind: "book" }>): Promise<BookingView[]> {
	const { merchant, service, member, starts, resourceIds, idempotency, firstQuery } = plan;
	const customer = command.customer === null ? null : { ...command.customer, email: command.customer.email.trim().toLowerCase() };
	// The booking refers to the customer row by (merchant, email), so the upsert can share the write batch.
	const customerId = customer === null ? null : sql<string>`(select id from ${customers} where merchant_id = ${merchant.id} and email = ${customer.email})`;
	const seriesId = command.recurrence === null ? null : newId("ser");
	const durationMs = service.durationMinutes * MINUTE;
	const rows = starts.map((start, index) => ({
		id: newId("bkg"),
		merchantId: merchant.id,
		serviceId: service.id,
		staffId: member.id,
		resourceId: resourceIds[index] ?? null,
		customerId,
		customerName: customer?.name ?? null,
		customerPhone: customer?.phone ?? null,
		startsAt: start,
		originalStartsAt: start,
		endsAt: start + durationMs,
		blockStart: start - service.bufferBeforeMinutes * MINUTE,
		blockEnd: start + durationMs + service.bufferAfterMinutes * MINUTE,
		timezone: command.timezone,
		status: "confirmed" as const,
		customerNotes: command.customerNotes,
		merchantNotes: command.merchantNotes,
		walkIn: command.customer === null,
		seriesId,
		seriesIndex: seriesId === null ? null : index,
		idempotencyKey: idempotency?.key ?? null,
		requestHash: idempotency?.requestHash ?? null,
		version: 1,
		updatedAt: command.now,
	}));

	try {
		const seriesInsert =
			seriesId === null || command.recurrence === null
				? []
				: [db.insert(bookingSeries).values({ id: seriesId, merchantId: merchant.id, frequency: command.recurrence.frequency, count: starts.length })];
		const ids = rows.map((row) => row.id);
		const results = await db.batch([
			...(customer === null ? [] : [customerWrite(db, merchant.id, customer, command)]),
			...seriesInsert,
			...rows.map((row) => db.insert(bookings).values(row)),
			...rows.map((row) => db.insert(outbox).values({ merchantId: merchant.id, bookingId: row.id, version: 1, change: "created" as const })),
			// Read back what was written, in the same round trip.
			db.select().from(bookings).where(inArray(bookings.id, ids)).orderBy(asc(bookings.startsAt)),
		] as unknown as Parameters<Database["batch"]>[0]);
		return (results.at(-1) as Array<typeof bookings.$inferSelect>).map(bookingView);
	} catch (error) {
		if (isOverlapViolation(error)) {
			// Only reachable if a write bypassed this object; the database still refused the overlap.
			throw new ConflictError("That time has just been taken.", suggestions(firstQuery, command.start, member.id, command.timezone));
		}
		if (idempotency !== null && isUniqueViolation(error)) {
			const earlier = await idempotentRows(db, merchant.id, idempotency.key);
			if (earlier.length > 0) return replay(earlier, idempotency.requestHash);
		}
		throw error;
	}
}

/** The free staff member pickStaff chooses under the caller's rules, or the refusal when nobody is. */
function assignAnyone(query: AvailabilityQuery, offering: StaffRow[], command: CreateBookingCommand): StaffRow {
	const picked = pickStaff(query, command.start, checkOptions(command.source));
	if (picked === null) throw refusal(query, anyoneRefusalReason(query, command.start, command.source), command.start, null, command.timezone);
	const member = offering.find((s) => s.id === picked.staffId);
	if (member === undefined) throw new Error("picked staff member is not a candidate");
	return member;
}

function idempotentRows(db: Database, merchantId: string, key: string | null) {
	// Without a key, a query that matches nothing keeps the batch's shape fixed.
	return db
		.select()
		.from(bookings)
		.where(and(eq(bookings.merchantId, merchantId), key === null ? sql`0` : eq(bookings.idempotencyKey, key)))
		.orderBy(asc(bookings.seriesIndex));
}

/** A retry with the same key gets the original result; the same key with another body is refused. */
function replay(earlier: Array<typeof bookings.$inferSelect>, requestHash: string): BookingView[] {
	if (earlier[0]?.requestHash !== requestHash) {
		throw new UnprocessableError("idempotency-key-reused", "This Idempotency-Key was already used with a different request body.");
	}
	return earlier.map(bookingView);
}

/**
 * Creates the customer record, or updates it only for someone entitled to: the verified account
 * that owns the address, or an owner of the business. A guest or a staff member may type anyone's
 * address, so their booking never rewrites an existing customer's name or phone (the booking keeps
 * the name and phone it was given).
 */
function customerWrite(db: Database, merchantId: string, customer: CustomerInput, command: CreateBookingCommand) {
	const insert = db.insert(customers).values({ id: newId("cus"), merchantId, userId: command.userId, name: customer.name, email: customer.email, phone: customer.phone });
	const entitled = command.userId !== null || (command.source === "admin" && command.adminRole === "owner");
	if (!entitled) return insert.onConflictDoNothing({ target: [customers.merchantId, customers.email] });
	return insert.onConflictDoUpdate({
		target: [customers.merchantId, customers.email],
		set: { name: customer.name, ...(customer.phone === null ? {} : { phone: customer.phone }), ...(command.userId === null ? {} : { userId: command.userId }) },
	});
}
