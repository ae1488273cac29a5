// The one interface every calendar adapter (Google, Microsoft, CalDAV/iCloud, ICS feed) implements,
// for outbound booking writes and inbound change feeds alike, plus the typed errors they throw.
// Adapters translate and nothing else: no database, no environment, no queues. This module imports
// nothing, so the providers' shapes are defined here and the database layer conforms to them.

/** Every provider an adapter exists for; calendar_connections.provider takes exactly these. */
export const PROVIDER_NAMES = ["google", "microsoft", "caldav", "icloud", "ics"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** A calendar inside a connected account. */
export interface CalendarInfo {
	/** Provider id: Google calendar id, Graph calendar id, CalDAV collection URL, ICS feed URL. */
	id: string;
	name: string;
	/** Slotline may write bookings here (Google writer/owner, Graph canEdit, CalDAV VEVENT collection). */
	writable: boolean;
	/**
	 * Slotline may read its events to block time. False for Google calendars the person does not own
	 * (calendar.events.owned reads only those) and Graph calendars shared by someone else.
	 */
	readable: boolean;
	primary: boolean;
	/** IANA zone, when the provider says. */
	timeZone: string | null;
	/**
	 * The video meetings its events can carry (Google's allowedConferenceSolutionTypes, Graph's
	 * allowedOnlineMeetingProviders); null for providers that have none to say (CalDAV, ICS).
	 */
	onlineMeetings: CalendarMeetingProvider[] | null;
}

/** A video meeting that comes with the calendar event itself (Zoom's is made apart: src/meetings/). */
export type CalendarMeetingProvider = "google_meet" | "microsoft_teams";

// ---------------------------------------------------------------------------------------------
// Outbound

/** A booking (or a recurring series of bookings) as it should appear in the external calendar. */
export interface OutboundEvent {
	/**
	 * The Slotline identity: the booking id, or the booking_series id for a series. Adapters derive
	 * the provider identity from it (Google event id, Graph transactionId, iCalendar UID), which is
	 * what makes a repeated create land on the same event, and store it as the private marker.
	 */
	bookingId: string;
	title: string;
	/** UTC epoch ms, end exclusive. For a series: the first occurrence. */
	start: number;
	end: number;
	/** IANA zone the event is shown in (and the series recurs in). */
	timeZone: string;
	description: string | null;
	location: string | null;
	/** `hex` picks the nearest Google event colour; `name` becomes the Outlook category / iCalendar CATEGORIES. */
	color: { hex: string; name: string } | null;
	recurrence: OutboundRecurrence | null;
	/**
	 * A video meeting the event should carry (one for a whole series). `requestId` is derived from the
	 * booking or series, so a repeated write asks for the same meeting instead of another.
	 */
	conference: { provider: CalendarMeetingProvider; requestId: string } | null;
}

export interface OutboundRecurrence {
	frequency: "weekly" | "biweekly" | "monthly";
	/** Number of occurrences (RRULE COUNT), including the first. */
	count: number;
	/** Occurrences that differ from the rule, each named by its original start (UTC epoch ms). */
	exceptions: OccurrenceException[];
}

export type OccurrenceException =
	| { kind: "moved"; originalStart: number; start: number; end: number }
	| { kind: "cancelled"; originalStart: number };

/** What to keep in event_links to update or delete the event later. */
export interface StoredEvent {
	/** Google event id, Graph event id, or the CalDAV resource URL. */
	externalId: string;
	etag: string | null;
}

/** What a write returns: the event to keep, and its video meeting when `conference` asked for one (else null). */
export interface WrittenEvent extends StoredEvent {
	meeting: StoredMeeting | null;
}

/**
 * Where an event's video meeting stands: ready (the join link is known), pending (the provider is still
 * making it: write again later), refused (the calendar or account cannot host it).
 */
export interface StoredMeeting {
	joinUrl: string | null;
	/** Google's conference id (aaa-bbbb-ccc); null for Teams, whose meeting is named by the event. */
	conferenceId: string | null;
	status: "ready" | "pending" | "refused";
}

// ---------------------------------------------------------------------------------------------
// Inbound

export interface SyncWindow {
	/** UTC epoch ms, [from, to). Used for the initial full sync and to expand recurrences. */
	from: number;
	to: number;
	/** IANA zone in which all-day dates and floating times become instants (the staff member's). */
	timeZone: string;
}

/**
 * One step of a calendar's change feed. Every page of the provider has already been read.
 * With a null cursor the result is a full snapshot of the window: replace everything stored.
 */
export interface SyncResult {
	full: boolean;
	/** Each replaces everything stored under its `id` (all its instances). */
	changed: ExternalEvent[];
	/** Ids of items that were deleted or left the window. */
	removed: string[];
	/** Opaque; pass back next time (Google syncToken, Graph deltaLink, CalDAV sync-token, ICS validators). */
	cursor: string;
	/**
	 * Items that could not be read (malformed iCalendar): skipped, blocking nothing, while everything else
	 * still syncs. Only an id and a category, never the text that failed: parser messages can quote an
	 * event's SUMMARY or DESCRIPTION. Always empty for JSON APIs.
	 */
	unreadable: UnreadableItem[];
}

export interface UnreadableItem {
	/** The UID (ICS) or resource name (CalDAV), or null when the item has none. */
	id: string | null;
	problem: UnreadableProblem;
}

export type UnreadableProblem =
	| "unparseable"
	| "no-uid"
	| "no-start"
	| "bad-date"
	| "unknown-time-zone"
	| "bad-duration"
	| "bad-recurrence"
	| "too-many-occurrences"
	| "duplicate-event";

/**
 * One provider item: a Google or Graph event instance (series arrive expanded), or a CalDAV/ICS
 * resource with all its instances inside the window.
 */
export interface ExternalEvent {
	id: string;
	/** Set when Slotline wrote it (our private marker); the caller skips it when the booking is the syncing business's. */
	slotlineBookingId: string | null;
	instances: ExternalInstance[];
}

/** Only what availability needs: never a title, description, attendee or location. */
export interface ExternalInstance {
	/** Stable per occurrence (the item id for a single event). */
	instanceId: string;
	/** UTC epoch ms, end exclusive. */
	start: number;
	end: number;
	/** Local dates (end exclusive) of an all-day instance; null for timed ones. */
	allDay: { startDate: string; endDate: string } | null;
	status: "confirmed" | "tentative" | "cancelled";
	transparent: boolean;
	/** The account owner declined it. */
	declined: boolean;
}

// ---------------------------------------------------------------------------------------------
// Push

export interface WatchRequest {
	/** HTTPS endpoint that receives notifications. */
	address: string;
	/** Secret echoed back in every notification (Google channel token, Graph clientState); ≤128 chars. */
	secret: string;
	/** Graph lifecycle notifications (ignored by Google, which has none). */
	lifecycleAddress: string;
	/** Requested lifetime; providers cap it (Google 7 days, Graph 10,080 minutes). */
	ttlSeconds: number;
}

export interface PushSubscription {
	/** Google channel id or Graph subscription id. */
	id: string;
	/** Google resourceId (needed to stop the channel); null for Graph. */
	resourceId: string | null;
	/** UTC epoch ms. */
	expiresAt: number;
}

/** Push notifications for calendars that have them (Google, Microsoft). */
export interface PushChannels {
	watch(calendarId: string, request: WatchRequest): Promise<PushSubscription>;
	/** A subscription that lasts longer; Google makes a new channel (the old one is stopped). */
	renew(calendarId: string, subscription: PushSubscription, request: WatchRequest): Promise<PushSubscription>;
	/** Already gone counts as stopped. */
	stop(subscription: PushSubscription): Promise<void>;
}

// ---------------------------------------------------------------------------------------------

/** Writing bookings into calendars, for providers that can (not ICS feeds). */
export interface EventWriter {
	/**
	 * Creates or updates the booking's event, exactly once however often it is called (also after a
	 * create whose answer was lost). `previous` is what an earlier call returned (null if none is
	 * known). A calendar that is gone or read-only throws CalendarUnavailableError.
	 */
	putEvent(calendarId: string, event: OutboundEvent, previous: StoredEvent | null): Promise<WrittenEvent>;
	/** Deletes the booking's event, found by its marker when `previous` is unknown; already gone is success. */
	deleteEvent(calendarId: string, bookingId: string, previous: StoredEvent | null): Promise<void>;
}

export interface CalendarProvider {
	readonly name: ProviderName;
	/**
	 * Null when the provider cannot push (CalDAV, iCloud, ICS): a capability checked once by the
	 * type system instead of a method that fails at run time; those calendars are polled.
	 */
	readonly push: PushChannels | null;
	/** Null for read-only providers (ICS feeds): the write path cannot be reached for them at all. */
	readonly writer: EventWriter | null;
	listCalendars(): Promise<CalendarInfo[]>;
	/** Changes since `cursor` (null = full sync of `window`). Throws SyncCursorExpiredError. */
	syncEvents(calendarId: string, cursor: string | null, window: SyncWindow): Promise<SyncResult>;
	/**
	 * For polled calendars (CalDAV, iCloud, ICS): one small request that says whether the calendar may
	 * have changed since the version `since` (null = unknown: changed). Absent for providers whose change
	 * feed is already that cheap (Google, Graph: a delta read with nothing new is one small request).
	 */
	probe?(calendarId: string, since: string | null): Promise<ProbeResult>;
}

/** What a probe saw: an opaque version to pass back next time, and whether it differs from `since`. */
export interface ProbeResult {
	/**
	 * Opaque (CalDAV "sync:<token>" or "ctag:<ctag>"; ICS validators and a content hash); null when the server
	 * offers none. With `changed` false it may still differ from `since` (an ICS feed's new validators for the
	 * same bytes): storing it then makes the next probe cheaper.
	 */
	version: string | null;
	/** True also when either version is unknown: the caller then runs the sync to find out. */
	changed: boolean;
}

/** Credentials for OAuth providers: the caller owns refreshing and storing tokens. */
export interface AccessTokenSource {
	/** A current access token (refreshed by the caller if it is about to expire). */
	get(): Promise<string>;
	/**
	 * Called once after the provider answered 401 to `get()`'s token. Throws TokenRevokedError
	 * when the refresh token is dead (invalid_grant).
	 */
	refresh(): Promise<string>;
}

// ---------------------------------------------------------------------------------------------
// Errors. Messages carry the provider, status and provider code only, never a credential.

/** Who a ProviderError came from: a calendar provider, or Zoom (meetings; it shares the calendars' error handling). */
export type ErrorSource = ProviderName | "zoom";

/** What a ProviderError carries; its message is built from these, so none may hold a credential. */
export interface ProviderErrorOptions {
	provider: ErrorSource;
	/** HTTP status from the provider; 0 when no response arrived (network error, timeout). */
	status: number;
	/** The provider's own reason (e.g. "rateLimitExceeded", "syncStateNotFound"), or ours. */
	code: string;
	retryable: boolean;
	/** The provider's Retry-After; absent when it gave none. */
	retryAfterSeconds?: number | null;
	detail?: string;
}

export class ProviderError extends Error {
	override readonly name: string = "ProviderError";
	readonly provider: ErrorSource;
	readonly status: number;
	readonly code: string;
	readonly retryable: boolean;
	readonly retryAfterSeconds: number | null;

	constructor(options: ProviderErrorOptions) {
		const { provider, status, code, detail } = options;
		super(`${provider} ${status} ${code}${detail === undefined ? "" : `: ${detail}`}`);
		this.provider = provider;
		this.status = status;
		this.code = code;
		this.retryable = options.retryable;
		this.retryAfterSeconds = options.retryAfterSeconds ?? null;
	}
}

/** The grant is gone (401 after a refresh, or invalid_grant): the connection needs the person again. */
export class TokenRevokedError extends ProviderError {
	override readonly name: string = "TokenRevokedError";
	constructor(provider: ErrorSource, status: number, code: string) {
		super({ provider, status, code, retryable: false, detail: "access was revoked; reconnect the calendar" });
	}
}

/** The calendar itself is deleted, unshared or no longer writable (404/403 on the calendar). */
export class CalendarUnavailableError extends ProviderError {
	override readonly name: string = "CalendarUnavailableError";
	constructor(provider: ProviderName, status: number, code: string) {
		super({ provider, status, code, retryable: false, detail: "calendar is gone or not writable" });
	}
}

/** The sync cursor is no longer accepted: drop stored state and sync again with a null cursor. */
export class SyncCursorExpiredError extends ProviderError {
	override readonly name: string = "SyncCursorExpiredError";
	constructor(provider: ProviderName, status: number, code: string) {
		super({ provider, status, code, retryable: false, detail: "full resync required" });
	}
}
