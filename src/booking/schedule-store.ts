// Reads and writes of a merchant's schedule in its Durable Object's SQLite (schema in
// schedule-schema.ts). Every method is synchronous: between a check and the write it justifies
// nothing can run, because nothing here awaits. The SQL texts are constants (lists travel as one
// JSON parameter through json_each), so the storage compiles each statement once.
import type { AvailabilityQuery, ResourceSchedule, StaffSchedule } from "../availability/types";
import type { BookingChangeKind } from "../jobs";
import { placeOf } from "../place";
import type { Place, PlaceColumns, PlaceKind } from "../place";

export interface SetupState {
	merchantId: string;
	merchantName: string;
	/** Where "at the business address" places are (place-view.ts); null until the owner sets one. */
	merchantAddress: string | null;
	merchantTimezone: string;
	tentativeBlocks: boolean;
	setupVersion: number;
}

export interface ServiceRecord {
	id: string;
	name: string;
	durationMinutes: number;
	bufferBeforeMinutes: number;
	bufferAfterMinutes: number;
	minNoticeMinutes: number;
	horizonDays: number;
	slotIntervalMinutes: number;
	requiredResourceType: string | null;
	active: boolean;
	/** Where it takes place, printed in customer emails (notify.ts). */
	place: Place;
}

export interface StaffRecord {
	id: string;
	name: string;
	timezone: string;
	position: number;
	active: boolean;
	/** Their own place for all their services (working elsewhere), or null for each service's. */
	place: Place | null;
}

export interface BookingRecord {
	id: string;
	serviceId: string;
	staffId: string;
	resourceId: string | null;
	customerEmail: string | null;
	customerName: string | null;
	customerPhone: string | null;
	userId: string | null;
	customerEntitled: boolean;
	startsAt: number;
	endsAt: number;
	blockStart: number;
	blockEnd: number;
	timezone: string;
	status: "confirmed" | "cancelled";
	customerNotes: string | null;
	merchantNotes: string | null;
	walkIn: boolean;
	seriesId: string | null;
	seriesIndex: number | null;
	originalStartsAt: number | null;
	idempotencyKey: string | null;
	requestHash: string | null;
	version: number;
	createdAt: number;
	updatedAt: number;
}

export interface SeriesRecord {
	id: string;
	frequency: "weekly" | "biweekly" | "monthly";
	count: number;
	createdAt: number;
}

export interface StaffUpcoming {
	staffId: string;
	count: number;
	/** UTC epoch ms: the first one's start. */
	first: number;
}

export interface OutboxRecord {
	id: number;
	bookingId: string;
	version: number;
	change: BookingChangeKind;
	createdAt: number;
}

export interface BusyRecord {
	calendarId: string;
	eventId: string;
	instanceId: string;
	staffId: string | null;
	start: number;
	end: number;
	allDay: boolean;
	tentative: boolean;
}

/** What the availability core needs besides the stored schedule. */
export interface ScheduleRequest {
	service: ServiceRecord;
	/** Candidates in display order. */
	staff: StaffRecord[];
	/** The service's resources, when it needs one. */
	resourceIds: string[];
	/** UTC epoch ms: intervals overlapping [from, to) are loaded. */
	windowFrom: number;
	windowTo: number;
	/** "YYYY-MM-DD" bounds for date overrides (a superset of the window's local dates). */
	fromDate: string;
	toDate: string;
	/** The customer's day range and zone. */
	from: string;
	to: string;
	timezone: string;
	now: number;
	tentativeBlocks: boolean;
	/** A booking being rescheduled does not block its own new time. */
	excludeBookingIds?: readonly string[];
}

type Row = Record<string, SqlStorageValue>;

const BOOKING_COLUMNS =
	"id, service_id, staff_id, resource_id, customer_email, customer_name, customer_phone, user_id, customer_entitled, starts_at, ends_at, block_start, block_end, timezone, status, customer_notes, merchant_notes, walk_in, series_id, series_index, original_starts_at, idempotency_key, request_hash, version, created_at, updated_at";

function bookingRecord(row: Row): BookingRecord {
	return {
		id: row.id as string,
		serviceId: row.service_id as string,
		staffId: row.staff_id as string,
		resourceId: row.resource_id as string | null,
		customerEmail: row.customer_email as string | null,
		customerName: row.customer_name as string | null,
		customerPhone: row.customer_phone as string | null,
		userId: row.user_id as string | null,
		customerEntitled: row.customer_entitled === 1,
		startsAt: row.starts_at as number,
		endsAt: row.ends_at as number,
		blockStart: row.block_start as number,
		blockEnd: row.block_end as number,
		timezone: row.timezone as string,
		status: row.status as BookingRecord["status"],
		customerNotes: row.customer_notes as string | null,
		merchantNotes: row.merchant_notes as string | null,
		walkIn: row.walk_in === 1,
		seriesId: row.series_id as string | null,
		seriesIndex: row.series_index as number | null,
		originalStartsAt: row.original_starts_at as number | null,
		idempotencyKey: row.idempotency_key as string | null,
		requestHash: row.request_hash as string | null,
		version: row.version as number,
		createdAt: row.created_at as number,
		updatedAt: row.updated_at as number,
	};
}

function serviceRecord(row: Row): ServiceRecord {
	return {
		id: row.id as string,
		name: row.name as string,
		durationMinutes: row.duration_minutes as number,
		bufferBeforeMinutes: row.buffer_before_minutes as number,
		bufferAfterMinutes: row.buffer_after_minutes as number,
		minNoticeMinutes: row.min_notice_minutes as number,
		horizonDays: row.horizon_days as number,
		slotIntervalMinutes: row.slot_interval_minutes as number,
		requiredResourceType: row.required_resource_type as string | null,
		active: row.active === 1,
		place: placeOf(placeColumnsOf(row)) ?? { kind: "in_person_business" },
	};
}

function staffRecord(row: Row): StaffRecord {
	return { id: row.id as string, name: row.name as string, timezone: row.timezone as string, position: row.position as number, active: row.active === 1, place: placeOf(placeColumnsOf(row)) };
}

function placeColumnsOf(row: Row): PlaceColumns {
	return { placeKind: row.place_kind as PlaceKind | null, placeAddress: row.place_address as string | null, placePhone: row.place_phone as string | null, placeUrl: row.place_url as string | null };
}

export class ScheduleStore {
	constructor(private readonly storage: DurableObjectStorage) {}

	private get sql(): SqlStorage {
		return this.storage.sql;
	}

	/** Moves with every row written to what availability reads (triggers: schedule-schema.ts). */
	scheduleVersion(): number {
		return this.sql.exec("select n from schedule_version where id = 1").one().n as number;
	}

	/** Runs `work` as one transaction: everything it wrote commits together or not at all. */
	transaction<T>(work: () => T): T {
		return this.storage.transactionSync(work);
	}

	// ---- setup --------------------------------------------------------------------------------

	setupState(): SetupState | null {
		const row = this.sql.exec("select merchant_id, merchant_name, merchant_address, merchant_timezone, tentative_blocks, setup_version from setup_state where id = 1").toArray()[0];
		if (row === undefined) return null;
		return {
			merchantId: row.merchant_id as string,
			merchantName: row.merchant_name as string,
			merchantAddress: row.merchant_address as string | null,
			merchantTimezone: row.merchant_timezone as string,
			tentativeBlocks: row.tentative_blocks === 1,
			setupVersion: row.setup_version as number,
		};
	}

	service(serviceId: string): ServiceRecord | null {
		const row = this.sql.exec("select * from services where id = ?", serviceId).toArray()[0];
		return row === undefined ? null : serviceRecord(row);
	}

	staffMember(staffId: string): StaffRecord | null {
		const row = this.sql.exec("select * from staff where id = ?", staffId).toArray()[0];
		return row === undefined ? null : staffRecord(row);
	}

	/** Active staff who offer the service, in display order. */
	offering(serviceId: string): StaffRecord[] {
		return this.sql
			.exec("select s.* from staff_services x join staff s on s.id = x.staff_id where x.service_id = ? and s.active = 1 order by s.position, s.id", serviceId)
			.toArray()
			.map(staffRecord);
	}

	/** Active resources of a type, by name (the first free one is assigned, as the admin lists them). */
	resourcesOfType(type: string): string[] {
		return this.sql
			.exec<{ id: string }>("select id from resources where type = ? and active = 1 order by name, id", type)
			.toArray()
			.map((row) => row.id);
	}

	// ---- the availability query -----------------------------------------------------------------

	/** Everything the availability core needs for `request`, read from this object's storage. */
	scheduleQuery(request: ScheduleRequest): AvailabilityQuery {
		const staffIds = JSON.stringify(request.staff.map((member) => member.id));
		const excluded = new Set(request.excludeBookingIds ?? []);
		const byStaff = new Map<string, StaffSchedule>();
		const staff: StaffSchedule[] = request.staff.map((member) => {
			const schedule: StaffSchedule = { id: member.id, timezone: member.timezone, weeklyHours: [], overrides: [], timeOff: [], bookings: [], busy: [] };
			byStaff.set(member.id, schedule);
			return schedule;
		});
		if (staff.length > 0) {
			for (const row of this.sql.exec("select staff_id, weekday, start_time, end_time from working_hours where staff_id in (select value from json_each(?))", staffIds)) {
				byStaff.get(row.staff_id as string)?.weeklyHours.push({ weekday: row.weekday as number, start: row.start_time as string, end: row.end_time as string });
			}
			for (const row of this.sql.exec(
				"select staff_id, date, intervals from date_overrides where staff_id in (select value from json_each(?)) and date >= ? and date <= ?",
				staffIds,
				request.fromDate,
				request.toDate,
			)) {
				byStaff.get(row.staff_id as string)?.overrides.push({ date: row.date as string, intervals: JSON.parse(row.intervals as string) as Array<{ start: string; end: string }> });
			}
			for (const row of this.sql.exec(
				"select staff_id, starts_at, ends_at from time_off where staff_id in (select value from json_each(?)) and starts_at < ? and ends_at > ?",
				staffIds,
				request.windowTo,
				request.windowFrom,
			)) {
				byStaff.get(row.staff_id as string)?.timeOff.push({ start: row.starts_at as number, end: row.ends_at as number });
			}
			// The block_start lower bound lets the index serve the scan: no block is longer than 7 days.
			// Bookings and busy blocks are the many rows: read as arrays (raw()), not as an object per row.
			for (const [id, staffId, blockStart, blockEnd] of this.sql
				.exec(
					"select id, staff_id, block_start, block_end from bookings where staff_id in (select value from json_each(?)) and status = 'confirmed' and block_start < ? and block_start > ? and block_end > ?",
					staffIds,
					request.windowTo,
					request.windowFrom - 604_800_000,
					request.windowFrom,
				)
				.raw()) {
				if (excluded.size > 0 && excluded.has(id as string)) continue;
				byStaff.get(staffId as string)?.bookings.push({ start: blockStart as number, end: blockEnd as number });
			}
			for (const [staffId, startsAt, endsAt, tentative] of this.sql
				.exec(
					"select staff_id, starts_at, ends_at, tentative from busy_blocks where (staff_id is null or staff_id in (select value from json_each(?))) and starts_at < ? and ends_at > ?",
					staffIds,
					request.windowTo,
					request.windowFrom,
				)
				.raw()) {
				const block = { start: startsAt as number, end: endsAt as number, tentative: tentative === 1 };
				// The business calendar's blocks (no staff member) take everyone's time.
				if (staffId === null) for (const schedule of staff) schedule.busy.push(block);
				else byStaff.get(staffId as string)?.busy.push(block);
			}
		}
		const resources: ResourceSchedule[] = request.resourceIds.map((id) => ({ id, bookings: [] }));
		if (resources.length > 0) {
			const byResource = new Map(resources.map((resource) => [resource.id, resource]));
			for (const row of this.sql.exec(
				"select id, resource_id, block_start, block_end from bookings where resource_id in (select value from json_each(?)) and status = 'confirmed' and block_start < ? and block_start > ? and block_end > ?",
				JSON.stringify(request.resourceIds),
				request.windowTo,
				request.windowFrom - 604_800_000,
				request.windowFrom,
			)) {
				if (excluded.has(row.id as string)) continue;
				byResource.get(row.resource_id as string)?.bookings.push({ start: row.block_start as number, end: row.block_end as number });
			}
		}
		const { service } = request;
		return {
			now: request.now,
			from: request.from,
			to: request.to,
			timezone: request.timezone,
			service: {
				durationMinutes: service.durationMinutes,
				bufferBeforeMinutes: service.bufferBeforeMinutes,
				bufferAfterMinutes: service.bufferAfterMinutes,
				minNoticeMinutes: service.minNoticeMinutes,
				horizonDays: service.horizonDays,
				slotIntervalMinutes: service.slotIntervalMinutes,
				requiresResource: service.requiredResourceType !== null,
			},
			staff,
			resources,
			tentativeBlocks: request.tentativeBlocks,
		};
	}

	// ---- bookings -------------------------------------------------------------------------------

	booking(id: string): BookingRecord | null {
		const row = this.sql.exec(`select ${BOOKING_COLUMNS} from bookings where id = ?`, id).toArray()[0];
		return row === undefined ? null : bookingRecord(row);
	}

	/** The bookings an Idempotency-Key created (a series has one per occurrence), in series order. */
	bookingsByIdempotencyKey(key: string): BookingRecord[] {
		return this.sql.exec(`select ${BOOKING_COLUMNS} from bookings where idempotency_key = ? order by series_index`, key).toArray().map(bookingRecord);
	}

	/** Confirmed occurrences of a series from `fromIndex` on, in series order. */
	seriesFrom(seriesId: string, fromIndex: number): BookingRecord[] {
		return this.sql
			.exec(`select ${BOOKING_COLUMNS} from bookings where series_id = ? and status = 'confirmed' and series_index >= ? order by series_index`, seriesId, fromIndex)
			.toArray()
			.map(bookingRecord);
	}

	/** Every occurrence of a series, cancelled ones included, in series order. */
	seriesOccurrences(seriesId: string): BookingRecord[] {
		return this.sql.exec(`select ${BOOKING_COLUMNS} from bookings where series_id = ? order by series_index`, seriesId).toArray().map(bookingRecord);
	}

	series(seriesId: string): SeriesRecord | null {
		const row = this.sql.exec("select id, frequency, count, created_at from booking_series where id = ?", seriesId).toArray()[0];
		return row === undefined ? null : { id: row.id as string, frequency: row.frequency as SeriesRecord["frequency"], count: row.count as number, createdAt: row.created_at as number };
	}

	/** Bookings starting in [from, to), by start. */
	bookingsBetween(from: number, to: number): BookingRecord[] {
		return this.sql.exec(`select ${BOOKING_COLUMNS} from bookings where starts_at >= ? and starts_at < ? order by starts_at, id`, from, to).toArray().map(bookingRecord);
	}

	/**
	 * Bookings overlapping [from, to) (of one staff member, or everyone's with null), by start. A booking
	 * is at most 7 days long, so the start index serves the scan.
	 */
	bookingsOverlapping(from: number, to: number, staffId: string | null): BookingRecord[] {
		return this.sql
			.exec(
				`select ${BOOKING_COLUMNS} from bookings where starts_at < ?1 and starts_at > ?2 - 604800000 and ends_at > ?2 and (?3 is null or staff_id = ?3) order by starts_at, id`,
				to,
				from,
				staffId,
			)
			.toArray()
			.map(bookingRecord);
	}

	/** The named bookings (unknown ids are absent), by start. */
	bookingsByIds(ids: readonly string[]): BookingRecord[] {
		if (ids.length === 0) return [];
		return this.sql
			.exec(`select ${BOOKING_COLUMNS} from bookings where id in (select value from json_each(?)) order by starts_at, id`, JSON.stringify(ids))
			.toArray()
			.map(bookingRecord);
	}

	/** The named series (unknown ids are absent). Each is one primary-key lookup in this object's own SQLite. */
	seriesByIds(ids: readonly string[]): SeriesRecord[] {
		return ids.flatMap((id) => this.series(id) ?? []);
	}

	/**
	 * Per staff member of `staffIds` who has any: their confirmed bookings not over at `now`, and the
	 * first one's start. The block_start bound (no block is longer than 7 days) lets the index serve it.
	 */
	upcomingByStaff(staffIds: readonly string[], now: number): StaffUpcoming[] {
		if (staffIds.length === 0) return [];
		return this.sql
			.exec(
				`select staff_id, count(*) as count, min(starts_at) as first from bookings
				 where staff_id in (select value from json_each(?1)) and status = 'confirmed' and block_start > ?2 - 604800000 and ends_at > ?2
				 group by staff_id`,
				JSON.stringify(staffIds),
				now,
			)
			.toArray()
			.map((row) => ({ staffId: row.staff_id as string, count: row.count as number, first: row.first as number }));
	}

	/** Which of `ids` name a booking or booking series of this merchant. */
	ownBookingIds(ids: readonly string[]): Set<string> {
		if (ids.length === 0) return new Set();
		const json = JSON.stringify(ids);
		const rows = this.sql.exec<{ id: string }>(
			"select id from bookings where id in (select value from json_each(?1)) union all select id from booking_series where id in (select value from json_each(?1))",
			json,
		);
		return new Set([...rows].map((row) => row.id));
	}

	insertSeries(series: SeriesRecord): void {
		this.sql.exec("insert into booking_series (id, frequency, count, created_at) values (?, ?, ?, ?)", series.id, series.frequency, series.count, series.createdAt);
	}

	/** Inserts a booking; the overlap triggers abort it (and its transaction) if it would double-book. */
	insertBooking(b: BookingRecord): void {
		this.sql.exec(
			`insert into bookings (${BOOKING_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			b.id,
			b.serviceId,
			b.staffId,
			b.resourceId,
			b.customerEmail,
			b.customerName,
			b.customerPhone,
			b.userId,
			b.customerEntitled ? 1 : 0,
			b.startsAt,
			b.endsAt,
			b.blockStart,
			b.blockEnd,
			b.timezone,
			b.status,
			b.customerNotes,
			b.merchantNotes,
			b.walkIn ? 1 : 0,
			b.seriesId,
			b.seriesIndex,
			b.originalStartsAt,
			b.idempotencyKey,
			b.requestHash,
			b.version,
			b.createdAt,
			b.updatedAt,
		);
	}

	/** Writes a changed booking over the row at `version - 1`; false (nothing written) if it is not there. */
	updateBooking(b: BookingRecord): boolean {
		const cursor = this.sql.exec(
			`update bookings set staff_id = ?, resource_id = ?, starts_at = ?, ends_at = ?, block_start = ?, block_end = ?, status = ?, merchant_notes = ?, version = ?, updated_at = ?
			 where id = ? and version = ?`,
			b.staffId,
			b.resourceId,
			b.startsAt,
			b.endsAt,
			b.blockStart,
			b.blockEnd,
			b.status,
			b.merchantNotes,
			b.version,
			b.updatedAt,
			b.id,
			b.version - 1,
		);
		return cursor.rowsWritten > 0;
	}

	setStatus(id: string, status: BookingRecord["status"]): void {
		this.sql.exec("update bookings set status = ? where id = ?", status, id);
	}

	// ---- outbox ---------------------------------------------------------------------------------

	appendOutbox(bookingId: string, version: number, change: BookingChangeKind, now: number): void {
		this.sql.exec("insert into outbox (booking_id, version, change, created_at) values (?, ?, ?, ?)", bookingId, version, change, now);
	}

	unsentOutbox(limit: number): OutboxRecord[] {
		return this.sql
			.exec("select id, booking_id, version, change, created_at from outbox where sent_at is null order by id limit ?", limit)
			.toArray()
			.map((row) => ({ id: row.id as number, bookingId: row.booking_id as string, version: row.version as number, change: row.change as BookingChangeKind, createdAt: row.created_at as number }));
	}

	markSent(ids: readonly number[], now: number): void {
		this.sql.exec("update outbox set sent_at = ? where id in (select value from json_each(?))", now, JSON.stringify(ids));
	}

	/** Deletes rows relayed before `sentBefore`; unsent rows are kept however old. */
	pruneOutbox(sentBefore: number): void {
		this.sql.exec("delete from outbox where sent_at is not null and sent_at < ?", sentBefore);
	}

	// ---- busy blocks ----------------------------------------------------------------------------

	/** Blocks overlapping [from, to), by start. */
	busyBetween(from: number, to: number): BusyRecord[] {
		return this.sql
			.exec("select calendar_id, event_id, instance_id, staff_id, starts_at, ends_at, all_day, tentative from busy_blocks where starts_at < ? and ends_at > ? order by starts_at", to, from)
			.toArray()
			.map((row) => ({
				calendarId: row.calendar_id as string,
				eventId: row.event_id as string,
				instanceId: row.instance_id as string,
				staffId: row.staff_id as string | null,
				start: row.starts_at as number,
				end: row.ends_at as number,
				allDay: row.all_day === 1,
				tentative: row.tentative === 1,
			}));
	}
}
