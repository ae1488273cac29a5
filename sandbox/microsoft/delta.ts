// calendarView and calendarView/delta: window filtering, series expansion, nextLink/deltaLink paging and @removed entries.
import { decodeCursor, encodeCursor } from "../ids";
import { graphError } from "./errors";
import { presentEvent } from "./events";
import type { ViewEntry, Window } from "./series";
import { expandedEntries, isSeriesMaster, masterInWindow, overlaps } from "./series";
import type { OutlookCalendar, OutlookStore } from "./store";

export interface ViewContext {
	store: OutlookStore;
	calendar: OutlookCalendar;
	/** Absolute URL of the endpoint, used to build nextLink/deltaLink. */
	endpointUrl: string;
	preferZone: string | undefined;
	/** From `Prefer: odata.maxpagesize`. */
	maxPageSize: number | undefined;
	takeSyncGone: () => boolean;
	/** Tokens from an older epoch have expired (the `expireDeltaTokens` fault): syncStateNotFound. */
	deltaEpoch: number;
}

export interface ViewResult {
	body: Record<string, unknown>;
	status: number;
	headers: Record<string, string>;
}

const DEFAULT_PAGE_SIZE = 10;

function parseWindow(query: URLSearchParams): Window {
	const start = Date.parse(query.get("startDateTime") ?? "");
	const end = Date.parse(query.get("endDateTime") ?? "");
	if (Number.isNaN(start) || Number.isNaN(end)) {
		throw graphError(400, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
	}
	return { startMs: start, endMs: end };
}

function inWindow(ctx: ViewContext, entry: ViewEntry, window: Window): boolean {
	return isSeriesMaster(entry.stored) ? masterInWindow(ctx.store, entry.stored, window) : overlaps(entry.stored, window);
}

/** Plain calendarView: singles, occurrences and exceptions overlapping the window (never masters), paged with $top/$skip. */
export function calendarView(ctx: ViewContext, query: URLSearchParams): ViewResult {
	const window = parseWindow(query);
	const items = expandedEntries(ctx.store, ctx.calendar.id, window)
		.filter((e) => !e.deleted && !isSeriesMaster(e.stored) && overlaps(e.stored, window))
		.map((e) => e.stored)
		.sort((a, b) => a.startMs - b.startMs || a.order - b.order);
	const top = Number(query.get("$top") ?? ctx.maxPageSize ?? DEFAULT_PAGE_SIZE);
	const skip = Number(query.get("$skip") ?? 0);
	const page = items.slice(skip, skip + top);
	const body: Record<string, unknown> = { value: page.map((s) => presentEvent(s, ctx.preferZone)) };
	if (skip + top < items.length) {
		const next = new URL(ctx.endpointUrl);
		next.search = query.toString();
		next.searchParams.set("$skip", String(skip + top));
		body["@odata.nextLink"] = next.toString();
	}
	return { body, status: 200, headers: {} };
}

interface DeltaState {
	window: Window;
	/** Sequence the delta round started from; null for the initial round. */
	base: number | null;
	snapshot: number;
	afterOrder: number;
	/** Position inside a series (its occurrences follow the master); absent in tokens from before recurrence. */
	afterSub?: number;
	calendarId?: string;
	epoch?: number;
}

/** docs/providers.md B3: delta takes none of these; its parameters are the window and the tokens. */
const UNSUPPORTED_WITH_DELTA = ["$select", "$filter", "$orderby", "$search", "$expand"];

function decodeState(token: string): DeltaState | null {
	const value = decodeCursor(token) as DeltaState | null;
	if (value === null || typeof value !== "object" || typeof value.snapshot !== "number" || typeof value.window?.startMs !== "number") return null;
	return value;
}

function link(ctx: ViewContext, name: "$skiptoken" | "$deltatoken", state: DeltaState): string {
	const url = new URL(ctx.endpointUrl);
	url.search = "";
	url.searchParams.set(name, encodeCursor(state));
	return url.toString();
}

export function calendarViewDelta(ctx: ViewContext, query: URLSearchParams): ViewResult {
	for (const name of UNSUPPORTED_WITH_DELTA) {
		if (query.has(name)) throw graphError(400, "BadRequest", `The query parameter '${name}' is not supported with change tracking over the 'CalendarView' resource.`);
	}
	const skipToken = query.get("$skiptoken");
	const deltaToken = query.get("$deltatoken");
	let state: DeltaState;
	if (skipToken !== null || deltaToken !== null) {
		const decoded = decodeState(skipToken ?? deltaToken ?? "");
		// Unknown, foreign or expired sync state (Outlook keeps it in a cache of no fixed lifetime, docs/providers.md B3).
		const expired = decoded !== null && ((decoded.epoch ?? 0) !== ctx.deltaEpoch || (decoded.calendarId !== undefined && decoded.calendarId !== ctx.calendar.id));
		if (decoded === null || decoded.snapshot > ctx.store.seq || expired) throw graphError(400, "syncStateNotFound", "The sync state generation is not found.");
		if (deltaToken !== null && ctx.takeSyncGone()) {
			// A forced reset: 410 with a Location that starts a fresh round over the same window.
			const fresh = new URL(ctx.endpointUrl);
			fresh.search = new URLSearchParams({ startDateTime: new Date(decoded.window.startMs).toISOString(), endDateTime: new Date(decoded.window.endMs).toISOString() }).toString();
			throw graphError(410, "resyncRequired", "Resync required. Replace any local cached data with the response of the Location URL.", { location: fresh.toString() });
		}
		state = deltaToken !== null ? { window: decoded.window, base: decoded.snapshot, snapshot: ctx.store.seq, afterOrder: 0, afterSub: 0, calendarId: ctx.calendar.id, epoch: ctx.deltaEpoch } : decoded;
	} else {
		state = { window: parseWindow(query), base: null, snapshot: ctx.store.seq, afterOrder: 0, afterSub: 0, calendarId: ctx.calendar.id, epoch: ctx.deltaEpoch };
	}

	// Series masters come too, next to their occurrences and exceptions; clients filter on `type`.
	const afterSub = state.afterSub ?? 0;
	const candidates = expandedEntries(ctx.store, ctx.calendar.id, state.window)
		.filter((e) => e.order > state.afterOrder || (e.order === state.afterOrder && e.sub > afterSub))
		.filter((e) => (state.base === null ? !e.deleted && inWindow(ctx, e, state.window) : e.seq > state.base));
	const size = ctx.maxPageSize ?? DEFAULT_PAGE_SIZE;
	const page = candidates.slice(0, size);
	const value = page.map((e) =>
		// Deleted events and events that left the window look the same, as in Graph.
		e.deleted || !inWindow(ctx, e, state.window)
			? { "@odata.type": "#microsoft.graph.event", id: e.stored.event.id, "@removed": { reason: "deleted" } }
			: presentEvent(e.stored, ctx.preferZone),
	);
	const body: Record<string, unknown> = { value };
	const last = page[page.length - 1];
	if (candidates.length > size && last !== undefined) body["@odata.nextLink"] = link(ctx, "$skiptoken", { ...state, afterOrder: last.order, afterSub: last.sub });
	else body["@odata.deltaLink"] = link(ctx, "$deltatoken", { ...state, afterOrder: 0, afterSub: 0 });
	return { body, status: 200, headers: {} };
}
