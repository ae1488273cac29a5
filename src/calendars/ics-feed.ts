// Read-only ICS feed subscription: a conditional GET of one URL, size-capped, through the iCalendar importer.
import type { FetchFunction } from "./http";
import { discard, MAX_RESPONSE_BYTES, noAuthorization, ProviderHttp, providerError } from "./http";
import { busyBlocksFromICalendar, ICalendarParseError } from "./icalendar";
import { instanceOfBlock, slotlineMarkers } from "./icalendar-sync";
import type { CalendarInfo, CalendarProvider, ExternalEvent, SyncResult, SyncWindow, UnreadableItem } from "./provider";
import { CalendarUnavailableError, ProviderError, SyncCursorExpiredError } from "./provider";

/** Feeds larger than this are refused before parsing (responseTooLarge): a Worker has 128 MB and parsing multiplies it. */
export const MAX_FEED_BYTES = MAX_RESPONSE_BYTES;

/**
 * The one calendar of a feed. Not the URL: feed URLs often carry a secret token, so the URL lives
 * only in the sealed credentials and never in a calendar id, a log line or a response.
 */
export const FEED_CALENDAR_ID = "feed";

/**
 * A feed URL as it may be shown: scheme and host, with the path masked except a plain file name
 * ("https://calendar.example.com/…/basic.ics"); the query, user info and anything token-like are dropped.
 */
export function maskFeedUrl(url: string): string {
	const parsed = new URL(url.replace(/^webcal:/i, "https:"));
	const segments = parsed.pathname.split("/").filter((part) => part !== "");
	const last = segments.at(-1) ?? "";
	// Letters, dots and dashes only: a file name like "basic.ics", never a random-looking token.
	const fileName = /^[A-Za-z._-]{1,40}$/.test(last) ? last : null;
	const hidden = segments.length > (fileName === null ? 0 : 1);
	return `${parsed.protocol}//${parsed.host}/${hidden ? "…" : ""}${hidden && fileName !== null ? "/" : ""}${fileName ?? ""}`;
}

export interface IcsFeedConfig {
	/** The feed URL (webcal:// is read as https://). */
	url: string;
	/** The calendar owner's addresses, to recognise their own declined ATTENDEE line. */
	ownAddresses: readonly string[];
	fetch: FetchFunction;
	maxBytes?: number;
	/** Per request; ProviderHttp's default (30 s) when absent. */
	timeoutMs?: number;
}

/** Validators of the last fetch; the cursor is their JSON. */
interface FeedCursor {
	etag: string | null;
	lastModified: string | null;
	/** UIDs in the last snapshot, so ones that vanish can be reported as removed. */
	ids: string[];
}

export class IcsFeed implements CalendarProvider {
	readonly name = "ics" as const;
	/** A feed cannot push: it is polled. */
	readonly push = null;
	/** A feed is read-only: no booking is ever written to it. */
	readonly writer = null;
	private readonly http: ProviderHttp;
	private readonly url: string;
	private readonly ownAddresses: readonly string[];

	constructor(config: IcsFeedConfig) {
		this.url = config.url.replace(/^webcal:/i, "https:");
		this.http = new ProviderHttp({ provider: "ics", fetch: config.fetch, authorization: noAuthorization(), timeoutMs: config.timeoutMs, maxResponseBytes: config.maxBytes ?? MAX_FEED_BYTES });
		this.ownAddresses = config.ownAddresses;
	}

	/** Reads the feed once, so a wrong or dead URL is refused before anything is stored. */
	async listCalendars(): Promise<CalendarInfo[]> {
		const response = await this.http.send(this.url, { headers: { accept: "text/calendar, */*;q=0.5" } });
		const text = await this.body(response);
		if (!/^\s*BEGIN:VCALENDAR/i.test(text.replace(/^\uFEFF/, ""))) throw new ProviderError("ics", 200, "notICalendar", false, null);
		return [{ id: FEED_CALENDAR_ID, name: maskFeedUrl(this.url), writable: false, readable: true, primary: false, timeZone: null }];
	}

	/** The whole feed each time it changed (`full: true`); 304 or identical validators: no change. */
	async syncEvents(_calendarId: string, cursor: string | null, window: SyncWindow): Promise<SyncResult> {
		const previous = parseCursor(cursor);
		const headers: Record<string, string> = { accept: "text/calendar, */*;q=0.5" };
		if (previous?.etag != null) headers["if-none-match"] = previous.etag;
		if (previous?.lastModified != null) headers["if-modified-since"] = previous.lastModified;
		const response = await this.http.send(this.url, { headers });
		if (response.status === 304 && previous !== null) {
			await discard(response);
			return { full: false, changed: [], removed: [], cursor: cursor ?? "", unreadable: [] };
		}
		const text = await this.body(response);
		const { events, unreadable } = this.toEvents(text, window);
		const ids = events.map((e) => e.id);
		const next: FeedCursor = { etag: response.headers.get("etag"), lastModified: response.headers.get("last-modified"), ids };
		const removed = (previous?.ids ?? []).filter((id) => !ids.includes(id));
		// Feeds are snapshots, so this is always a full result; `removed` helps callers that diff.
		return { full: true, changed: events, removed, cursor: JSON.stringify(next), unreadable };
	}

	/** The body of a successful answer (ProviderHttp capped its size); a gone feed is an unavailable calendar. */
	private async body(response: Response): Promise<string> {
		if (response.status === 404 || response.status === 410) {
			await discard(response);
			throw new CalendarUnavailableError("ics", response.status, "feedGone");
		}
		if (!response.ok) {
			await discard(response);
			throw providerError("ics", response, `http${response.status}`);
		}
		return response.text();
	}

	private toEvents(text: string, window: SyncWindow): { events: ExternalEvent[]; unreadable: UnreadableItem[] } {
		let result: ReturnType<typeof busyBlocksFromICalendar>;
		try {
			result = busyBlocksFromICalendar(text, { staffTimezone: window.timeZone, ownAddresses: this.ownAddresses, window: { from: window.from, to: window.to } });
		} catch (error) {
			if (error instanceof ICalendarParseError) throw new ProviderError("ics", 200, "notICalendar", false, null);
			throw error;
		}
		// One ExternalEvent per UID; the importer already dropped free time and our own events.
		const byUid = new Map<string, ExternalEvent>();
		for (const block of result.blocks) {
			const event = byUid.get(block.uid) ?? { id: block.uid, slotlineBookingId: null, instances: [] };
			event.instances.push(instanceOfBlock(block, window.timeZone));
			byUid.set(block.uid, event);
		}
		for (const [uid, bookingId] of slotlineMarkers(text)) byUid.set(uid, { id: uid, slotlineBookingId: bookingId, instances: [] });
		// The UID and a category only: importer messages can quote the event's text.
		return { events: [...byUid.values()], unreadable: result.errors.map((issue) => ({ id: issue.uid, problem: issue.problem })) };
	}
}

function parseCursor(cursor: string | null): FeedCursor | null {
	if (cursor === null) return null;
	try {
		const value = JSON.parse(cursor) as FeedCursor;
		if (Array.isArray(value.ids)) return value;
	} catch {
		// fall through
	}
	throw new SyncCursorExpiredError("ics", 0, "unreadableCursor");
}
