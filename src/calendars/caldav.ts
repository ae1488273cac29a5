// CalDAV adapter (Radicale, Nextcloud, iCloud): RFC 6764 discovery, conditional PUT/DELETE of booking
// events, inbound sync by sync-collection (RFC 6578) with a ctag + calendar-query fallback, and the one-request
// probe that polling asks first.
import { compactUtc } from "./event-time";
import type { FetchFunction } from "./http";
import { basicAuthorization, discard, ProviderHttp, providerError } from "./http";
import { eventsFromICalendar } from "./icalendar";
import { bookingICalendar, bookingUid } from "./icalendar-write";
import type { CalendarInfo, CalendarProvider, EventWriter, ExternalEvent, OutboundEvent, ProbeResult, StoredEvent, SyncResult, SyncWindow, UnreadableItem, WrittenEvent } from "./provider";
import { CalendarUnavailableError, ProviderError, SyncCursorExpiredError, TokenRevokedError } from "./provider";
import { escapeXml, hrefProperty, parseMultistatus, propfindBody, textOf } from "./webdav";
import type { DavResponse, Multistatus } from "./webdav";

export const ICLOUD_CALDAV_URL = "https://caldav.icloud.com";

/** Bodies fetched per calendar-multiget; keeps each answer well under Workers' memory. */
const MULTIGET_BATCH = 50;
/** Redirect hops followed by hand (iCloud sends clients to partition hosts). */
const MAX_REDIRECTS = 5;

/**
 * RFC 4791 §5.3.2.1 / RFC 6578 preconditions: the server understood the calendar and refused this
 * one request (a UID used by another resource, a body too large, data it rejects). On a 403 they
 * are failures of the request, never a sign that the calendar is gone or read-only.
 */
const PRECONDITIONS = /<(?:[\w-]+:)?(no-uid-conflict|max-resource-size|valid-calendar-data|valid-calendar-object-resource|supported-calendar-data|supported-calendar-component|calendar-collection-location-ok|min-date-time|max-date-time|max-instances|max-attendees-per-instance)\b/;

export interface CalDavConfig {
	/** "icloud" only changes the provider name in errors; the protocol is the same. */
	provider: "caldav" | "icloud";
	/** Where discovery starts: a server root, a principal or home URL, or ICLOUD_CALDAV_URL. */
	serverUrl: string;
	username: string;
	/** For iCloud an app-specific password. */
	password: string;
	fetch: FetchFunction;
	/**
	 * The calendar owner's addresses (the staff member's email, ones the admin added), to recognise
	 * their own declined ATTENDEE line; the principal's calendar-user-address-set is added to them.
	 */
	ownAddresses: readonly string[];
	/** Per request; ProviderHttp's default (30 s) when absent. */
	timeoutMs?: number;
}

/** Sync cursors say which mechanism produced them, so the fallback survives a server upgrade. */
type Cursor = { kind: "sync"; token: string } | { kind: "ctag"; ctag: string };

export class CalDavCalendar implements CalendarProvider, EventWriter {
	readonly name: "caldav" | "icloud";
	/** CalDAV has no push for third parties (iCloud included): calendars are polled. */
	readonly push = null;
	readonly writer: EventWriter = this;
	private readonly http: ProviderHttp;
	private readonly serverUrl: string;
	private readonly ownAddresses: readonly string[];
	private home: string | null = null;
	/** The principal's mailto: addresses (RFC 6638 calendar-user-address-set), learnt with the home. */
	private principalAddresses: string[] | null = null;

	constructor(config: CalDavConfig) {
		this.name = config.provider;
		this.http = new ProviderHttp({ provider: config.provider, fetch: config.fetch, authorization: basicAuthorization(config.username, config.password), timeoutMs: config.timeoutMs });
		this.serverUrl = config.serverUrl;
		this.ownAddresses = config.ownAddresses;
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
				readable: canRead(response.props["current-user-privilege-set"]),
				primary: false,
				timeZone: null,
				onlineMeetings: null,
			});
		}
		// CalDAV has no primary calendar; the first writable one is the sensible default target.
		const first = calendars.find((c) => c.writable);
		if (first !== undefined) first.primary = true;
		return calendars;
	}

	async putEvent(calendarId: string, event: OutboundEvent, previous: StoredEvent | null): Promise<WrittenEvent> {
		let url = previous?.externalId ?? new URL(`${encodeURIComponent(bookingUid(event.bookingId))}.ics`, collectionUrl(calendarId)).toString();
		const body = bookingICalendar(event, Date.now());
		let etag = previous?.etag ?? null;
		let known = previous !== null;
		// Create with If-None-Match: *, update with If-Match. A 412 means our picture is stale (a
		// duplicate create, or someone edited the event): re-read the etag and try once more. A UID
		// already used by another resource (no-uid-conflict) is our event under another name: update that one.
		for (let attempt = 0; ; attempt += 1) {
			if (known && etag === null) ({ etag, exists: known } = await this.currentEtag(url));
			const condition: Record<string, string> = known && etag !== null ? { "if-match": etag } : { "if-none-match": "*" };
			const response = await this.send(url, { method: "PUT", headers: { "content-type": "text/calendar; charset=utf-8", ...condition }, body });
			if (response.status === 412 && attempt === 0) {
				await discard(response);
				({ etag, exists: known } = await this.currentEtag(url));
				continue;
			}
			if (!response.ok) {
				const refusal = await this.refusal(response, calendarId);
				// RFC 4791 names the holder in the precondition; servers that do not (Radicale) are asked by UID.
				const holder = refusal.code !== "no-uid-conflict" ? null : (refusal.href ?? (await this.findByUid(calendarId, bookingUid(event.bookingId))));
				if (holder !== null && holder !== url && attempt < 2) {
					url = holder;
					known = true;
					etag = null;
					continue;
				}
				throw refusal.error;
			}
			await discard(response);
			// A server that changed what we sent returns no (strong) ETag: read the stored one.
			const saved = response.headers.get("etag") ?? (await this.currentEtag(url)).etag;
			return { externalId: url, etag: saved, meeting: null };
		}
	}

	async deleteEvent(calendarId: string, bookingId: string, previous: StoredEvent | null): Promise<void> {
		const url = previous?.externalId ?? new URL(`${encodeURIComponent(bookingUid(bookingId))}.ics`, collectionUrl(calendarId)).toString();
		// No If-Match: the booking is gone, so whatever the event became, it goes too.
		const response = await this.send(url, { method: "DELETE" });
		if (response.status === 404 || response.status === 410) return discard(response);
		if (!response.ok) throw (await this.refusal(response, calendarId)).error;
		await discard(response);
	}

	async syncEvents(calendarId: string, cursor: string | null, window: SyncWindow): Promise<SyncResult> {
		const collection = collectionUrl(calendarId);
		const parsed = parseCursor(cursor);
		if (parsed?.kind === "ctag") return this.syncByCtag(collection, parsed.ctag, window);
		const members = await this.syncCollection(collection, parsed?.token ?? "");
		if (members === null) return this.syncByCtag(collection, null, window);
		const unreadable: UnreadableItem[] = [];
		if (members.changed.length > 0) await this.learnPrincipalAddresses();
		const changed = await this.multiget(collection, members.changed, window, unreadable);
		return { full: parsed === null, changed, removed: members.removed, cursor: JSON.stringify({ kind: "sync", token: members.token } satisfies Cursor), unreadable };
	}

	/**
	 * One PROPFIND Depth 0 on the collection for its sync-token (RFC 6578) and ctag (CalendarServer's getctag,
	 * which iCloud and Radicale keep), either of which moves whenever a member changes (docs/providers.md C8).
	 * Both are read here, before the sync the caller runs on a change, and the caller stores this version only
	 * after that sync succeeded: a change landing between the two makes the next probe differ, so it costs one
	 * sync too many, never a missed change. Unchanged, the sync leaves the collection at this same version.
	 */
	async probe(calendarId: string, since: string | null): Promise<ProbeResult> {
		const answer = await this.propfind(collectionUrl(calendarId), "0", "<D:sync-token/><CS:getctag/>");
		const props = answer.responses[0]?.props ?? {};
		const token = textOf(props["sync-token"]) ?? "";
		const ctag = textOf(props.getctag) ?? "";
		// The kind is part of the version, so a server that starts or stops offering one never looks unchanged.
		const version = token !== "" ? `sync:${token}` : ctag !== "" ? `ctag:${ctag}` : null;
		return { version, changed: version === null || since === null || version !== since };
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
			const response = await this.send(collection, { method: "REPORT", headers: { depth: "0", "content-type": "application/xml; charset=utf-8" }, body });
			if (response.status !== 207) {
				const text = await response.text();
				// RFC 6578 §3.2: an unknown or expired token fails DAV:valid-sync-token (403 or 409).
				if (/valid-sync-token/.test(text) || (initialToken !== "" && (response.status === 403 || response.status === 409))) {
					throw new SyncCursorExpiredError(this.name, response.status, "valid-sync-token");
				}
				// The server has no sync-collection report: poll the ctag instead.
				if (initialToken === "" && [400, 403, 405, 415, 501].includes(response.status)) return null;
				const error = providerError(this.name, response, `http${response.status}`);
				throw response.status === 404 ? new CalendarUnavailableError(this.name, 404, error.code) : error;
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
			if (multistatus.syncToken === null) throw new ProviderError({ provider: this.name, status: 207, code: "missingSyncToken", retryable: false });
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
		await this.learnPrincipalAddresses();
		const range = `<C:time-range start="${compactUtc(window.from)}" end="${compactUtc(window.to)}"/>`;
		const body = `<?xml version="1.0" encoding="utf-8"?><C:calendar-query ${'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'}><D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">${range}</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
		const answer = await this.report(collection, "1", body);
		// A snapshot of the window: the caller replaces what it stored for this calendar.
		const unreadable: UnreadableItem[] = [];
		const changed = answer.responses.filter((r) => r.status === null || r.status === 200).map((r) => this.toExternal(r, window, unreadable));
		return { full: true, changed, removed: [], cursor, unreadable };
	}

	private async multiget(collection: string, hrefs: string[], window: SyncWindow, unreadable: UnreadableItem[]): Promise<ExternalEvent[]> {
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
	private toExternal(response: DavResponse, window: SyncWindow, unreadable: UnreadableItem[]): ExternalEvent {
		const text = textOf(response.props["calendar-data"]) ?? "";
		try {
			const { events, errors } = eventsFromICalendar(text, { staffTimezone: window.timeZone, ownAddresses: [...this.ownAddresses, ...(this.principalAddresses ?? [])], window: { from: window.from, to: window.to } });
			// The resource's name and a category only: importer messages can quote the event's text.
			for (const issue of errors) unreadable.push({ id: resourceName(response.href), problem: issue.problem });
			// A resource holds one UID (RFC 4791 §4.1); should it hold more, they are one event here, named by the resource.
			return {
				id: response.href,
				slotlineBookingId: events.find((event) => event.slotlineBookingId !== null)?.slotlineBookingId ?? null,
				instances: events.flatMap((event) => event.instances),
			};
		} catch {
			// Unreadable resource: no instances, so nothing stale keeps blocking under its id.
			unreadable.push({ id: resourceName(response.href), problem: "unparseable" });
			return { id: response.href, slotlineBookingId: null, instances: [] };
		}
	}

	/** The resource holding a UID in the collection (calendar-query on the UID property), or null. */
	private async findByUid(calendarId: string, uid: string): Promise<string | null> {
		const collection = collectionUrl(calendarId);
		const filter = `<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:prop-filter name="UID"><C:text-match collation="i;octet">${escapeXml(uid)}</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter>`;
		const answer = await this.report(collection, "1", `<?xml version="1.0" encoding="utf-8"?><C:calendar-query ${'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"'}><D:prop><D:getetag/></D:prop>${filter}</C:calendar-query>`);
		return answer.responses.find((r) => (r.status === null || r.status === 200) && !sameResource(r.href, collection))?.href ?? null;
	}

	/** RFC 6764: current-user-principal at the given URL or the well-known one, then calendar-home-set. */
	private async calendarHome(): Promise<string> {
		if (this.home !== null) return this.home;
		const wellKnown = [this.serverUrl, new URL("/.well-known/caldav", this.serverUrl).toString(), `${this.serverUrl.replace(/\/$/, "")}/.well-known/caldav`];
		let principal: string | null = null;
		for (const candidate of wellKnown) {
			const found = await this.propfind(candidate, "0", "<D:current-user-principal/>").catch((error: unknown) => {
				// A candidate that is not a CalDAV endpoint is skipped; a refused login or redirect is the answer.
				if (error instanceof ProviderError && !error.retryable && error.name !== "TokenRevokedError" && error.code !== "redirectRefused") return null;
				throw error;
			});
			const response = found?.responses[0];
			principal = response === undefined ? null : hrefProperty(response.props["current-user-principal"], response.href);
			if (principal !== null) break;
		}
		if (principal === null) throw new ProviderError({ provider: this.name, status: 404, code: "noPrincipal", retryable: false, detail: "CalDAV discovery found no principal" });
		const homes = await this.propfind(principal, "0", "<C:calendar-home-set/><C:calendar-user-address-set/>");
		const response = homes.responses[0];
		this.principalAddresses = mailtoAddresses(response?.props["calendar-user-address-set"]);
		// Absolute and possibly on another host (iCloud partitions): never assume the server's host.
		const home = response === undefined ? null : hrefProperty(response.props["calendar-home-set"], response.href);
		if (home === null) throw new ProviderError({ provider: this.name, status: 404, code: "noCalendarHome", retryable: false, detail: "CalDAV discovery found no calendar home" });
		this.home = home;
		return home;
	}

	/**
	 * The principal's own addresses, found by discovery (once per adapter, only when there are events
	 * to read). A server without principals, or without the property, leaves the configured addresses
	 * alone; a failure that may pass fails the sync, so a declined event is not stored as busy meanwhile.
	 */
	private async learnPrincipalAddresses(): Promise<void> {
		if (this.principalAddresses !== null) return;
		try {
			await this.calendarHome();
		} catch (error) {
			if (!(error instanceof ProviderError) || error.retryable || error instanceof TokenRevokedError) throw error;
		}
		this.principalAddresses ??= [];
	}

	private async propfind(url: string, depth: "0" | "1", props: string): Promise<Multistatus> {
		return this.dav(url, "PROPFIND", depth, propfindBody(props));
	}

	private async report(url: string, depth: "0" | "1", body: string): Promise<Multistatus> {
		return this.dav(url, "REPORT", depth, body);
	}

	/** A DAV request answered with a multistatus (redirects followed by send()). */
	private async dav(url: string, method: string, depth: string, body: string): Promise<Multistatus> {
		const response = await this.send(url, { method, headers: { depth, "content-type": "application/xml; charset=utf-8" }, body });
		if (response.status !== 207) throw (await this.refusal(response, url)).error;
		try {
			return parseMultistatus(await response.text(), response.url === "" ? url : response.url);
		} catch {
			throw new ProviderError({ provider: this.name, status: 207, code: "badMultistatus", retryable: false });
		}
	}

	/**
	 * Sends a request, following redirects by hand so the password goes only where it may
	 * (see mayFollowWithCredentials): iCloud sends clients to partition hosts, but nobody may send
	 * them to another site or from https to http. The answer's `url` is where it came from.
	 */
	private async send(url: string, init: RequestInit): Promise<Response> {
		let target = url;
		for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
			const response = await this.http.send(target, { ...init, redirect: "manual" });
			const location = response.headers.get("location");
			if (response.status < 300 || response.status >= 400 || location === null) {
				return hop === 0 ? response : withUrl(response, target);
			}
			await discard(response);
			const next = new URL(location, target);
			if (!mayFollowWithCredentials(new URL(target), next)) throw new ProviderError({ provider: this.name, status: response.status, code: "redirectRefused", retryable: false, detail: `redirect to ${next.protocol}//${next.host} refused` });
			target = next.toString();
		}
		throw new ProviderError({ provider: this.name, status: 310, code: "tooManyRedirects", retryable: false });
	}

	private async currentEtag(url: string): Promise<{ etag: string | null; exists: boolean }> {
		const response = await this.send(url, { method: "GET" });
		await discard(response);
		if (response.status === 404) return { etag: null, exists: false };
		if (!response.ok) throw providerError(this.name, response, `http${response.status}`);
		return { etag: response.headers.get("etag") ?? null, exists: true };
	}

	/**
	 * The typed error of a failed response, with the RFC 4791 precondition it names (and the href
	 * inside it: no-uid-conflict says which resource holds the UID). A 403 or 404 without one, on a
	 * calendar, means it is gone or no longer writable.
	 */
	private async refusal(response: Response, calendarId: string): Promise<{ error: ProviderError; code: string; href: string | null }> {
		const text = await response.text().catch(() => "");
		const precondition = PRECONDITIONS.exec(text)?.[1] ?? null;
		const code = precondition ?? `http${response.status}`;
		const href = precondition === "no-uid-conflict" ? hrefIn(text, response.url === "" ? calendarId : response.url) : null;
		const error = providerError(this.name, response, code);
		if (precondition === null && !error.retryable && (response.status === 404 || response.status === 403)) {
			return { error: new CalendarUnavailableError(this.name, response.status, code), code, href };
		}
		return { error, code, href };
	}
}

/**
 * Whether a redirect from `from` to `to` may carry the Basic credentials: never from https to http,
 * and only to the same host (any port: the local iCloud stand-in puts its partition on another port)
 * or to a sibling under the same parent domain (caldav.icloud.com → p42-caldav.icloud.com) or a
 * subdomain of the same host. IP addresses match only themselves.
 */
export function mayFollowWithCredentials(from: URL, to: URL): boolean {
	if (to.protocol !== "https:" && to.protocol !== "http:") return false;
	if (from.protocol === "https:" && to.protocol !== "https:") return false;
	const a = from.hostname.toLowerCase();
	const b = to.hostname.toLowerCase();
	if (a === b) return true;
	if (isIpAddress(a) || isIpAddress(b)) return false;
	if (b.endsWith(`.${a}`) && a.includes(".")) return true;
	const parentA = a.slice(a.indexOf(".") + 1);
	const parentB = b.slice(b.indexOf(".") + 1);
	// A parent of two labels or more ("icloud.com"), never a bare public suffix ("com").
	return a.includes(".") && parentA === parentB && parentA.includes(".");
}

function isIpAddress(host: string): boolean {
	return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith("[") || host.includes(":");
}

/** The same response, remembering the URL it finally came from (for resolving hrefs). */
function withUrl(response: Response, url: string): Response {
	const copy = new Response(response.body, response);
	Object.defineProperty(copy, "url", { value: url });
	return copy;
}

/** The href inside a precondition element (`<C:no-uid-conflict><D:href>…</D:href>`), resolved. */
function hrefIn(xml: string, base: string): string | null {
	const match = /<(?:[\w-]+:)?no-uid-conflict\b[^>]*>\s*<(?:[\w-]+:)?href>([^<]+)</.exec(xml);
	if (match?.[1] === undefined) return null;
	try {
		return new URL(match[1].trim(), base).toString();
	} catch {
		return null;
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

function canRead(privileges: unknown): boolean {
	// Servers that do not report privileges let the owner read their own calendars.
	if (typeof privileges !== "object" || privileges === null) return true;
	return /"(?:all|read)"/.test(JSON.stringify(privileges));
}

function canWrite(privileges: unknown): boolean {
	// Servers that do not report privileges let the owner write to their own calendars.
	if (typeof privileges !== "object" || privileges === null) return true;
	const names = JSON.stringify(privileges);
	return /"(?:all|write|write-content|bind)"/.test(names);
}

/** The mailto: hrefs of a calendar-user-address-set, as bare addresses (other hrefs name principals). */
function mailtoAddresses(addressSet: unknown): string[] {
	if (typeof addressSet !== "object" || addressSet === null) return [];
	const hrefs = (addressSet as { href?: unknown[] }).href ?? [];
	return hrefs.flatMap((href) => {
		const match = /^mailto:(.+)$/i.exec(textOf(href)?.trim() ?? "");
		if (match?.[1] === undefined) return [];
		try {
			return [decodeURIComponent(match[1])];
		} catch {
			return [match[1]];
		}
	});
}

/** The resource's file name, for log lines (never the server or account part of the URL). */
function resourceName(href: string): string {
	return decodeURIComponent(href.split("/").filter((part) => part !== "").at(-1) ?? href);
}
