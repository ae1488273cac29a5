// Recurring series in the Outlook store: occurrence ids, virtual occurrences of a master, and the expanded
// list of events a calendarView/delta/instances request sees. Exceptions and cancelled occurrences are stored
// records keyed by the occurrence id, so an occurrence keeps its id when it becomes an exception.
import { createHash } from "node:crypto";
import { ianaZone } from "./events";
import type { Occurrence } from "./recurrence";
import { expandRecurrence, parseRecurrence } from "./recurrence";
import type { GraphDateTime, GraphEvent, OutlookStore, StoredGraphEvent } from "./store";

const OCCURRENCE_PREFIX = "AAMkOCC";

/**
 * Occurrence ids name the master, the series generation and the original start: rebuilding a series (its times or
 * pattern changed) gives every occurrence a new id, so clients see the old ones removed and the new ones appear.
 */
export function occurrenceId(masterId: string, originalStartMs: number, generation = 0): string {
	const key = generation === 0 ? `${masterId}|${originalStartMs}` : `${masterId}|g${generation}|${originalStartMs}`;
	return `${OCCURRENCE_PREFIX}${Buffer.from(key, "utf8").toString("base64url")}`;
}

/** The master id, generation and original start behind an occurrence id, or null for any other id. */
export function parseOccurrenceId(id: string): { masterId: string; originalStartMs: number; generation: number } | null {
	if (!id.startsWith(OCCURRENCE_PREFIX)) return null;
	const parts = Buffer.from(id.slice(OCCURRENCE_PREFIX.length), "base64url").toString("utf8").split("|");
	const originalStartMs = Number(parts.at(-1));
	const generation = parts.length === 3 && /^g\d+$/.test(parts[1] ?? "") ? Number((parts[1] ?? "").slice(1)) : parts.length === 2 ? 0 : Number.NaN;
	const masterId = parts[0] ?? "";
	if (masterId === "" || !Number.isSafeInteger(originalStartMs) || !Number.isSafeInteger(generation)) return null;
	return { masterId, originalStartMs, generation };
}

export function isSeriesMaster(stored: StoredGraphEvent): boolean {
	return stored.event.type === "seriesMaster";
}

/** What the expansion needs of a series: its first instance and pattern (a master now, or a retired shape). */
interface SeriesShape {
	start: GraphDateTime;
	recurrence: unknown;
	startMs: number;
	endMs: number;
}

function shapeOccurrences(shape: SeriesShape, untilMs: number): Occurrence[] {
	const recurrence = parseRecurrence(shape.recurrence, shape.start);
	const rangeZone = (shape.recurrence as { range?: { recurrenceTimeZone?: string } }).range?.recurrenceTimeZone;
	const zone = ianaZone(rangeZone ?? shape.start.timeZone);
	return expandRecurrence(recurrence, shape.start, zone, shape.endMs - shape.startMs, untilMs);
}

/** Occurrences of a master starting before `untilMs`, from its stored recurrence. */
export function masterOccurrences(master: StoredGraphEvent, untilMs: number): Occurrence[] {
	return shapeOccurrences({ start: master.event.start, recurrence: master.event.recurrence, startMs: master.startMs, endMs: master.endMs }, untilMs);
}

/** A generated (never edited) occurrence as Graph shows it: the master's fields, its own id, times and iCalUId. */
export function virtualOccurrence(master: StoredGraphEvent, occurrence: Occurrence): StoredGraphEvent {
	const id = occurrenceId(master.event.id, occurrence.startMs, master.generation ?? 0);
	const event: GraphEvent = {
		...structuredClone(master.event),
		id,
		type: "occurrence",
		seriesMasterId: master.event.id,
		recurrence: null,
		originalStart: new Date(occurrence.startMs).toISOString().replace(/\.000Z$/, "Z"),
		iCalUId: `${master.event.iCalUId.slice(0, 32)}${createHash("sha256").update(id).digest("hex").slice(0, 32).toUpperCase()}`,
	};
	return { ...master, event, startMs: occurrence.startMs, endMs: occurrence.endMs };
}

/** The occurrence with this id if the master really has one at that original start (and it was never edited or cancelled). */
export function findVirtualOccurrence(store: OutlookStore, id: string): StoredGraphEvent | undefined {
	const parsed = parseOccurrenceId(id);
	const master = parsed === null ? undefined : store.get(parsed.masterId);
	if (parsed === null || master === undefined || master.deleted || !isSeriesMaster(master) || store.get(id) !== undefined) return undefined;
	// An occurrence of a series shape that was since rebuilt no longer exists.
	if (parsed.generation !== (master.generation ?? 0)) return undefined;
	const match = masterOccurrences(master, parsed.originalStartMs + 1).find((o) => o.startMs === parsed.originalStartMs);
	return match === undefined ? undefined : virtualOccurrence(master, match);
}

/** One row of an expanded view; `sub` orders a master's occurrences after the master itself. */
export interface ViewEntry {
	stored: StoredGraphEvent;
	seq: number;
	order: number;
	sub: number;
	deleted: boolean;
}

export interface Window {
	startMs: number;
	endMs: number;
}

export function overlaps(item: { startMs: number; endMs: number }, window: Window): boolean {
	return item.startMs < window.endMs && item.endMs > window.startMs;
}

/**
 * Every stored record of a calendar plus, for each master, its generated occurrences overlapping `window`
 * (skipping those that became exceptions or were cancelled: they are stored records of their own).
 * Occurrences share the master's change sequence: editing or deleting the master changes them all.
 */
export function expandedEntries(store: OutlookStore, calendarId: string, window: Window): ViewEntry[] {
	const entries: ViewEntry[] = [];
	for (const stored of store.stored(calendarId)) {
		entries.push({ stored, seq: stored.seq, order: stored.order, sub: 0, deleted: stored.deleted });
		if (!isSeriesMaster(stored)) continue;
		masterOccurrences(stored, window.endMs)
			.filter((o) => overlaps(o, window))
			.forEach((occurrence, index) => {
				const virtual = virtualOccurrence(stored, occurrence);
				if (store.get(virtual.event.id) !== undefined) return;
				entries.push({ stored: virtual, seq: stored.seq, order: stored.order, sub: index + 1, deleted: stored.deleted });
			});
		(stored.retired ?? []).forEach((old, r) => {
			// Occurrences of an earlier shape of the series: gone since the edit that retired it (delta's @removed).
			shapeOccurrences(old, window.endMs)
				.filter((o) => overlaps(o, window))
				.forEach((occurrence, index) => {
					const id = occurrenceId(stored.event.id, occurrence.startMs, old.generation);
					// An exception or cancellation of it is a record of its own and reports itself.
					if (store.get(id) !== undefined) return;
					const event: GraphEvent = { ...stored.event, id, type: "occurrence", seriesMasterId: stored.event.id, recurrence: null };
					const gone: StoredGraphEvent = { ...stored, event, startMs: occurrence.startMs, endMs: occurrence.endMs, deleted: true };
					entries.push({ stored: gone, seq: old.seq, order: stored.order, sub: (r + 1) * 1_000_000 + index + 1, deleted: true });
				});
		});
	}
	return entries.sort((a, b) => a.order - b.order || a.sub - b.sub);
}

/** A master is in a window when one of its occurrences (generated or stored) is. */
export function masterInWindow(store: OutlookStore, master: StoredGraphEvent, window: Window): boolean {
	if (masterOccurrences(master, window.endMs).some((o) => overlaps(o, window))) return true;
	return store.stored(master.calendarId).some((s) => !s.deleted && s.event.seriesMasterId === master.event.id && overlaps(s, window));
}
