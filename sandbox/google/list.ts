// events.list: filters, singleEvents expansion, paging and incremental sync with Google's rules. A listing round
// (the first page and the pages its tokens lead to) is worked out once and then paged, so a calendar with hundreds of
// series is not expanded again for every page.
import { googleError } from "./errors";
import { instanceOf, presentEvent } from "./events";
import { expandSeries } from "./recurrence";
import type { AccessRole, GoogleCalendar, GoogleEvent, GoogleStore, StoredEvent } from "./store";
import type { SortKey } from "./sync-token";
import { compareKeys, decodePageToken, decodeSyncToken, encodePageToken, encodeSyncToken } from "./sync-token";
import { isValidTimeZone, parseRfc3339, toEpochMs } from "./time";

export interface ListContext {
	store: GoogleStore;
	calendar: GoogleCalendar;
	accessRole: AccessRole;
	nowMs: number;
	/** Consumes a forced-410 fault, if one is armed. */
	takeSyncGone: () => boolean;
	/** events.instances: only this series' instances, chosen before paging so pages stay full. */
	seriesId?: string;
	/** An updatedMin further back than this is 410 updatedMinTooLongAgo (A3, Obs); unlimited when absent. */
	updatedMinMaxAgeMs?: number;
	/** Rounds already worked out; without it every page is worked out afresh. */
	rounds?: ListRounds;
}

/** The parameters that decide what a round holds; paging, sync tokens and presentation do not. */
const SELECTION_PARAMS = ["singleEvents", "showDeleted", "orderBy", "timeMin", "timeMax", "updatedMin", "q", "iCalUID", "privateExtendedProperty", "sharedExtendedProperty", "originalStart"];
/** Rounds kept; a client paging more calendars than this at once only loses the reuse, not correctness. */
const MAX_ROUNDS = 32;

/** The sorted items of recent listing rounds, by calendar, snapshot, base and selection parameters. */
export class ListRounds {
	private rounds = new Map<string, Item[]>();

	get(key: string): Item[] | undefined {
		return this.rounds.get(key);
	}

	set(key: string, items: Item[]): void {
		this.rounds.set(key, items);
		for (const oldest of this.rounds.keys()) {
			if (this.rounds.size <= MAX_ROUNDS) break;
			this.rounds.delete(oldest);
		}
	}
}

function roundKey(ctx: ListContext, params: URLSearchParams, snapshot: number, base: number | null): string {
	const selection = SELECTION_PARAMS.map((name) => `${name}=${params.getAll(name).join("&")}`).join("|");
	return [ctx.calendar.id, ctx.calendar.syncEpoch, snapshot, base, ctx.seriesId ?? "", selection].join("\n");
}

/** The first item after `after` in a sorted list. */
function firstAfter(items: Item[], after: SortKey): number {
	let low = 0;
	let high = items.length;
	while (low < high) {
		const mid = (low + high) >>> 1;
		if (compareKeys((items[mid] as Item).key, after) > 0) high = mid;
		else low = mid + 1;
	}
	return low;
}

const FORBIDDEN_WITH_SYNC = ["iCalUID", "orderBy", "privateExtendedProperty", "q", "sharedExtendedProperty", "timeMin", "timeMax", "updatedMin"];
const DEFAULT_HORIZON_MS = 2 * 365 * 86_400_000;

interface Item {
	event: GoogleEvent;
	key: SortKey;
	startMs: number;
	endMs: number;
	/** Change sequence of the record the item came from (its series master for generated instances). */
	seq: number;
}

function invalid(message: string, location: string): never {
	throw googleError(400, "invalid", message, { location, locationType: "parameter" });
}

function gone(): never {
	throw googleError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.");
}

/** Deletions only promise an id; returning less than the full event keeps clients honest. */
function tombstone(event: GoogleEvent): GoogleEvent {
	if (event.recurringEventId !== undefined) return event;
	return { kind: event.kind, etag: event.etag, id: event.id, status: "cancelled", updated: event.updated } as GoogleEvent;
}

function propertyFilter(params: URLSearchParams, name: "privateExtendedProperty" | "sharedExtendedProperty", field: "private" | "shared"): (e: GoogleEvent) => boolean {
	const pairs = params.getAll(name).map((pair) => {
		const index = pair.indexOf("=");
		if (index <= 0) invalid(`Invalid ${name} value.`, name);
		return [pair.slice(0, index), pair.slice(index + 1)] as const;
	});
	return (event) => pairs.every(([k, v]) => event.extendedProperties?.[field]?.[k] === v);
}

export function listEvents(ctx: ListContext, params: URLSearchParams): Record<string, unknown> {
	const syncTokenParam = params.get("syncToken");
	const pageTokenParam = params.get("pageToken");
	const singleEvents = params.get("singleEvents") === "true";
	const showDeleted = params.get("showDeleted") === "true";
	const rawMax = params.get("maxResults");
	const maxResults = rawMax === null ? 250 : Math.min(Number(rawMax), 2500);
	if (!Number.isInteger(maxResults) || maxResults < 1) invalid("Invalid value for maxResults.", "maxResults");

	let base: number | null = null;
	if (syncTokenParam !== null) {
		for (const name of FORBIDDEN_WITH_SYNC) {
			if (params.has(name)) invalid(`The ${name} parameter is incompatible with syncToken.`, name);
		}
		if (params.get("showDeleted") === "false") invalid("showDeleted=false is incompatible with syncToken.", "showDeleted");
		if (ctx.takeSyncGone()) gone();
		const token = decodeSyncToken(syncTokenParam);
		// Tokens die on expiry or an ACL change (A3): both bump the calendar's sync epoch.
		if (token === null || token.calendarId !== ctx.calendar.id || token.seq > ctx.store.seq || token.epoch !== ctx.calendar.syncEpoch) gone();
		if (token.singleEvents !== singleEvents) invalid("singleEvents must match the request that produced the sync token.", "singleEvents");
		if (token.maxResults !== maxResults) invalid("maxResults must match the request that produced the sync token.", "maxResults");
		base = token.seq;
	}
	const page = pageTokenParam === null ? null : decodePageToken(pageTokenParam);
	if (pageTokenParam !== null && page === null) invalid("Invalid page token.", "pageToken");
	if (page !== null) base = page.base;
	const syncMode = base !== null;

	const orderBy = params.get("orderBy");
	if (orderBy !== null && orderBy !== "startTime" && orderBy !== "updated") invalid("Invalid orderBy.", "orderBy");
	if (orderBy === "startTime" && !singleEvents) invalid("The requested ordering is not available for the particular query.", "orderBy");
	const timeMin = params.has("timeMin") ? parseRfc3339(params.get("timeMin") ?? "") : null;
	const timeMax = params.has("timeMax") ? parseRfc3339(params.get("timeMax") ?? "") : null;
	if (params.has("timeMin") && timeMin === null) invalid("Invalid timeMin: an RFC 3339 timestamp with offset is required.", "timeMin");
	if (params.has("timeMax") && timeMax === null) invalid("Invalid timeMax: an RFC 3339 timestamp with offset is required.", "timeMax");
	if (timeMin !== null && timeMax !== null && timeMax <= timeMin) throw googleError(400, "timeRangeEmpty", "The specified time range is empty.", { location: "timeMax", locationType: "parameter" });
	const updatedMin = params.has("updatedMin") ? parseRfc3339(params.get("updatedMin") ?? "") : null;
	if (params.has("updatedMin") && updatedMin === null) invalid("Invalid updatedMin.", "updatedMin");
	if (updatedMin !== null && ctx.updatedMinMaxAgeMs !== undefined && ctx.nowMs - updatedMin > ctx.updatedMinMaxAgeMs) {
		throw googleError(410, "updatedMinTooLongAgo", "The requested minimum modification time lies too far in the past.");
	}

	const responseZone = params.get("timeZone") ?? ctx.calendar.timeZone;
	if (!isValidTimeZone(responseZone)) invalid("Invalid time zone.", "timeZone");
	const snapshot = page?.snapshot ?? ctx.store.seq;
	const key = roundKey(ctx, params, snapshot, base);
	let selected = ctx.rounds?.get(key);
	if (selected === undefined) {
		selected = collect(ctx, params, { base, syncMode, singleEvents, showDeleted, orderBy, timeMin, timeMax, updatedMin });
		ctx.rounds?.set(key, selected);
	}
	const from = page === null ? 0 : firstAfter(selected, page.after);
	const zone = ctx.calendar.timeZone;
	const pageItems = selected.slice(from, from + maxResults);
	const body: Record<string, unknown> = {
		kind: "calendar#events",
		etag: `"${snapshot}"`,
		summary: ctx.calendar.summary,
		description: ctx.calendar.description,
		updated: new Date(ctx.nowMs).toISOString(),
		timeZone: zone,
		accessRole: ctx.accessRole,
		defaultReminders: [],
	};
	const last = pageItems[pageItems.length - 1];
	if (selected.length - from > maxResults && last !== undefined) {
		body.nextPageToken = encodePageToken({ snapshot, base, after: last.key });
	} else {
		body.nextSyncToken = encodeSyncToken({ calendarId: ctx.calendar.id, seq: snapshot, singleEvents, maxResults, epoch: ctx.calendar.syncEpoch });
	}
	body.items = pageItems.map((i) => presentEvent(i.event, zone, responseZone));
	return body;
}

interface Selection {
	base: number | null;
	syncMode: boolean;
	singleEvents: boolean;
	showDeleted: boolean;
	orderBy: string | null;
	timeMin: number | null;
	timeMax: number | null;
	updatedMin: number | null;
}

/** Every item of a round, filtered and sorted; series expand over the requested window only. */
function collect(ctx: ListContext, params: URLSearchParams, selection: Selection): Item[] {
	const { base, syncMode, singleEvents, showDeleted, orderBy, timeMin, timeMax, updatedMin } = selection;
	const zone = ctx.calendar.timeZone;
	const horizon = timeMax ?? Math.max(ctx.nowMs, timeMin ?? 0) + DEFAULT_HORIZON_MS;
	// Series expand over the requested window only, however long ago they started.
	const expansion = timeMin === null ? { untilMs: horizon } : { fromMs: timeMin, untilMs: horizon };
	const all = ctx.store.stored(ctx.calendar.id);
	const byId = new Map(all.map((s) => [s.resource.id, s] as const));
	const changed = (s: StoredEvent): boolean => base === null || s.seq > base;

	const items: Item[] = [];
	for (const stored of all) {
		const event = stored.resource;
		if (ctx.seriesId !== undefined && event.id !== ctx.seriesId && event.recurringEventId !== ctx.seriesId) continue;
		const isSeries = event.recurrence !== undefined && event.recurringEventId === undefined;
		if (isSeries && singleEvents) {
			if (!changed(stored)) continue;
			if (event.status === "cancelled" && !syncMode && !showDeleted && updatedMin === null) continue;
			for (const occ of expandSeries({ id: event.id, start: event.start, end: event.end, recurrence: event.recurrence ?? [] }, zone, expansion)) {
				if (byId.has(occ.instanceId)) continue;
				let instance = instanceOf(event, occ.instanceId, occ.originalStartTime, occ.start, occ.end);
				if (event.status === "cancelled") {
					instance = { kind: event.kind, etag: event.etag, id: occ.instanceId, status: "cancelled", recurringEventId: event.id, originalStartTime: occ.originalStartTime } as GoogleEvent;
				}
				items.push({ event: instance, key: [stored.order, occ.startMs, occ.instanceId], startMs: occ.startMs, endMs: occ.endMs, seq: stored.seq });
			}
			continue;
		}
		if (!changed(stored)) continue;
		const startMs = toEpochMs(event.originalStartTime ?? event.start, zone);
		let endMs = toEpochMs(event.end, zone);
		if (isSeries) {
			// A series matches a window when any of its occurrences does.
			const occurrences = expandSeries({ id: event.id, start: event.start, end: event.end, recurrence: event.recurrence ?? [] }, zone, expansion);
			const hit = occurrences.find((o) => timeMin === null || o.endMs > timeMin);
			endMs = hit?.endMs ?? Number.NEGATIVE_INFINITY;
		}
		if (event.status === "cancelled" && !syncMode && !showDeleted && updatedMin === null) {
			// Cancelled instances of a live series still show when neither showDeleted nor singleEvents is set.
			const master = event.recurringEventId === undefined ? undefined : byId.get(event.recurringEventId)?.resource;
			if (singleEvents || master === undefined || master.status === "cancelled") continue;
		}
		items.push({ event: event.status === "cancelled" ? tombstone(event) : event, key: [stored.order, startMs, event.id], startMs, endMs, seq: stored.seq });
	}

	const matchesPrivate = propertyFilter(params, "privateExtendedProperty", "private");
	const matchesShared = propertyFilter(params, "sharedExtendedProperty", "shared");
	const q = params.get("q")?.toLowerCase();
	const iCalUID = params.get("iCalUID");
	const originalStart = params.has("originalStart") ? parseRfc3339(params.get("originalStart") ?? "") : null;
	if (params.has("originalStart") && originalStart === null) invalid("Invalid originalStart.", "originalStart");
	let selected = items.filter((item) => {
		if (ctx.seriesId !== undefined && item.event.recurringEventId !== ctx.seriesId) return false;
		if (originalStart !== null && (item.event.originalStartTime === undefined || toEpochMs(item.event.originalStartTime, zone) !== originalStart)) return false;
		if (syncMode) return true;
		if (timeMin !== null && item.endMs <= timeMin) return false;
		if (timeMax !== null && item.startMs >= timeMax) return false;
		if (updatedMin !== null && Date.parse(String(item.event.updated ?? "")) < updatedMin) return false;
		if (q !== undefined && !`${item.event.summary ?? ""} ${item.event.description ?? ""}`.toLowerCase().includes(q)) return false;
		if (iCalUID !== null && item.event.iCalUID !== iCalUID) return false;
		return matchesPrivate(item.event) && matchesShared(item.event);
	});
	if (orderBy === "startTime") selected = selected.map((i) => ({ ...i, key: [i.startMs, i.key[0], i.key[2]] as SortKey }));
	if (orderBy === "updated") selected = selected.map((i) => ({ ...i, key: [Date.parse(String(i.event.updated)), i.key[0], i.key[2]] as SortKey }));
	selected.sort((a, b) => compareKeys(a.key, b.key));
	return selected;
}



