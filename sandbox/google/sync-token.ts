// Opaque events.list cursors: sync tokens (change sequence + filter) and page tokens (snapshot + last key).
import { decodeCursor, encodeCursor } from "../ids";

export interface SyncTokenData {
	calendarId: string;
	seq: number;
	/** docs/providers.md A3: singleEvents and maxResults must equal the request that started the sync. */
	singleEvents: boolean;
	maxResults: number;
	/** The calendar's sync epoch when issued; an ACL change or expiry since then makes it 410. */
	epoch: number;
}

export type SortKey = [number, number, string];

export interface PageTokenData {
	/** Store sequence when the listing started; becomes the final nextSyncToken. */
	snapshot: number;
	/** Sequence of the sync token being paged, or null for a full listing. */
	base: number | null;
	after: SortKey;
}

export function encodeSyncToken(data: SyncTokenData): string {
	return `s2.${encodeCursor([data.calendarId, data.seq, data.singleEvents, data.maxResults, data.epoch])}`;
}

export function decodeSyncToken(token: string): SyncTokenData | null {
	if (!token.startsWith("s2.")) return null;
	const value = decodeCursor(token.slice(3));
	if (!Array.isArray(value) || value.length !== 5) return null;
	const [calendarId, seq, singleEvents, maxResults, epoch] = value as unknown[];
	if (typeof calendarId !== "string" || typeof seq !== "number" || typeof singleEvents !== "boolean" || typeof maxResults !== "number" || typeof epoch !== "number") return null;
	return { calendarId, seq, singleEvents, maxResults, epoch };
}

export function encodePageToken(data: PageTokenData): string {
	return `p1.${encodeCursor([data.snapshot, data.base, data.after])}`;
}

export function decodePageToken(token: string): PageTokenData | null {
	if (!token.startsWith("p1.")) return null;
	const value = decodeCursor(token.slice(3));
	if (!Array.isArray(value) || value.length !== 3) return null;
	const [snapshot, base, after] = value as unknown[];
	if (typeof snapshot !== "number" || !(base === null || typeof base === "number") || !Array.isArray(after)) return null;
	return { snapshot, base, after: after as SortKey };
}

export function compareKeys(a: SortKey, b: SortKey): number {
	if (a[0] !== b[0]) return a[0] - b[0];
	if (a[1] !== b[1]) return a[1] - b[1];
	return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}
