// CalDAV adapter (Radicale, Nextcloud, iCloud): RFC 6764 discovery, conditional PUT/DELETE of booking
// events, and inbound sync by sync-collection (RFC 6578) with a ctag + calendar-query fallback.
import { compactUtc } from "./event-time";
import type { FetchFunction } from "./http";
import { basicAuthorization, discard, ProviderHttp, providerError } from "./http";
import { busyBlocksFromICalendar } from "./icalendar";
import { instanceOfBlock, slotlineMarkers } from "./icalendar-sync";
import { bookingICalendar, bookingUid } from "./icalendar-write";
import type { CalendarInfo, CalendarProvider, ExternalEvent, OutboundEvent, StoredEvent, SyncResult, SyncWindow } from "./provider";
import { CalendarUnavailableError, ProviderError, SyncCursorExpiredError } from "./provider";
import { escapeXml, hrefProperty, parseMultistatus, propfindBody, textOf } from "./webdav";
import type { DavResponse, Multistatus } from "./webdav";

export const ICLOUD_CALDAV_URL = "https://caldav.icloud.com";

/** Bodies fetched per calendar-multiget; keeps each answer well under Workers' memory. */
const MULTIGET_BATCH = 50;
/** Redirect hops followed by hand (iCloud sends clients to partition hosts). */
const MAX_REDIRECTS = 5;

export interface CalDavConfig {
	/** "icloud" only changes the provider name in errors; the protocol is the same. */
	provider: "caldav" | "icloud";
	/** Where discovery starts: a server root, a principal or home URL, or ICLOUD_CALDAV_URL. */
	serverUrl: string;
	username: string;
	/** For iCloud an app-specific password. */
	password: string;
	fetch: FetchFunction;
	/** The account's address, to recognise its own declined ATTENDEE line. */
	ownerEmail: string | null;
}

/** Sync cursors say which mechanism produced them, so the fallback survives a server upgrade. */
type Cursor = { kind: "sync"; token: string } | { kind: "ctag"; ctag: string };

export class CalDavCalendar implements CalendarProvider {
	readonly name: "caldav" | "icloud";
	/** CalDAV has no push for third parties (iCloud included): calendars are polled. */
	readonly push = null;
	private readonly http: ProviderHttp;
	private readonly serverUrl: string;
	private readonly ownerEmail: string | null;
	private home: string | null = null;

	constructor(config: CalDavConfig) {
		this.name = config.provider;
		this.http = new ProviderHttp({ provider: config.provider, fetch: config.fetch, authorization: basicAuthorization(config.username, config.password) });
		this.serverUrl = config.serverUrl;
		this.ownerEmail = config.ownerEmail;
	}

	async listCalendars(): Promise<CalendarInfo[]> {
		const home = await this.calendarHome();
		const listing = await this.propfind(home, "1", "<D:resourcetype/><D:displayname/><C:supported-calendar-component-set/><D:current-user-privilege-set/>");
		const calendars: CalendarInfo[] = [];
		for (const response of listing.responses) {
			const type = response.props.resourcetype;
			if (typeof type !== "object" || type === null || !("calendar" in type)) continue;
			// Reminders lists (iCloud) are VTODO-only collections: nothing to book into or block.
			if (!supportsEvents(response.props["supported-calendar-component-set"])) continue;
			calendars.push({
				id: response.href,
				name: textOf(response.props.displayname) ?? response.href,
				writable: canWrite(response.props["current-user-privilege-set"]),
				primary: false,
				timeZone: null,
			});
		}
		// CalDAV has no primary calendar; the first writable one is the sensible default target.
		const first = calendars.find((c) => c.writable);
		if (first !== undefined) first.primary = true;
		return calendars;
	}

	async putEvent(calendarId: string, event: OutboundEvent, previous: StoredEvent | null): Promise<StoredEvent> {
		const url = previous?.externalId ?? new URL(`${encodeURIComponent(bookingUid(event.bookingId))}.ics`, collectionUrl(calendarId)).toString();
		const body = bookingICalendar(event, Date.now());
		let etag = previous?.etag ?? null;
		let known = previous !== null;
		// Create with If-None-Match: *, update with If-Match. A 412 means our picture is stale (a
		// duplicate create, or someone edited the event): re-read the etag and try once more.
		for (let attempt = 0; ; attempt += 1) {
			if (known && etag === null) ({ etag, exists: known } = await this.currentEtag(url));
			const condition: Record<string, string> = known && etag !== null ? { "if-match": etag } : { "if-none-match": "*" };
			const response = await this.http.send(url, { method: "PUT", headers: { "content-type": "text/calendar; charset=utf-8", ...condition }, body });
			if (response.status === 412 && attempt === 0) {
				await discard(response);
				({ etag, exists: known } = await this.currentEtag(url));
				continue;
			}
			await this.check(response, calendarId);
			// A server that changed what we sent returns no (strong) ETag: read the stored one.
			const saved = response.headers.get("etag") ?? (await this.currentEtag(url)).etag;
			return { externalId: url, etag: saved };
		}
	}

	async deleteEvent(calendarId: string, bookingId: string, previous: StoredEvent | null): Promise<void> {
		const url = previous?.externalId ?? new URL(`${encodeURIComponent(bookingUid(bookingId))}.ics`, collectionUrl(calendarId)).toString();
		// No If-Match: the booking is gone, so whatever the event became, it goes too.
		const response = await this.http.send(url, { method: "DELETE" });
		if (response.status === 404 || response.status === 410) return discard(response);
		await this.check(response, null);
	}

	async syncEvents(calendarId: string, cursor: string | null, window: SyncWindow): Promise<SyncResult> {
		const collection = collectionUrl(calendarId);
		const parsed = parseCursor(cursor);
		if (parsed?.kind === "ctag") return this.syncByCtag(collection, parsed.ctag, window);
		const members = await this.syncCollection(collection, parsed?.token ?? "");
		if (members === null) return this.syncByCtag(collection, null, window);
		const unreadable: string[] = [];
		const changed = await this.multiget(collection, members.changed, window, unreadable);
		return { full: parsed === null, changed, removed: members.removed, cursor: JSON.stringify({ kind: "sync", token: members.token } satisfies Cursor), unreadable };
	}

	/**
	 * sync-collection from `token` ("" for everything), following 507 truncation until complete.
	 * Null when the server has no sync-collection report.
	 */
	private async syncCollection(collection: string, initialToken: string): Promise<{ changed: string[]; removed: string[]; token: string } | null> {
		const state = new Map<string, "changed" | "removed">();
		let token = initialToken;
		for (;;) {
			const body = `<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>${escapeXml(token)}</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`;
			const response = await this.http.send(collection, { method: "REPORT", headers: { depth: "0", "content-type": "application/xml; charset=utf-8" }, body });
			if (response.status !== 207) {
				const text = await response.text();
				// RFC 6578 §3.2: an unknown or expired token fails DAV:valid-sync-token (403 or 409).
				if (/valid-sync-token/.test(text) || (initialToken !== "" && (response.status === 403 || response.status === 409))) {
					throw new SyncCursorExpiredError(this.name, response.status, "valid-sync-token");
				}
				// The server has no sync-collection report: poll the ctag instead.
				if (initialToken === "" && [400, 403, 405, 415, 501].includes(response.status)) return null;
				throw this.failure(response, `http${response.status}`, collection);
			}
			const multistatus = parseMultistatus(await response.text(), collection);
			let truncated = false;
			for (const member of multistatus.responses) {
				if (member.status === 507 && sameResource(member.href, collection)) {
					truncated = true;
					continue;
				}
				if (sameResource(member.href, collection)) continue;
				state.set(member.href, member.status === 404 ? "removed" : "changed");
			}
			if (multistatus.syncToken === null) throw new ProviderError(this.name, 207, "missingSyncToken", false, null);
			token = multistatus.syncToken;
			if (!truncated) break;
		}
		const changed = [...state].filter(([, kind]) => kind === "changed").map(([href]) => href);
		const removed = [...state].filter(([, kind]) => kind === "removed").map(([href]) => href);
		return { changed, removed, token };
	}

	/** Servers without sync-collection: compare the ctag, and on a change re-read the window. */
	private async syncByCtag(collection: string, previousCtag: string | null, window: SyncWindow): Promise<SyncResult> {
		const status = await this.propfind(collection, "0", "<CS:getctag/>");
		const ctag = textOf(status.responses[0]?.props.getctag) ?? "";
		const cursor = JSON.stringify({ kind: "ctag", ctag } satisfies Cursor);
		if (previousCtag !== null && ctag !== "" && ctag === previousCtag) return { full: false, changed: [], removed: [], cursor, unreadable: [] };
		const range = `<C:time-range start="${compactUtc(window.from)}" end="${compactUtc(window.to)}"/>`;
		const body = `<?xml version="1.0" encoding="utf-8"?><C:calendar-query ${'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'}><D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">${range}</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
		const answer = await this.report(collection, "1", body);
		// A snapshot of the window: the caller replaces what it stored for this calendar.
		const unreadable: string[] = [];
		const changed = answer.responses.filter((r) => r.status === null || r.status === 200).map((r) => this.toExternal(r, window, unreadable));
		return { full: true, changed, removed: [], cursor, unreadable };
	}

	private async multiget(collection: string, hrefs: string[], window: SyncWindow, unreadable: string[]): Promise<ExternalEvent[]> {
		const events: ExternalEvent[] = [];
		for (let index = 0; index < hrefs.length; index += MULTIGET_BATCH) {
			const batch = hrefs.slice(index, index + MULTIGET_BATCH);
			const list = batch.map((href) => `<D:href>${escapeXml(new URL(href).pathname)}</D:href>`).join("");
			const body = `<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop>${list}</C:calendar-multiget>`;
			const answer = await this.report(collection, "1", body);
			for (const response of answer.responses) {
				// 404 here: deleted between the two reports; the next sync reports it as removed.
				if (response.status === 404) continue;
				events.push(this.toExternal(response, window, unreadable));
			}
		}
		return events;
	}

	/** One calendar resource as an ExternalEvent, through the shared iCalendar importer. */
	private toExternal(response: DavResponse, window: SyncWindow, unreadable: string[]): ExternalEvent {
		const text = textOf(response.props["calendar-data"]) ?? "";
		const marker = [...slotlineMarkers(text).values()][0] ?? null;
		try {
			// Free time (transparent, cancelled, declined) yields no blocks, so only busy instances arrive.
			const { blocks, errors } = busyBlocksFromICalendar(text, { staffTimezone: window.timeZone, staffEmail: this.ownerEmail, window: { from: window.from, to: window.to } });
			for (const issue of errors) unreadable.push(`${resourceName(response.href)}: ${issue.message}`);
			return {
				id: response.href,
				slotlineBookingId: marker,
				instances: blocks.map((block) => instanceOfBlock(block, window.timeZone)),
			};
		} catch (error) {
			// Unreadable resource: no instances, so nothing stale keeps blocking under its id.
			unreadable.push(`${resourceName(response.href)}: ${error instanceof Error ? error.message.slice(0, 200) : "unreadable"}`);
			return { id: response.href, slotlineBookingId: marker, instances: [] };
		}
	}

	/** RFC 6764: current-user-principal at the given URL or the well-known one, then calendar-home-set. */
	private async calendarHome(): Promise<string> {
		if (this.home !== null) return this.home;
		const wellKnown = [this.serverUrl, new URL("/.well-known/caldav", this.serverUrl).toString(), `${this.serverUrl.replace(/\/$/, "")}/.well-known/caldav`];
		let principal: string | null = null;
		for (const candidate of wellKnown) {
			const found = await this.propfind(candidate, "0", "<D:current-user-principal/>").catch((error: unknown) => {
				if (error instanceof ProviderError && !error.retryable && !(error.name === "TokenRevokedError")) return null;
				throw error;
			});
			const response = found?.responses[0];
			principal = response === undefined ? null : hrefProperty(response.props["current-user-principal"], response.href);
			if (principal !== null) break;
		}
		if (principal === null) throw new ProviderError(this.name, 404, "noPrincipal", false, null, "CalDAV discovery found no principal");
		const homes = await this.propfind(principal, "0", "<C:calendar-home-set/>");
		const response = homes.responses[0];
		// Absolute and possibly on another host (iCloud partitions): never assume the server's host.
		const home = response === undefined ? null : hrefProperty(response.props["calendar-home-set"], response.href);
		if (home === null) throw new ProviderError(this.name, 404, "noCalendarHome", false, null, "CalDAV discovery found no calendar home");
		this.home = home;
		return home;
	}

	private async propfind(url: string, depth: "0" | "1", props: string): Promise<Multistatus> {
		return this.dav(url, "PROPFIND", depth, propfindBody(props));
	}

	private async report(url: string, depth: "0" | "1", body: string): Promise<Multistatus> {
		return this.dav(url, "REPORT", depth, body);
	}

	/** A DAV request whose redirects are followed by hand, so credentials go to the partition host too. */
	private async dav(url: string, method: string, depth: string, body: string): Promise<Multistatus> {
		let target = url;
		for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
			const response = await this.http.send(target, { method, headers: { depth, "content-type": "application/xml; charset=utf-8" }, body, redirect: "manual" });
			const location = response.headers.get("location");
			if (response.status >= 300 && response.status < 400 && location !== null) {
				await discard(response);
				target = new URL(location, target).toString();
				continue;
			}
			if (response.status !== 207) throw this.failure(response, `http${response.status}`, url);
			try {
				return parseMultistatus(await response.text(), target);
			} catch {
				throw new ProviderError(this.name, 207, "badMultistatus", false, null);
			}
		}
		throw new ProviderError(this.name, 310, "tooManyRedirects", false, null);
	}

	private async currentEtag(url: string): Promise<{ etag: string | null; exists: boolean }> {
		const response = await this.http.send(url, { method: "GET" });
		await discard(response);
		if (response.status === 404) return { etag: null, exists: false };
		if (!response.ok) throw this.failure(response, `http${response.status}`, null);
		return { etag: response.headers.get("etag"), exists: true };
	}

	private async check(response: Response, calendarId: string | null): Promise<void> {
		if (response.ok) return discard(response);
		const text = await response.text().catch(() => "");
		// RFC 4791 preconditions name the reason (no-uid-conflict, valid-calendar-data, ...).
		const code = /<(?:[\w-]+:)?(no-uid-conflict|valid-calendar-data|valid-calendar-object-resource|max-resource-size)\b/.exec(text)?.[1] ?? `http${response.status}`;
		throw this.failure(response, code, calendarId);
	}

	private failure(response: Response, code: string, calendarId: string | null): ProviderError {
		const error = providerError(this.name, response, code);
		if (calendarId !== null && !error.retryable && (response.status === 404 || response.status === 403)) return new CalendarUnavailableError(this.name, response.status, code);
		return error;
	}
}

function collectionUrl(calendarId: string): string {
	return calendarId.endsWith("/") ? calendarId : `${calendarId}/`;
}

function sameResource(a: string, b: string): boolean {
	return a.replace(/\/$/, "") === b.replace(/\/$/, "");
}

function parseCursor(cursor: string | null): Cursor | null {
	if (cursor === null) return null;
	try {
		const value = JSON.parse(cursor) as Cursor;
		if (value.kind === "sync" && typeof value.token === "string") return value;
		if (value.kind === "ctag" && typeof value.ctag === "string") return value;
	} catch {
		// fall through: an unreadable cursor is an expired one
	}
	throw new SyncCursorExpiredError("caldav", 0, "unreadableCursor");
}

function supportsEvents(componentSet: unknown): boolean {
	// No set means every component type is allowed (RFC 4791 §5.2.3).
	if (typeof componentSet !== "object" || componentSet === null) return true;
	const comps = (componentSet as { comp?: Array<{ "@name"?: string }> }).comp ?? [];
	return comps.some((c) => c["@name"]?.toUpperCase() === "VEVENT");
}

function canWrite(privileges: unknown): boolean {
	// Servers that do not report privileges let the owner write to their own calendars.
	if (typeof privileges !== "object" || privileges === null) return true;
	const names = JSON.stringify(privileges);
	return /"(?:all|write|write-content|bind)"/.test(names);
}

/** The resource's file name, for log lines (never the server or account part of the URL). */
function resourceName(href: string): string {
	return decodeURIComponent(href.split("/").filter((part) => part !== "").at(-1) ?? href);
}
