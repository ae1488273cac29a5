// Read-only ICS feed subscription: a conditional GET of one URL, size-capped, hashed, through the iCalendar importer.
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { FetchFunction } from "./http";
import { discard, MAX_RESPONSE_BYTES, noAuthorization, ProviderHttp, providerError } from "./http";
import { eventsFromICalendar, ICalendarParseError } from "./icalendar";
import type { ICalendarImportResult } from "./icalendar";
import type { CalendarInfo, CalendarProvider, ExternalEvent, ProbeResult, SyncResult, SyncWindow, UnreadableItem } from "./provider";
import { CalendarUnavailableError, ProviderError, SyncCursorExpiredError } from "./provider";

/** Feeds larger than this are refused before parsing (responseTooLarge): a Worker has 128 MB and parsing multiplies it. */
export const MAX_FEED_BYTES = MAX_RESPONSE_BYTES;

const ACCEPT = "text/calendar, */*;q=0.5";

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

/** One state of the feed: the validators it was served with (either may be absent) and its body's SHA-256. */
interface FeedVersion {
	etag: string | null;
	lastModified: string | null;
	/** Hex. Says "unchanged" when validators cannot: a feed without them, or a new ETag for the same bytes. */
	sha256: string | null;
}

/** The sync cursor (its JSON); a probe's version is the JSON of the FeedVersion alone. */
interface FeedCursor extends FeedVersion {
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
		const response = await this.http.send(this.url, { headers: { accept: ACCEPT } });
		const text = decodeUtf8(await this.body(response));
		if (!/^\s*BEGIN:VCALENDAR/i.test(text.replace(/^\uFEFF/, ""))) throw new ProviderError({ provider: "ics", status: 200, code: "notICalendar", retryable: false });
		return [{ id: FEED_CALENDAR_ID, name: maskFeedUrl(this.url), writable: false, readable: true, primary: false, timeZone: null, onlineMeetings: null }];
	}

	/**
	 * The whole feed each time it changed (`full: true`). No change on a 304, nor when the body hashes as the last
	 * one did: a feed without validators costs one GET and a hash when unchanged, never a parse.
	 */
	async syncEvents(_calendarId: string, cursor: string | null, window: SyncWindow): Promise<SyncResult> {
		const previous = parseCursor(cursor);
		const read = await this.read(previous);
		if (read === null) return { full: false, changed: [], removed: [], cursor: cursor ?? "", unreadable: [] };
		if (previous !== null && previous.sha256 === read.version.sha256) {
			return { full: false, changed: [], removed: [], cursor: JSON.stringify({ ...read.version, ids: previous.ids } satisfies FeedCursor), unreadable: [] };
		}
		const { events, unreadable } = this.toEvents(decodeUtf8(read.bytes), window);
		const ids = events.map((e) => e.id);
		const next: FeedCursor = { ...read.version, ids };
		const removed = (previous?.ids ?? []).filter((id) => !ids.includes(id));
		// Feeds are snapshots, so this is always a full result; `removed` helps callers that diff.
		return { full: true, changed: events, removed, cursor: JSON.stringify(next), unreadable };
	}

	/**
	 * The same conditional GET as a sync, so polling and syncing agree on what "unchanged" means. `version` is the
	 * JSON of {etag, lastModified, sha256}. On a 200 with the bytes `since` hashed, `changed` is false while
	 * `version` carries the new validators: storing it lets the next probe end in a 304.
	 */
	async probe(_calendarId: string, since: string | null): Promise<ProbeResult> {
		const previous = parseVersion(since);
		const read = await this.read(previous);
		if (read === null) return { version: since, changed: false };
		return { version: JSON.stringify(read.version), changed: previous === null || previous.sha256 !== read.version.sha256 };
	}

	/** One GET, conditional on `previous`'s validators: null when the server answered 304, else the body and its version. */
	private async read(previous: FeedVersion | null): Promise<{ bytes: Uint8Array; version: FeedVersion } | null> {
		const headers: Record<string, string> = { accept: ACCEPT };
		if (previous?.etag != null) headers["if-none-match"] = previous.etag;
		if (previous?.lastModified != null) headers["if-modified-since"] = previous.lastModified;
		const response = await this.http.send(this.url, { headers });
		if (response.status === 304 && previous !== null) {
			await discard(response);
			return null;
		}
		const bytes = await this.body(response);
		const sha256 = encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
		return { bytes, version: { etag: response.headers.get("etag"), lastModified: response.headers.get("last-modified"), sha256 } };
	}

	/** The body of a successful answer (ProviderHttp capped its size); a gone feed is an unavailable calendar. */
	private async body(response: Response): Promise<Uint8Array> {
		if (response.status === 404 || response.status === 410) {
			await discard(response);
			throw new CalendarUnavailableError("ics", response.status, "feedGone");
		}
		if (!response.ok) {
			await discard(response);
			throw providerError("ics", response, `http${response.status}`);
		}
		return new Uint8Array(await response.arrayBuffer());
	}

	private toEvents(text: string, window: SyncWindow): { events: ExternalEvent[]; unreadable: UnreadableItem[] } {
		let result: ICalendarImportResult;
		try {
			result = eventsFromICalendar(text, { staffTimezone: window.timeZone, ownAddresses: this.ownAddresses, window: { from: window.from, to: window.to } });
		} catch (error) {
			if (error instanceof ICalendarParseError) throw new ProviderError({ provider: "ics", status: 200, code: "notICalendar", retryable: false });
			throw error;
		}
		// The UID and a category only: importer messages can quote the event's text.
		return { events: result.events, unreadable: result.errors.map((issue) => ({ id: issue.uid, problem: issue.problem })) };
	}
}

/** UTF-8 as Response.text() reads it (a byte order mark dropped). */
function decodeUtf8(bytes: Uint8Array): string {
	return new TextDecoder().decode(bytes);
}

function parseCursor(cursor: string | null): FeedCursor | null {
	if (cursor === null) return null;
	try {
		const value = JSON.parse(cursor) as FeedCursor;
		// Cursors written before bodies were hashed have no sha256: their next read parses.
		if (Array.isArray(value.ids)) return { ...value, sha256: typeof value.sha256 === "string" ? value.sha256 : null };
	} catch {
		// fall through
	}
	throw new SyncCursorExpiredError("ics", 0, "unreadableCursor");
}

/** A probe's `since`; one that cannot be read counts as unknown, so the probe reports a change. */
function parseVersion(since: string | null): FeedVersion | null {
	if (since === null) return null;
	try {
		const value = JSON.parse(since) as Partial<FeedVersion> | null;
		const nullableString = (v: unknown): v is string | null => v === null || typeof v === "string";
		if (value !== null && nullableString(value.etag) && nullableString(value.lastModified) && nullableString(value.sha256)) {
			return { etag: value.etag, lastModified: value.lastModified, sha256: value.sha256 };
		}
	} catch {
		// fall through
	}
	return null;
}
