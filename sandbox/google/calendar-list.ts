// calendarList.list: a person's list with paging, sync tokens and the deleted/hidden rules of docs/providers.md A6.
import { decodeCursor, encodeCursor } from "../ids";
import { calendarColor } from "./colors";
import { allowedConferenceTypes } from "./conference";
import { googleError } from "./errors";
import type { AccessRole, GoogleCalendar, GoogleStore, ListEntry } from "./store";

const RANK: Record<AccessRole, number> = { freeBusyReader: 0, reader: 1, writer: 2, owner: 3 };

interface ListCursor {
	email: string;
	/** calendarList change sequence the token or listing started from. */
	seq: number;
	/** For page tokens: the sync base (null for a full listing) and the last entry's order. */
	base?: number | null;
	afterOrder?: number;
}

function encode(prefix: "cl1." | "cp1.", cursor: ListCursor): string {
	return `${prefix}${encodeCursor(cursor)}`;
}

function decode(prefix: "cl1." | "cp1.", token: string, email: string): ListCursor | null {
	if (!token.startsWith(prefix)) return null;
	const value = decodeCursor(token.slice(prefix.length)) as ListCursor | null;
	if (value === null || typeof value !== "object" || value.email !== email || typeof value.seq !== "number") return null;
	return value;
}

function invalid(message: string, location: string): never {
	throw googleError(400, "invalid", message, { location, locationType: "parameter" });
}

/** One calendarListEntry as Google shows it to `email`. */
export function listEntryJson(calendar: GoogleCalendar, role: AccessRole, email: string, entry: ListEntry | undefined): Record<string, unknown> {
	const color = calendarColor(calendar.colorId);
	const json: Record<string, unknown> = {
		kind: "calendar#calendarListEntry",
		etag: `"${entry?.seq ?? 0}"`,
		id: calendar.id,
		summary: calendar.summary,
		description: calendar.description,
		timeZone: calendar.timeZone,
		colorId: calendar.colorId,
		backgroundColor: color.background,
		foregroundColor: color.foreground,
		selected: entry?.hidden !== true,
		accessRole: role,
		defaultReminders: [],
		conferenceProperties: { allowedConferenceSolutionTypes: allowedConferenceTypes(calendar) },
	};
	if (entry?.summaryOverride !== undefined) json.summaryOverride = entry.summaryOverride;
	if (entry?.hidden === true) json.hidden = true;
	if (calendar.id === email.toLowerCase()) json.primary = true;
	return json;
}

export function listCalendarList(store: GoogleStore, email: string, params: URLSearchParams): Record<string, unknown> {
	const who = email.toLowerCase();
	const rawMax = params.get("maxResults");
	// docs/providers.md A6: 100 by default, at most 250.
	const maxResults = rawMax === null ? 100 : Math.min(Number(rawMax), 250);
	if (!Number.isInteger(maxResults) || maxResults < 1) invalid("Invalid value for maxResults.", "maxResults");
	const minRole = params.get("minAccessRole") as AccessRole | null;
	if (minRole !== null && RANK[minRole] === undefined) invalid("Invalid minAccessRole.", "minAccessRole");
	const syncParam = params.get("syncToken");
	const pageParam = params.get("pageToken");

	let base: number | null = null;
	if (syncParam !== null) {
		if (minRole !== null) invalid("The minAccessRole parameter is incompatible with syncToken.", "minAccessRole");
		const token = decode("cl1.", syncParam, who);
		if (token === null || token.seq > store.listSeq) throw googleError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.");
		base = token.seq;
	}
	const page = pageParam === null ? null : decode("cp1.", pageParam, who);
	if (pageParam !== null && page === null) invalid("Invalid page token.", "pageToken");
	if (page !== null) base = page.base ?? null;
	const syncing = base !== null;
	// Deleted and hidden entries always come with a sync token; otherwise only when asked for.
	const showDeleted = syncing || params.get("showDeleted") === "true";
	const showHidden = syncing || params.get("showHidden") === "true";

	const rows = store.listEntries(who).flatMap((entry) => {
		if (syncing && entry.seq <= (base ?? 0)) return [];
		if (page?.afterOrder !== undefined && entry.order <= page.afterOrder) return [];
		const calendar = store.calendar(entry.calendarId);
		const role = calendar === undefined ? null : store.accessRole(calendar, who);
		if (entry.deleted || calendar === undefined || role === null) {
			return showDeleted ? [{ entry, json: { kind: "calendar#calendarListEntry", etag: `"${entry.seq}"`, id: entry.calendarId, deleted: true } as Record<string, unknown> }] : [];
		}
		if (entry.hidden && !showHidden) return [];
		if (minRole !== null && RANK[role] < RANK[minRole]) return [];
		return [{ entry, json: listEntryJson(calendar, role, who, entry) }];
	});
	const snapshot = page?.seq ?? store.listSeq;
	const items = rows.slice(0, maxResults);
	const body: Record<string, unknown> = { kind: "calendar#calendarList", etag: `"${snapshot}"` };
	const last = items[items.length - 1];
	// As with events: nextSyncToken only on the last page.
	if (rows.length > maxResults && last !== undefined) body.nextPageToken = encode("cp1.", { email: who, seq: snapshot, base, afterOrder: last.entry.order });
	else body.nextSyncToken = encode("cl1.", { email: who, seq: snapshot });
	body.items = items.map((r) => r.json);
	return body;
}
