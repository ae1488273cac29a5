// Inputs and outputs of the pure availability core. Everything is plain data: instants are UTC
// epoch milliseconds, wall-clock values are strings read in the named IANA zone.

/** A half-open span [start, end) of UTC epoch milliseconds. */
export interface Interval {
	start: number;
	end: number;
}

/** An external busy block. All-day blocks arrive already spanning the staff member's local days. */
export interface BusyInterval extends Interval {
	tentative: boolean;
}

export interface ServiceRules {
	durationMinutes: number;
	bufferBeforeMinutes: number;
	bufferAfterMinutes: number;
	/** No slot starts earlier than now + this. */
	minNoticeMinutes: number;
	/** No slot starts later than now + this many days. */
	horizonDays: number;
	/** Distance between candidate starts, counted from the start of each working interval. */
	slotIntervalMinutes: number;
	/** A slot also needs one free resource from `AvailabilityQuery.resources`. */
	requiresResource: boolean;
}

/** "HH:MM" wall-clock, 24-hour; an end may be "24:00". */
export type WallTime = string;

export interface WeeklyInterval {
	/** ISO weekday: 1 = Monday … 7 = Sunday. */
	weekday: number;
	start: WallTime;
	end: WallTime;
}

export interface DateOverride {
	/** "YYYY-MM-DD" in the staff member's zone. An empty list means closed that day. */
	date: string;
	intervals: Array<{ start: WallTime; end: WallTime }>;
}

export interface StaffSchedule {
	id: string;
	/** The staff member's IANA zone: working hours are wall-clock times there. */
	timezone: string;
	weeklyHours: WeeklyInterval[];
	overrides: DateOverride[];
	timeOff: Interval[];
	/** Blocks of confirmed bookings, buffers included ([block_start, block_end)). */
	bookings: Interval[];
	busy: BusyInterval[];
}

export interface ResourceSchedule {
	id: string;
	/** Blocks of confirmed bookings that hold this resource. */
	bookings: Interval[];
}

export interface AvailabilityQuery {
	now: number;
	/** First and last day, inclusive, as "YYYY-MM-DD" in `timezone`. */
	from: string;
	to: string;
	/** The customer's IANA zone: the day range is read in it. */
	timezone: string;
	service: ServiceRules;
	/** Staff who offer the service, in their stable display order ("anyone" = all of them). */
	staff: StaffSchedule[];
	/** Resources of the service's required type (ignored unless `service.requiresResource`). */
	resources: ResourceSchedule[];
	/** Whether tentative busy blocks take time (a merchant setting). */
	tentativeBlocks: boolean;
}

export interface Slot {
	start: number;
	end: number;
	staffId: string;
	/** The resource this slot would take, or null when the service needs none. */
	resourceId: string | null;
}

/** Why a requested start cannot be booked. */
export type Unavailability =
	| "outside-hours"
	| "min-notice"
	| "beyond-horizon"
	| "in-the-past"
	| "taken"
	| "no-resource";

export type SlotCheck = { ok: true; resourceId: string | null } | { ok: false; reason: Unavailability };
