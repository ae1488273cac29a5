// UTC offsets of IANA zones, kept per isolate as tables of the transitions Temporal reports, so the
// offset of an instant is a binary search: a Temporal ZonedDateTime per formatted slot was a quarter
// of an availability call. Temporal still decides every offset and every transition; this only
// remembers its answers.
import { Temporal } from "temporal-polyfill";
import { MS_PER_DAY } from "./availability/calendar";

/** A zone's UTC offset over a span of instants, as Temporal states it. */
export interface ZoneOffset {
	/** Exact: local mean time offsets have seconds (Amsterdam was +00:17:30 before 1892). */
	readonly ms: number;
	/** As Temporal prints it in an ISO string: to the minute, half away from zero ("-00:45" for -00:44:30). */
	readonly text: string;
}

/** Spans of constant offset; the first starts where learning started, every later one at a transition. */
interface ZoneTable {
	readonly starts: readonly number[];
	readonly offsets: readonly ZoneOffset[];
	/** The first transition after the last span, or +Infinity when Temporal knows of none. */
	readonly end: number;
}

/**
 * The instants the tables serve. Before 1843 the polyfill reports no transitions, though its offsets
 * still come from the platform's tz data, and local years past 9999 print with a sign; Temporal
 * answers those instants itself.
 */
const FIRST = Date.UTC(1850, 0, 1);
const LAST = Date.UTC(9999, 0, 1);
/** Learnt either side of an instant that no table covers: a year holds at most a handful of transitions. */
const MARGIN_MS = 366 * MS_PER_DAY;
/** An instant further than this from a zone's table starts a new table rather than a walk to it. */
const MAX_WALK_MS = 10 * 366 * MS_PER_DAY;
/** Spans kept per zone (centuries of DST) and zones kept per isolate; beyond them, learning starts over. */
const MAX_SPANS = 1_000;
const MAX_ZONES = 1_000;

const tables = new Map<string, ZoneTable>();

/**
 * The UTC offset of `zone` at `instant` (epoch ms), or null outside 1850-9998, where callers ask
 * Temporal directly. An unknown zone throws Temporal's RangeError, as Temporal would.
 */
export function zoneOffset(instant: number, zone: string): ZoneOffset | null {
	if (!(instant >= FIRST && instant < LAST)) return null;
	let table = tables.get(zone);
	if (table === undefined || !(instant >= (table.starts[0] ?? Number.POSITIVE_INFINITY) && instant < table.end)) {
		table = covering(table, instant, zone);
	}
	const { starts } = table;
	let low = 0;
	let high = starts.length - 1;
	while (low < high) {
		const middle = (low + high + 1) >>> 1;
		if ((starts[middle] ?? Number.POSITIVE_INFINITY) <= instant) low = middle;
		else high = middle - 1;
	}
	const offset = table.offsets[low];
	if (offset === undefined) throw new Error(`no offset span for ${zone} at ${instant}`);
	return offset;
}

/** A table for `zone` that covers `instant`: the old one grown towards it when near, else a new one. */
function covering(old: ZoneTable | undefined, instant: number, zone: string): ZoneTable {
	const oldStart = old?.starts[0];
	let table: ZoneTable;
	if (old !== undefined && instant >= old.end && instant - old.end < MAX_WALK_MS) {
		// old.end is a transition, so the learnt spans carry straight on from the old ones.
		const later = learn(old.end, instant + MARGIN_MS, zone);
		table = { starts: [...old.starts, ...later.starts], offsets: [...old.offsets, ...later.offsets], end: later.end };
	} else if (old !== undefined && oldStart !== undefined && instant < oldStart && oldStart - instant < MAX_WALK_MS) {
		// The earlier spans run up to the old table's start, whose span is their last one continued.
		const earlier = learn(instant - MARGIN_MS, oldStart, zone);
		table = { starts: [...earlier.starts, ...old.starts.slice(1)], offsets: [...earlier.offsets, ...old.offsets.slice(1)], end: old.end };
	} else {
		table = learn(instant - MARGIN_MS, instant + MARGIN_MS, zone);
	}
	if (table.starts.length > MAX_SPANS) table = learn(instant - MARGIN_MS, instant + MARGIN_MS, zone);
	if (!tables.has(zone) && tables.size >= MAX_ZONES) tables.clear();
	tables.set(zone, table);
	return table;
}

/** The spans of `zone` from `from` until the first transition after `until`. */
function learn(from: number, until: number, zone: string): ZoneTable {
	let zoned = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone);
	const starts = [from];
	const offsets = [offsetOf(zoned)];
	for (;;) {
		const next = zoned.getTimeZoneTransition("next");
		if (next === null) return { starts, offsets, end: Number.POSITIVE_INFINITY };
		if (next.epochMilliseconds > until) return { starts, offsets, end: next.epochMilliseconds };
		starts.push(next.epochMilliseconds);
		offsets.push(offsetOf(next));
		zoned = next;
	}
}

function offsetOf(zoned: Temporal.ZonedDateTime): ZoneOffset {
	const ms = zoned.offsetNanoseconds / 1_000_000;
	// Temporal rounds the printed offset to the minute, half away from zero (ECMA-262 Temporal,
	// FormatDateTimeUTCOffsetRounded); -0 prints as +00:00.
	const minutes = Math.round(Math.abs(ms) / 60_000);
	const sign = ms < 0 && minutes > 0 ? "-" : "+";
	return { ms, text: `${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}` };
}
