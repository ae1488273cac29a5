// Google Calendar v3 adapter: calendar list, idempotent booking writes, incremental sync, push channels.
import { nearestInPalette } from "./colour";
import { compactUtc, instantOf, midnightOf, rruleOf, wallClock } from "./event-time";
import type { Authorization, FetchFunction } from "./http";
import { bearerAuthorization, discard, jsonOrNull, ProviderHttp, providerError } from "./http";
import type {
	AccessTokenSource,
	CalendarInfo,
	CalendarProvider,
	EventWriter,
	ExternalEvent,
	OutboundEvent,
	PushChannels,
	PushSubscription,
	StoredEvent,
	StoredMeeting,
	SyncResult,
	SyncWindow,
	WatchRequest,
	WrittenEvent,
} from "./provider";
import { CalendarUnavailableError, ProviderError, SyncCursorExpiredError } from "./provider";

export const GOOGLE_CALENDAR_API = "https://www.googleapis.com/calendar/v3";

/** Where the booking id lives on our events (per calendar copy, invisible to attendees). */
export const GOOGLE_BOOKING_PROPERTY = "slotlineBookingId";

/** Event palette of colors.get (docs/providers.md A6); fixed for years, so not fetched per write. */
const EVENT_COLORS: ReadonlyArray<readonly [string, string]> = [
	["1", "#a4bdfc"], ["2", "#7ae7bf"], ["3", "#dbadff"], ["4", "#ff887c"], ["5", "#fbd75b"], ["6", "#ffb878"],
	["7", "#46d6db"], ["8", "#e1e1e1"], ["9", "#5484ed"], ["10", "#51b749"], ["11", "#dc2127"],
];

/** Google allows up to 2500; fewer round trips for big calendars. */
const PAGE_SIZE = "2500";

/**
 * Only what availability needs (partial response): ids, times and zones, status, transparency, the
 * attendees' response flags (never their addresses) and our private marker. Titles, descriptions and
 * locations never leave Google.
 */
const EVENT_FIELDS = "items(id,status,start,end,transparency,attendees(self,responseStatus),extendedProperties/private),timeZone,nextPageToken,nextSyncToken";
const CALENDAR_FIELDS = "items(id,summary,summaryOverride,accessRole,primary,deleted,timeZone,conferenceProperties),nextPageToken";
/** What a read of our own event needs to see its conference; nothing about its people or text. */
const CONFERENCE_FIELDS = "id,etag,status,hangoutLink,conferenceData";

/**
 * Waits before each read of an event whose Meet is still `pending` (docs/integrations.md 1.3). Usually none
 * is needed (Meet comes back `success` on insert); still pending after these, the caller writes again later.
 */
const CONFERENCE_WAITS_MS: readonly number[] = [250, 750, 1_500];

/**
 * What a 404 or 403 means for a request: on a calendar path both say the calendar is gone or no
 * longer writable; on one event only the 403 does (a 404 there is that event).
 */
type Scope = { calendarId: string; level: "calendar" | "event" } | null;

export interface GoogleCalendarConfig {
	tokens: AccessTokenSource;
	fetch: FetchFunction;
	/** Defaults to GOOGLE_CALENDAR_API; the sandbox in tests. */
	apiBaseUrl?: string;
	/** Per request; ProviderHttp's default (30 s) when absent. */
	timeoutMs?: number;
	/** Waits before re-reading an event whose Meet is pending; CONFERENCE_WAITS_MS when absent. */
	conferenceWaitsMs?: readonly number[];
}

export class GoogleCalendar implements CalendarProvider, EventWriter {
	readonly name = "google" as const;
	readonly push: PushChannels;
	readonly writer: EventWriter = this;
	private readonly http: ProviderHttp;
	private readonly base: string;
	private readonly conferenceWaitsMs: readonly number[];

	constructor(config: GoogleCalendarConfig) {
		const authorization: Authorization = bearerAuthorization(config.tokens);
		this.http = new ProviderHttp({ provider: "google", fetch: config.fetch, authorization, timeoutMs: config.timeoutMs });
		this.base = (config.apiBaseUrl ?? GOOGLE_CALENDAR_API).replace(/\/$/, "");
		this.conferenceWaitsMs = config.conferenceWaitsMs ?? CONFERENCE_WAITS_MS;
		this.push = {
			watch: (calendarId, request) => this.watch(calendarId, request),
			renew: (calendarId, subscription, request) => this.renew(calendarId, subscription, request),
			stop: (subscription) => this.stop(subscription),
		};
	}

	async listCalendars(): Promise<CalendarInfo[]> {
		const calendars: CalendarInfo[] = [];
		let pageToken: string | null = null;
		do {
			const query = new URLSearchParams({ maxResults: "250", fields: CALENDAR_FIELDS });
			if (pageToken !== null) query.set("pageToken", pageToken);
			const page = (await this.json("GET", `/users/me/calendarList?${query}`)) as CalendarListPage;
			for (const entry of page.items ?? []) {
				if (entry.deleted === true) continue;
				calendars.push({
					id: entry.id,
					name: entry.summaryOverride ?? entry.summary ?? entry.id,
					writable: entry.accessRole === "owner" || entry.accessRole === "writer",
					// calendar.events.owned reads events of owned calendars only; others would fail every sync.
					readable: entry.accessRole === "owner",
					primary: entry.primary === true,
					timeZone: entry.timeZone ?? null,
					onlineMeetings: entry.conferenceProperties?.allowedConferenceSolutionTypes === undefined ? null : entry.conferenceProperties.allowedConferenceSolutionTypes.includes("hangoutsMeet") ? ["google_meet"] : [],
				});
			}
			pageToken = page.nextPageToken ?? null;
		} while (pageToken !== null);
		return calendars;
	}

	async putEvent(calendarId: string, event: OutboundEvent, previous: StoredEvent | null): Promise<WrittenEvent> {
		try {
			return await this.write(calendarId, event, previous);
		} catch (error) {
			// 400 "Invalid conference type value.": this calendar may not hold Meet (a Workspace setting). The
			// booking still belongs in it: written without the conference, whose refusal the caller records.
			if (event.conference === null || !(error instanceof ProviderError) || error.status !== 400) throw error;
			const written = await this.write(calendarId, { ...event, conference: null }, previous);
			return { ...written, meeting: { joinUrl: null, conferenceId: null, status: "refused" } };
		}
	}

	private async write(calendarId: string, event: OutboundEvent, previous: StoredEvent | null): Promise<WrittenEvent> {
		const id = previous?.externalId ?? googleEventId(event.bookingId);
		const body = eventBody(event);
		// Without conferenceDataVersion=1 Google ignores conferenceData; with it, writes that omit it keep the conference.
		const query = event.conference === null ? "" : "?conferenceDataVersion=1";
		let saved: GoogleEventResource;
		if (previous === null) {
			saved = await this.create(calendarId, id, body, query);
		} else {
			// Unknown event, or a calendar that is gone: the create says which (404 on the calendar).
			saved = (await this.patchGuarded(calendarId, id, { ...body, status: "confirmed" }, previous.etag, query)) ?? (await this.create(calendarId, id, body, query));
		}
		for (const exception of event.recurrence?.exceptions ?? []) {
			const instancePath = eventPath(calendarId, `${id}_${compactUtc(exception.originalStart)}`);
			if (exception.kind === "cancelled") {
				await this.remove(instancePath, { calendarId, level: "event" });
			} else {
				await this.json("PATCH", instancePath, {
					status: "confirmed",
					start: { dateTime: wallClock(exception.start, event.timeZone), timeZone: event.timeZone },
					end: { dateTime: wallClock(exception.end, event.timeZone), timeZone: event.timeZone },
				}, { calendarId, level: "event" });
			}
		}
		if (event.conference === null) return { externalId: saved.id, etag: saved.etag ?? null, meeting: null };
		return this.awaitConference(calendarId, saved);
	}

	/**
	 * The event's Meet as it stands, reading the event again while Google still makes it (`pending`). A read
	 * that fails leaves it pending: the event itself is written, and the caller's next write reads again.
	 */
	private async awaitConference(calendarId: string, saved: GoogleEventResource): Promise<WrittenEvent> {
		let current = saved;
		for (const wait of this.conferenceWaitsMs) {
			if (meetingOf(current).status !== "pending") break;
			await new Promise((resolve) => setTimeout(resolve, wait));
			try {
				current = (await this.json("GET", `${eventPath(calendarId, saved.id)}?fields=${CONFERENCE_FIELDS}`, undefined, { calendarId, level: "event" })) as GoogleEventResource;
			} catch (error) {
				if (!(error instanceof ProviderError) || !error.retryable) throw error;
				break;
			}
		}
		return { externalId: current.id, etag: current.etag ?? saved.etag ?? null, meeting: meetingOf(current) };
	}

	async deleteEvent(calendarId: string, bookingId: string, previous: StoredEvent | null): Promise<void> {
		await this.remove(eventPath(calendarId, previous?.externalId ?? googleEventId(bookingId)), { calendarId, level: "calendar" });
	}

	async syncEvents(calendarId: string, cursor: string | null, window: SyncWindow): Promise<SyncResult> {
		const changed: ExternalEvent[] = [];
		const removed: string[] = [];
		// Incremental requests must repeat the initial parameters except the forbidden ones
		// (timeMin/timeMax): the window only bounds the initial full sync.
		const request = (pageToken: string | null): Promise<EventsPage> => {
			const query = new URLSearchParams({ singleEvents: "true", maxResults: PAGE_SIZE, fields: EVENT_FIELDS });
			if (cursor === null) {
				query.set("timeMin", new Date(window.from).toISOString());
				query.set("timeMax", new Date(window.to).toISOString());
			} else {
				query.set("syncToken", cursor);
			}
			if (pageToken !== null) query.set("pageToken", pageToken);
			return this.page(calendarId, `${this.base}${eventsPath(calendarId)}?${query}`);
		};
		let next = request(null);
		for (;;) {
			const page = await next;
			// A page may be short or empty while nextPageToken is present; only the last has nextSyncToken.
			const more = page.nextPageToken !== undefined;
			// Ask for the next page before reading this one: Google prepares it while we translate.
			if (page.nextPageToken !== undefined) {
				next = request(page.nextPageToken);
				// Reported when awaited; until then a failure must not count as unhandled.
				next.catch(() => undefined);
			}
			const calendarZone = page.timeZone ?? window.timeZone;
			for (const item of page.items ?? []) {
				const normalised = normalise(item, calendarZone, window);
				if (normalised === null) removed.push(item.id);
				else changed.push(normalised);
			}
			if (more) continue;
			if (page.nextSyncToken === undefined) throw new ProviderError({ provider: "google", status: 200, code: "missingSyncToken", retryable: false });
			return { full: cursor === null, changed, removed, cursor: page.nextSyncToken, unreadable: [] };
		}
	}

	/** One events.list page; 410 means the sync token (or a very old one's window) is gone. */
	private async page(calendarId: string, url: string): Promise<EventsPage> {
		const response = await this.http.send(url);
		if (response.status === 410) {
			await discard(response);
			throw new SyncCursorExpiredError("google", 410, "fullSyncRequired");
		}
		return (await this.read(response, { calendarId, level: "calendar" })) as EventsPage;
	}

	/**
	 * A refused watch says only that push is unavailable for this calendar (some calendars never offer
	 * it, and a 404 here need not come from the calendar at all), never that the calendar is gone:
	 * whether it is gone is for the events.list read to say.
	 */
	private async watch(calendarId: string, request: WatchRequest): Promise<PushSubscription> {
		const channel = (await this.json("POST", `${eventsPath(calendarId)}/watch`, {
			// Channel ids are ours to choose and must be unique per project.
			id: crypto.randomUUID(),
			type: "web_hook",
			address: request.address,
			token: request.secret,
			params: { ttl: String(request.ttlSeconds) },
		})) as { id: string; resourceId: string; expiration?: string };
		return {
			id: channel.id,
			resourceId: channel.resourceId,
			expiresAt: channel.expiration === undefined ? Date.now() + request.ttlSeconds * 1000 : Number(channel.expiration),
		};
	}

	/** Google cannot extend a channel: open a new one, then stop the old (both may deliver briefly). */
	private async renew(calendarId: string, subscription: PushSubscription, request: WatchRequest): Promise<PushSubscription> {
		const next = await this.watch(calendarId, request);
		await this.stop(subscription);
		return next;
	}

	private async stop(subscription: PushSubscription): Promise<void> {
		const response = await this.http.send(`${this.base}/channels/stop`, jsonRequest("POST", { id: subscription.id, resourceId: subscription.resourceId }));
		if (response.status === 404) return discard(response);
		await this.read(response, null);
	}

	/**
	 * Inserts the event under its deterministic id. 409: the id exists, live or as a deleted tombstone
	 * (ids stay reserved). Either way it is our event (the id comes from the booking), so bring it to
	 * the wanted state; status "confirmed" revives a tombstone.
	 */
	private async create(calendarId: string, id: string, body: Record<string, unknown>, query: string): Promise<GoogleEventResource> {
		const created = await this.http.send(`${this.base}${eventsPath(calendarId)}${query}`, jsonRequest("POST", { id, ...body }));
		if (created.status !== 409) return (await this.read(created, { calendarId, level: "calendar" })) as GoogleEventResource;
		await discard(created);
		return (await this.json("PATCH", `${eventPath(calendarId, id)}${query}`, { ...body, status: "confirmed" }, { calendarId, level: "event" })) as GoogleEventResource;
	}

	/**
	 * PATCH under If-Match with the etag we last stored (docs/providers.md A1). A write of ours whose answer
	 * was lost and that reaches Google after a newer one carries an old etag and is refused, so it can
	 * never undo the newer one. A 412 on this, the booking's newest version, only means the event changed
	 * since (that late write, or its owner), so it is written once more without the precondition.
	 * Null when the event is unknown (404).
	 */
	private async patchGuarded(calendarId: string, id: string, body: Record<string, unknown>, etag: string | null, query: string): Promise<GoogleEventResource | null> {
		const url = `${this.base}${eventPath(calendarId, id)}${query}`;
		let response = await this.http.send(url, jsonRequest("PATCH", body, etag === null ? {} : { "if-match": etag }));
		if (response.status === 412) {
			await discard(response);
			response = await this.http.send(url, jsonRequest("PATCH", body));
		}
		if (response.status === 404) {
			await discard(response);
			return null;
		}
		return (await this.read(response, { calendarId, level: "event" })) as GoogleEventResource;
	}

	/** DELETE where already gone (404, or 410 for a deleted event) is success. */
	private async remove(path: string, scope: Scope): Promise<void> {
		const response = await this.http.send(`${this.base}${path}`, { method: "DELETE" });
		if (response.status === 404 || response.status === 410) return discard(response);
		await this.read(response, scope);
	}

	private async json(method: string, path: string, body?: unknown, scope: Scope = null): Promise<unknown> {
		const init: RequestInit = body === undefined ? { method } : jsonRequest(method, body);
		return this.read(await this.http.send(`${this.base}${path}`, init), scope);
	}

	/** The JSON of a successful response, or the typed error of a failed one. */
	private async read(response: Response, scope: Scope): Promise<unknown> {
		if (response.ok) return response.status === 204 ? null : await response.json();
		const body = (await jsonOrNull(response)) as GoogleErrorBody | null;
		const reason = body?.error?.errors?.[0]?.reason ?? `http${response.status}`;
		const error = providerError("google", response, reason);
		if (scope !== null && !error.retryable && (UNWRITABLE_REASONS.has(reason) || (scope.level === "calendar" && response.status === 404))) {
			throw new CalendarUnavailableError("google", response.status, reason);
		}
		throw error;
	}
}

/**
 * 403 reasons that mean the calendar is read-only for us now: access lowered to reader
 * (requiredAccessLevel), or no longer owned while we hold calendar.events.owned (insufficientPermissions).
 * quotaExceeded is not among them: that calendar comes back by itself after hours.
 */
const UNWRITABLE_REASONS = new Set(["requiredAccessLevel", "forbidden", "insufficientPermissions"]);

/**
 * The Google event id of a booking: its UTF-8 bytes in base32hex (a–v, 0–9), as Google requires.
 * Deterministic, so a create delivered twice meets the first one as a 409.
 */
export function googleEventId(bookingId: string): string {
	const alphabet = "0123456789abcdefghijklmnopqrstuv";
	let bits = 0;
	let value = 0;
	let out = "";
	for (const byte of new TextEncoder().encode(bookingId)) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += alphabet[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
	// Google wants at least 5 characters.
	return out.padEnd(5, "0");
}

/** The event colour nearest (in RGB) to a hex colour. */
export function nearestGoogleColorId(hex: string): string {
	return nearestInPalette(hex, EVENT_COLORS, ([, colour]) => colour)[0];
}

function eventBody(event: OutboundEvent): Record<string, unknown> {
	const body: Record<string, unknown> = {
		summary: event.title,
		description: event.description ?? "",
		location: event.location ?? "",
		start: { dateTime: wallClock(event.start, event.timeZone), timeZone: event.timeZone },
		end: { dateTime: wallClock(event.end, event.timeZone), timeZone: event.timeZone },
		transparency: "opaque",
		extendedProperties: { private: { [GOOGLE_BOOKING_PROPERTY]: event.bookingId } },
	};
	if (event.color !== null) body.colorId = nearestGoogleColorId(event.color.hex);
	// Google ignores a createRequest whose requestId the event's conference already has: every write may
	// send it, and a Meet is made once. Not sent for Teams, which no Google calendar can host.
	if (event.conference?.provider === "google_meet") {
		body.conferenceData = { createRequest: { requestId: event.conference.requestId, conferenceSolutionKey: { type: "hangoutsMeet" } } };
	}
	// timeZone on start/end (set above) is required for recurring events.
	if (event.recurrence !== null) body.recurrence = [`RRULE:${rruleOf(event.recurrence, event.start, event.timeZone)}`];
	return body;
}

/** Where an event's conference stands: its video link once made, `pending` while Google makes it. */
function meetingOf(event: GoogleEventResource): StoredMeeting {
	const data = event.conferenceData;
	const video = data?.entryPoints?.find((entry) => entry.entryPointType === "video")?.uri ?? event.hangoutLink;
	if (video !== undefined) return { joinUrl: video, conferenceId: data?.conferenceId ?? null, status: "ready" };
	if (data?.createRequest?.status?.statusCode === "pending") return { joinUrl: null, conferenceId: null, status: "pending" };
	// "failure", or no conference at all after asking for one (a type the calendar refused is a 400 instead).
	return { joinUrl: null, conferenceId: null, status: "refused" };
}

function normalise(item: GoogleEventResource, calendarZone: string, window: SyncWindow): ExternalEvent | null {
	// Cancelled items in a sync are deletions (or cancelled instances): they guarantee only an id.
	if (item.status === "cancelled" || item.start === undefined || item.end === undefined) return null;
	const allDay = item.start.date !== undefined && item.end.date !== undefined ? { startDate: item.start.date, endDate: item.end.date } : null;
	const start = allDay === null ? instantOf(item.start.dateTime ?? "", item.start.timeZone ?? calendarZone) : midnightOf(allDay.startDate, window.timeZone);
	const end = allDay === null ? instantOf(item.end.dateTime ?? "", item.end.timeZone ?? calendarZone) : midnightOf(allDay.endDate, window.timeZone);
	// An incremental sync reports changes anywhere in the calendar; outside the window is "not ours".
	if (!(start < window.to && end > window.from)) return null;
	const own = item.attendees?.find((a) => a.self === true);
	return {
		id: item.id,
		slotlineBookingId: item.extendedProperties?.private?.[GOOGLE_BOOKING_PROPERTY] ?? null,
		instances: [{
			instanceId: item.id,
			start,
			end,
			allDay,
			// The person's own answer to an invitation counts like the event's status (RFC 5545 PARTSTAT).
			status: item.status === "tentative" || own?.responseStatus === "tentative" ? "tentative" : "confirmed",
			transparent: item.transparency === "transparent",
			declined: own?.responseStatus === "declined",
		}],
	};
}

function eventsPath(calendarId: string): string {
	return `/calendars/${encodeURIComponent(calendarId)}/events`;
}

function eventPath(calendarId: string, eventId: string): string {
	return `${eventsPath(calendarId)}/${encodeURIComponent(eventId)}`;
}

function jsonRequest(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
	return { method, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

interface GoogleDateTime {
	date?: string;
	dateTime?: string;
	timeZone?: string;
}

interface GoogleEventResource {
	id: string;
	etag?: string;
	status?: "confirmed" | "tentative" | "cancelled";
	start?: GoogleDateTime;
	end?: GoogleDateTime;
	transparency?: "opaque" | "transparent";
	attendees?: Array<{ self?: boolean; responseStatus?: string }>;
	extendedProperties?: { private?: Record<string, string> };
	hangoutLink?: string;
	conferenceData?: {
		conferenceId?: string;
		createRequest?: { status?: { statusCode?: "pending" | "success" | "failure" } };
		entryPoints?: Array<{ entryPointType?: string; uri?: string }>;
	};
}

interface EventsPage {
	items?: GoogleEventResource[];
	timeZone?: string;
	nextPageToken?: string;
	nextSyncToken?: string;
}

interface CalendarListPage {
	items?: Array<{
		id: string;
		summary?: string;
		summaryOverride?: string;
		accessRole?: string;
		primary?: boolean;
		deleted?: boolean;
		timeZone?: string;
		conferenceProperties?: { allowedConferenceSolutionTypes?: string[] };
	}>;
	nextPageToken?: string;
}

interface GoogleErrorBody {
	error?: { errors?: Array<{ reason?: string }> };
}
