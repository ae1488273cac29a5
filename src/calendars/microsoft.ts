// Microsoft Graph (Outlook) calendar adapter: calendars, booking writes, calendarView delta sync, subscriptions.
import { Temporal } from "temporal-polyfill";
import { ianaTimeZone } from "../zones";
import { nearestInPalette } from "./colour";
import { instantOf, wallClock } from "./event-time";
import type { FetchFunction } from "./http";
import { bearerAuthorization, discard, jsonOrNull, ProviderHttp, providerError } from "./http";
import type {
	AccessTokenSource,
	CalendarInfo,
	CalendarProvider,
	EventWriter,
	ExternalEvent,
	OccurrenceException,
	OutboundEvent,
	OutboundRecurrence,
	PushChannels,
	PushSubscription,
	StoredEvent,
	StoredMeeting,
	SyncResult,
	SyncWindow,
	WatchRequest,
	WrittenEvent,
} from "./provider";
import { CalendarUnavailableError, SyncCursorExpiredError } from "./provider";

export const GRAPH_API = "https://graph.microsoft.com/v1.0";

/** Our private marker: a single-value extended property in a namespace GUID of our own. */
export const GRAPH_BOOKING_PROPERTY = "String {5d0a7c1e-3f2b-4c8e-9a61-51f7a0b3c2d4} Name slotlineBookingId";

/**
 * The colour categories every new Outlook mailbox has (Graph outlookCategory: preset0 red, preset1
 * orange, preset3 yellow, preset4 green, preset7 blue, preset8 purple), as Outlook draws them. An
 * event's category is matched by name against the mailbox's master list, so naming one of these
 * colours an event without reading or writing that list, which would need MailboxSettings.ReadWrite
 * on top of the Calendars.ReadWrite and offline_access we ask for.
 */
const OUTLOOK_DEFAULT_CATEGORIES: ReadonlyArray<readonly [name: string, hex: string]> = [
	["Red category", "#f07d88"],
	["Orange category", "#ff8c00"],
	["Yellow category", "#fff100"],
	["Green category", "#5fbe7d"],
	["Blue category", "#55abe5"],
	["Purple category", "#a895e2"],
];

/**
 * transactionId makes Graph ignore a repeated create. Graph echoes it on the event, and delta
 * cannot $expand extended properties, so inbound sync recognises our events by this prefix.
 */
const TRANSACTION_PREFIX = "slotline-";

/** Series masters read at once when a delta names occurrences of masters it did not include. */
const MASTER_LOOKUPS_AT_ONCE = 4;

/** Outlook event subscriptions live at most 10,080 minutes; stay a little under. */
const MAX_SUBSCRIPTION_SECONDS = 10_080 * 60 - 300;

/**
 * Times in UTC (otherwise Graph answers in the mailbox zone, as Windows names), and ids that survive
 * moving an item between folders (otherwise the stored id breaks).
 */
const PREFER = 'outlook.timezone="UTC", IdType="ImmutableId"';

/**
 * Waits before each read of an event that asked for Teams but has no joinUrl yet: Graph may fill it
 * slightly after the write (docs/integrations.md 2.3). Still none after these, the caller writes again later.
 */
const MEETING_WAITS_MS: readonly number[] = [250, 750, 1_500];

export interface MicrosoftCalendarConfig {
	tokens: AccessTokenSource;
	fetch: FetchFunction;
	/** Defaults to GRAPH_API; the sandbox in tests. */
	apiBaseUrl?: string;
	/** Per request; ProviderHttp's default (30 s) when absent. */
	timeoutMs?: number;
	/** Waits before re-reading an event whose Teams link is not there yet; MEETING_WAITS_MS when absent. */
	meetingWaitsMs?: readonly number[];
}

export class MicrosoftCalendar implements CalendarProvider, EventWriter {
	readonly name = "microsoft" as const;
	readonly push: PushChannels;
	readonly writer: EventWriter = this;
	private readonly http: ProviderHttp;
	private readonly base: string;
	private readonly meetingWaitsMs: readonly number[];

	constructor(config: MicrosoftCalendarConfig) {
		this.http = new ProviderHttp({ provider: "microsoft", fetch: config.fetch, authorization: bearerAuthorization(config.tokens), timeoutMs: config.timeoutMs });
		this.base = (config.apiBaseUrl ?? GRAPH_API).replace(/\/$/, "");
		this.meetingWaitsMs = config.meetingWaitsMs ?? MEETING_WAITS_MS;
		this.push = {
			watch: (calendarId, request) => this.subscribe(calendarId, request),
			renew: (_calendarId, subscription, request) => this.renew(subscription, request),
			stop: (subscription) => this.unsubscribe(subscription),
		};
	}

	async listCalendars(): Promise<CalendarInfo[]> {
		const listed: GraphCalendar[] = [];
		let url: string | null = `${this.base}/me/calendars?$select=id,name,canEdit,isDefaultCalendar,owner,allowedOnlineMeetingProviders`;
		while (url !== null) {
			const page = (await this.json("GET", url)) as GraphPage<GraphCalendar>;
			listed.push(...(page.value ?? []));
			url = page["@odata.nextLink"] ?? null;
		}
		// Calendars shared by someone else need Calendars.Read.Shared, which we do not ask for: the
		// mailbox owner is whoever owns the default calendar.
		const me = listed.find((c) => c.isDefaultCalendar === true)?.owner?.address?.toLowerCase();
		return listed.map((calendar) => {
			const owner = calendar.owner?.address?.toLowerCase();
			return {
				id: calendar.id,
				name: calendar.name ?? calendar.id,
				writable: calendar.canEdit === true,
				readable: me === undefined || owner === undefined || owner === me,
				primary: calendar.isDefaultCalendar === true,
				timeZone: null,
				// A personal account lists skypeForConsumer at most: no Teams there (docs/integrations.md 2.3).
				onlineMeetings: calendar.allowedOnlineMeetingProviders === undefined ? null : calendar.allowedOnlineMeetingProviders.includes("teamsForBusiness") ? ["microsoft_teams"] : [],
			};
		});
	}

	async putEvent(calendarId: string, event: OutboundEvent, previous: StoredEvent | null): Promise<WrittenEvent> {
		const body = eventBody(event, event.color === null ? null : nearestOutlookCategory(event.color.hex));
		// A create whose answer was lost left no stored id: the marker finds the event it made.
		const known = previous ?? (await this.findByMarker(calendarId, event.bookingId));
		let saved: GraphEvent | null = null;
		if (known !== null) {
			const patch = event.recurrence === null ? body : await this.seriesPatch(known.externalId, body);
			const response = await this.http.send(`${this.base}/me/events/${encodeURIComponent(known.externalId)}`, jsonRequest("PATCH", patch));
			// Deleted in Outlook while the booking lives on: create it again below.
			if (response.status === 404) await discard(response);
			else saved = (await this.read(response, { calendarId, level: "event" })) as GraphEvent;
		}
		if (saved === null) {
			// transactionId as well: two creates racing past the lookup still make one event.
			saved = (await this.json("POST", `${this.base}/me/calendars/${encodeURIComponent(calendarId)}/events`, { ...body, transactionId: transactionIdOf(event.bookingId) }, { calendarId, level: "calendar" })) as GraphEvent;
		}
		for (const exception of event.recurrence?.exceptions ?? []) await this.applyException(saved.id, exception, event.timeZone, calendarId);
		const written = { externalId: saved.id, etag: saved["@odata.etag"] ?? null };
		if (event.conference === null) return { ...written, meeting: null };
		return { ...written, meeting: await this.awaitMeeting(saved) };
	}

	/**
	 * The event's Teams meeting, reading the event again while it asked for one and has no joinUrl yet. A read
	 * that fails leaves it pending: the event itself is written, and the caller's next write reads again.
	 */
	private async awaitMeeting(saved: GraphEvent): Promise<StoredMeeting> {
		let current = saved;
		for (const wait of this.meetingWaitsMs) {
			if (meetingOf(current).status !== "pending") break;
			await new Promise((resolve) => setTimeout(resolve, wait));
			const response = await this.http.send(`${this.base}/me/events/${encodeURIComponent(saved.id)}?$select=id,isOnlineMeeting,onlineMeetingProvider,onlineMeeting`, { headers: { prefer: PREFER } });
			if (!response.ok) {
				await discard(response);
				break;
			}
			current = (await response.json()) as GraphEvent;
		}
		return meetingOf(current);
	}

	async deleteEvent(calendarId: string, bookingId: string, previous: StoredEvent | null): Promise<void> {
		// Without a stored id a create may still have landed unseen (its answer lost): look for the marker.
		const known = previous ?? (await this.findByMarker(calendarId, bookingId));
		if (known === null) return;
		await this.remove(`${this.base}/me/events/${encodeURIComponent(known.externalId)}`, { calendarId, level: "event" });
	}

	/**
	 * The booking's event in this calendar, found by our private extended property (series masters and
	 * single events carry it). Null when there is none, or the calendar itself is gone (and its events with it).
	 */
	private async findByMarker(calendarId: string, bookingId: string): Promise<StoredEvent | null> {
		const filter = `singleValueExtendedProperties/Any(ep: ep/id eq '${odataString(GRAPH_BOOKING_PROPERTY)}' and ep/value eq '${odataString(bookingId)}')`;
		const query = new URLSearchParams({ $filter: filter, $select: "id", $top: "2" });
		const response = await this.http.send(`${this.base}/me/calendars/${encodeURIComponent(calendarId)}/events?${query}`, { headers: { prefer: PREFER } });
		if (response.status === 404) {
			await discard(response);
			return null;
		}
		const page = (await this.read(response, { calendarId, level: "event" })) as GraphPage<GraphEvent>;
		const found = page.value?.[0];
		return found === undefined ? null : { externalId: found.id, etag: found["@odata.etag"] ?? null };
	}

	async syncEvents(calendarId: string, cursor: string | null, window: SyncWindow): Promise<SyncResult> {
		if (cursor !== null && !cursor.startsWith(`${this.base}/`)) {
			// A deltaLink is a URL we send the token to; one from elsewhere is never followed.
			throw new SyncCursorExpiredError("microsoft", 0, "foreignDeltaLink");
		}
		const query = new URLSearchParams({ startDateTime: new Date(window.from).toISOString(), endDateTime: new Date(window.to).toISOString() });
		const changed: ExternalEvent[] = [];
		const removed: string[] = [];
		const seriesOf = new Map<ExternalEvent, string>();
		// Series masters come through delta too: what they say saves asking for them one by one.
		const masters = new Map<string, string | null>();
		const request = (url: string): Promise<GraphPage<GraphEvent>> =>
			this.http.send(url, { headers: { prefer: `${PREFER}, odata.maxpagesize=200` } }).then((response) => this.readDelta(response, calendarId) as Promise<GraphPage<GraphEvent>>);
		let next = request(cursor ?? `${this.base}/me/calendars/${encodeURIComponent(calendarId)}/calendarView/delta?${query}`);
		for (;;) {
			const page = await next;
			const nextLink = page["@odata.nextLink"];
			// Ask for the next page before reading this one: Graph prepares it while we translate.
			if (nextLink !== undefined) {
				next = request(nextLink);
				// Reported when awaited; until then a failure must not count as unhandled.
				next.catch(() => undefined);
			}
			for (const item of page.value ?? []) {
				if (item.type === "seriesMaster") masters.set(item.id, bookingIdOf(item.transactionId));
				const normalised = item["@removed"] === undefined ? normalise(item, window) : null;
				if (normalised === null) removed.push(item.id);
				else changed.push(normalised);
				if (normalised !== null && normalised.slotlineBookingId === null && item.seriesMasterId != null) seriesOf.set(normalised, item.seriesMasterId);
			}
			if (nextLink !== undefined) continue;
			const deltaLink = page["@odata.deltaLink"];
			if (deltaLink === undefined) throw new SyncCursorExpiredError("microsoft", 200, "missingDeltaLink");
			await this.markSeriesOccurrences(seriesOf, masters);
			return { full: cursor === null, changed, removed, cursor: deltaLink, unreadable: [] };
		}
	}

	/**
	 * Occurrences carry no transactionId: a series is ours when its master has one of ours. Masters
	 * the delta did not include are read, a few at a time (Graph allows four concurrent requests per mailbox).
	 */
	private async markSeriesOccurrences(seriesOf: Map<ExternalEvent, string>, masters: Map<string, string | null>): Promise<void> {
		const unknown = [...new Set(seriesOf.values())].filter((id) => !masters.has(id));
		for (let i = 0; i < unknown.length; i += MASTER_LOOKUPS_AT_ONCE) {
			await Promise.all(
				unknown.slice(i, i + MASTER_LOOKUPS_AT_ONCE).map(async (masterId) => {
					const response = await this.http.send(`${this.base}/me/events/${encodeURIComponent(masterId)}?$select=transactionId`, { headers: { prefer: PREFER } });
					const master = response.status === 404 ? (await discard(response), null) : ((await this.read(response, null)) as GraphEvent);
					masters.set(masterId, bookingIdOf(master?.transactionId));
				}),
			);
		}
		for (const [event, masterId] of seriesOf) event.slotlineBookingId = masters.get(masterId) ?? null;
	}

	/**
	 * The PATCH for an existing series master. Outlook rebuilds a series (dropping its exceptions)
	 * when its times or pattern are written, so they are sent only when they really changed.
	 */
	private async seriesPatch(masterId: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
		const response = await this.http.send(`${this.base}/me/events/${encodeURIComponent(masterId)}`, { headers: { prefer: PREFER } });
		if (response.status === 404) {
			await discard(response);
			return body;
		}
		const current = (await this.read(response, null)) as GraphEvent;
		const wanted = { start: body.start as GraphDateTime, end: body.end as GraphDateTime, recurrence: body.recurrence as GraphRecurrence };
		const same =
			current.start !== undefined && current.end !== undefined &&
			graphInstant(current.start) === graphInstant(wanted.start) && graphInstant(current.end) === graphInstant(wanted.end) &&
			samePattern(current.recurrence, wanted.recurrence);
		if (!same) return body;
		const { start: _start, end: _end, recurrence: _recurrence, ...rest } = body;
		return rest;
	}

	/** Moves or cancels one occurrence of a series, found by its original start. */
	private async applyException(seriesId: string, exception: OccurrenceException, timeZone: string, calendarId: string): Promise<void> {
		const around = new URLSearchParams({
			startDateTime: new Date(exception.originalStart - 86_400_000).toISOString(),
			endDateTime: new Date(exception.originalStart + 86_400_000 * 2).toISOString(),
		});
		const page = (await this.json("GET", `${this.base}/me/events/${encodeURIComponent(seriesId)}/instances?${around}`)) as GraphPage<GraphEvent>;
		const occurrence = (page.value ?? []).find((o) => o.originalStart !== undefined && Date.parse(o.originalStart) === exception.originalStart);
		// Already cancelled occurrences are no longer listed: nothing left to do.
		if (occurrence === undefined) return;
		if (exception.kind === "cancelled") {
			await this.remove(`${this.base}/me/events/${encodeURIComponent(occurrence.id)}`, { calendarId, level: "event" });
			return;
		}
		await this.json("PATCH", `${this.base}/me/events/${encodeURIComponent(occurrence.id)}`, {
			start: { dateTime: wallClock(exception.start, timeZone), timeZone },
			end: { dateTime: wallClock(exception.end, timeZone), timeZone },
		}, { calendarId, level: "event" });
	}

	private async subscribe(calendarId: string, request: WatchRequest): Promise<PushSubscription> {
		const created = (await this.json("POST", `${this.base}/subscriptions`, {
			changeType: "created,updated,deleted",
			notificationUrl: request.address,
			// Can only be set at creation; Graph validates it with the same handshake.
			lifecycleNotificationUrl: request.lifecycleAddress,
			resource: `me/calendars/${calendarId}/events`,
			expirationDateTime: expiration(request.ttlSeconds),
			clientState: request.secret,
		}, { calendarId, level: "calendar" })) as { id: string; expirationDateTime: string };
		return { id: created.id, resourceId: null, expiresAt: Date.parse(created.expirationDateTime) };
	}

	private async renew(subscription: PushSubscription, request: WatchRequest): Promise<PushSubscription> {
		const renewed = (await this.json("PATCH", `${this.base}/subscriptions/${encodeURIComponent(subscription.id)}`, { expirationDateTime: expiration(request.ttlSeconds) })) as { expirationDateTime: string };
		return { ...subscription, expiresAt: Date.parse(renewed.expirationDateTime) };
	}

	private async unsubscribe(subscription: PushSubscription): Promise<void> {
		await this.remove(`${this.base}/subscriptions/${encodeURIComponent(subscription.id)}`, null);
	}

	/** DELETE where 404 (already gone) is success. */
	private async remove(url: string, scope: Scope): Promise<void> {
		const response = await this.http.send(url, { method: "DELETE" });
		if (response.status === 404) return discard(response);
		await this.read(response, scope);
	}

	private async json(method: string, url: string, body?: unknown, scope: Scope = null): Promise<unknown> {
		const init = body === undefined ? { method, headers: { prefer: PREFER } } : jsonRequest(method, body);
		return this.read(await this.http.send(url, init), scope);
	}

	/** Delta: an expired or unknown sync state means a full resync, whatever the status. */
	private async readDelta(response: Response, calendarId: string): Promise<unknown> {
		if (response.status === 410) {
			await discard(response);
			throw new SyncCursorExpiredError("microsoft", 410, "resyncRequired");
		}
		if (response.ok) return response.json();
		const code = await errorCode(response);
		if (code === "syncStateNotFound" || code === "SyncStateNotFound" || code === "resyncRequired") throw new SyncCursorExpiredError("microsoft", response.status, code);
		throw classify(response, code, { calendarId, level: "calendar" });
	}

	private async read(response: Response, scope: Scope): Promise<unknown> {
		if (response.ok) return response.status === 204 ? null : response.json();
		throw classify(response, await errorCode(response), scope);
	}
}

/**
 * What a 404 or 403 means for a request: on a calendar path both say the calendar is gone or no
 * longer writable; on one event only the 403 does (a 404 there is that event).
 */
type Scope = { calendarId: string; level: "calendar" | "event" } | null;

function classify(response: Response, code: string, scope: Scope): Error {
	const error = providerError("microsoft", response, code);
	if (scope !== null && !error.retryable && (response.status === 403 || (scope.level === "calendar" && response.status === 404))) {
		return new CalendarUnavailableError("microsoft", response.status, code);
	}
	return error;
}

/** OData string literal content: a quote is written twice. */
function odataString(value: string): string {
	return value.replaceAll("'", "''");
}

/** The Outlook preset nearest (in RGB) to a hex colour, with its colour name. */
/** The default Outlook colour category nearest to `hex`. */
export function nearestOutlookCategory(hex: string): string {
	const [name] = nearestInPalette(hex, OUTLOOK_DEFAULT_CATEGORIES, ([, colour]) => colour);
	return name;
}

async function errorCode(response: Response): Promise<string> {
	const body = (await jsonOrNull(response)) as { error?: { code?: string } } | null;
	return body?.error?.code ?? `http${response.status}`;
}

function transactionIdOf(bookingId: string): string {
	return `${TRANSACTION_PREFIX}${bookingId}`;
}

function bookingIdOf(transactionId: string | undefined): string | null {
	return transactionId?.startsWith(TRANSACTION_PREFIX) === true ? transactionId.slice(TRANSACTION_PREFIX.length) : null;
}

function expiration(ttlSeconds: number): string {
	return new Date(Date.now() + Math.min(ttlSeconds, MAX_SUBSCRIPTION_SECONDS) * 1000).toISOString();
}

/**
 * Where an event's Teams meeting stands. Graph answers a request it cannot honour (a personal account, a
 * tenant without Teams) with 201 and isOnlineMeeting false or another provider: that is a refusal.
 */
function meetingOf(event: GraphEvent): StoredMeeting {
	const joinUrl = event.onlineMeeting?.joinUrl;
	// The Teams meeting is named by its event: onlineMeeting.conferenceId is a dial-in code, not an id.
	if (event.isOnlineMeeting === true && event.onlineMeetingProvider === "teamsForBusiness") {
		return joinUrl === undefined || joinUrl === null ? { joinUrl: null, conferenceId: null, status: "pending" } : { joinUrl, conferenceId: null, status: "ready" };
	}
	return { joinUrl: null, conferenceId: null, status: "refused" };
}

function eventBody(event: OutboundEvent, category: string | null): Record<string, unknown> {
	const body: Record<string, unknown> = {
		subject: event.title,
		body: { contentType: "text", content: event.description ?? "" },
		start: { dateTime: wallClock(event.start, event.timeZone), timeZone: event.timeZone },
		end: { dateTime: wallClock(event.end, event.timeZone), timeZone: event.timeZone },
		location: { displayName: event.location ?? "" },
		showAs: "busy",
		// Outlook colours come from the mailbox's master categories, matched by display name.
		categories: category === null ? [] : [category],
		singleValueExtendedProperties: [{ id: GRAPH_BOOKING_PROPERTY, value: event.bookingId }],
	};
	if (event.recurrence !== null) body.recurrence = graphRecurrence(event.recurrence, event.start, event.timeZone);
	// Graph freezes these once a meeting exists, so sending them on every write is harmless and adds one
	// to an event that had none. Not sent for Meet, which no Outlook calendar can host.
	if (event.conference?.provider === "microsoft_teams") {
		body.isOnlineMeeting = true;
		body.onlineMeetingProvider = "teamsForBusiness";
	}
	return body;
}

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

function graphRecurrence(recurrence: OutboundRecurrence, start: number, timeZone: string): GraphRecurrence {
	const local = Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(timeZone);
	const range = { type: "numbered", startDate: local.toPlainDate().toString(), numberOfOccurrences: recurrence.count, recurrenceTimeZone: timeZone };
	if (recurrence.frequency === "monthly") {
		return { pattern: { type: "absoluteMonthly", interval: 1, dayOfMonth: local.day }, range };
	}
	return {
		pattern: { type: "weekly", interval: recurrence.frequency === "biweekly" ? 2 : 1, daysOfWeek: [WEEKDAYS[local.dayOfWeek - 1] ?? "monday"], firstDayOfWeek: "monday" },
		range,
	};
}

function samePattern(a: GraphRecurrence | null | undefined, b: GraphRecurrence): boolean {
	if (a === null || a === undefined) return false;
	const key = (r: GraphRecurrence): string =>
		JSON.stringify([r.pattern.type, r.pattern.interval, r.pattern.dayOfMonth ?? null, r.pattern.daysOfWeek ?? null, r.range.type, r.range.startDate, r.range.numberOfOccurrences ?? null]);
	return key(a) === key(b);
}

function normalise(item: GraphEvent, window: SyncWindow): ExternalEvent | null {
	if (item.type === "seriesMaster" || item.start === undefined || item.end === undefined) return null;
	const start = graphInstant(item.start);
	const end = graphInstant(item.end);
	// Delta also reports events that merely left the window; those are removals for us.
	if (!(start < window.to && end > window.from)) return null;
	const allDay = item.isAllDay === true ? { startDate: localDateOf(item.start, start, item.originalStartTimeZone), endDate: localDateOf(item.end, end, item.originalEndTimeZone) } : null;
	const marker = item.singleValueExtendedProperties?.find((p) => p.id.toLowerCase() === GRAPH_BOOKING_PROPERTY.toLowerCase())?.value;
	return {
		id: item.id,
		slotlineBookingId: marker ?? bookingIdOf(item.transactionId),
		instances: [{
			instanceId: item.id,
			start,
			end,
			allDay,
			// responseStatus is the mailbox owner's own answer to an invitation, which counts like the event's own status.
			status: item.isCancelled === true ? "cancelled" : item.showAs === "tentative" || item.responseStatus?.response === "tentativelyAccepted" ? "tentative" : "confirmed",
			transparent: item.showAs === "free",
			declined: item.responseStatus?.response === "declined",
		}],
	};
}

/** We ask for UTC; a zone we cannot read (a Windows name) is treated as UTC too. */
function graphInstant(value: GraphDateTime): number {
	return instantOf(value.dateTime, ianaTimeZone(value.timeZone) !== null ? value.timeZone : "UTC");
}

/**
 * The calendar date of an all-day bound. All-day events are midnight in the zone they were made
 * in; when Graph already shows midnight, its date is the answer, otherwise convert to that zone.
 */
function localDateOf(value: GraphDateTime, instant: number, zone: string | undefined): string {
	if (/T00:00:00(?:\.0+)?$/.test(value.dateTime) || zone === undefined || ianaTimeZone(zone) === null) return value.dateTime.slice(0, 10);
	return Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(zone).toPlainDate().toString();
}

function jsonRequest(method: string, body: unknown): RequestInit {
	return { method, headers: { "content-type": "application/json", prefer: PREFER }, body: JSON.stringify(body) };
}

interface GraphPage<T> {
	value?: T[];
	"@odata.nextLink"?: string;
	"@odata.deltaLink"?: string;
}

interface GraphCalendar {
	id: string;
	name?: string;
	canEdit?: boolean;
	isDefaultCalendar?: boolean;
	owner?: { address?: string };
	allowedOnlineMeetingProviders?: string[];
}

interface GraphDateTime {
	dateTime: string;
	timeZone: string;
}

interface GraphRecurrence {
	pattern: { type: string; interval: number; dayOfMonth?: number; daysOfWeek?: string[]; firstDayOfWeek?: string };
	range: { type: string; startDate: string; numberOfOccurrences?: number; recurrenceTimeZone?: string };
}

interface GraphEvent {
	id: string;
	recurrence?: GraphRecurrence | null;
	"@odata.etag"?: string;
	"@removed"?: { reason: string };
	type?: string;
	start?: GraphDateTime;
	end?: GraphDateTime;
	originalStart?: string;
	originalStartTimeZone?: string;
	originalEndTimeZone?: string;
	isAllDay?: boolean;
	isCancelled?: boolean;
	showAs?: string;
	responseStatus?: { response?: string };
	transactionId?: string;
	seriesMasterId?: string | null;
	singleValueExtendedProperties?: Array<{ id: string; value: string }>;
	isOnlineMeeting?: boolean;
	onlineMeetingProvider?: string;
	onlineMeeting?: { joinUrl?: string | null } | null;
}
