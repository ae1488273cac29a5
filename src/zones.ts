// IANA time zones: which names are zones, and the offsets and local times of a zone, cached per zone.
//
// One rule decides what a zone is, for every zone Slotline reads (a merchant's, a staff member's or a
// customer's, an iCalendar TZID, a Graph event's zone): an IANA name in any case, a link as the zone it
// stands for and a renamed zone by its current name, with "UTC" and the fixed Etc/* zones ("Etc/GMT-2")
// included, because the tz database names them. A bare offset such as "+02:00" is refused, though
// Temporal would take it: it has no DST rules, so wall-clock hours and recurring bookings would drift
// by an hour twice a year, and an iCalendar TZID must name a zone, not an offset.
//
// Temporal decides every offset and every transition; the tables below only remember its answers,
// because a Temporal ZonedDateTime per slot was a quarter of an availability call.
import { Temporal } from "temporal-polyfill";
import { MS_PER_DAY, MS_PER_MINUTE } from "./availability/calendar";
import { ValidationError } from "./errors";
import { currentZoneName } from "./time-zone-names";

/** Letters first, then what IANA names use; this rules out offsets ("+05:00") and ISO date-times. */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/**
 * The canonical IANA name of a zone ("UTC" included), or null when `zone` is not one: in its proper
 * case ("europe/paris" is "Europe/Paris"), a link as the zone it stands for ("US/Pacific" is
 * "America/Los_Angeles") and a renamed zone by its current name ("Asia/Calcutta" is "Asia/Kolkata").
 */
export function ianaTimeZone(zone: string): string | null {
	const known = canonicalNames.get(zone);
	if (known !== undefined) return known;
	const name = resolveZoneName(zone);
	// Resolving a name builds a Temporal object and an Intl formatter, and a full Microsoft sync asks
	// about the same few names tens of thousands of times; names come from clients, so the memo is bounded.
	if (canonicalNames.size >= MAX_MEMOISED_ZONE_NAMES) canonicalNames.clear();
	canonicalNames.set(zone, name);
	return name;
}

const MAX_MEMOISED_ZONE_NAMES = 1024;
const canonicalNames = new Map<string, string | null>();

function resolveZoneName(zone: string): string | null {
	if (!IANA_NAME.test(zone)) return null;
	try {
		// Temporal fixes the case but keeps a link as given; ICU resolves links, in CLDR's spelling.
		const id = Temporal.Now.zonedDateTimeISO(zone).timeZoneId;
		return currentZoneName(new Intl.DateTimeFormat("en-US", { timeZone: id }).resolvedOptions().timeZone);
	} catch {
		return null;
	}
}

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

/** The instants [from, to) over which a zone keeps one offset, as far as its table knows. */
interface OffsetSpan {
	readonly from: number;
	readonly to: number;
	readonly offset: ZoneOffset;
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
	const table = tableAt(instant, zone);
	const offset = table.offsets[spanIndex(table, instant)];
	if (offset === undefined) throw new Error(`no offset span for ${zone} at ${instant}`);
	return offset;
}

/**
 * The instant at which the wall clock of `zone` reads `wallAsUtc` (that reading taken as if it were
 * UTC, epoch ms). A wall time that does not exist or exists twice is resolved with Temporal's
 * `disambiguation: "compatible"`, as RFC 5545 reads it: a time in a spring-forward gap moves forward
 * by the length of the gap (02:30 in a 02:00→03:00 gap becomes 03:30) and a time repeated at
 * fall-back takes the earlier of its two instants.
 */
export function zoneInstant(wallAsUtc: number, zone: string): number {
	const span = spanAt(wallAsUtc, zone);
	return span !== null && servesWall(span, wallAsUtc) ? wallAsUtc - span.offset.ms : exactInstant(wallAsUtc, zone);
}

/** Wall clock ↔ instant in one zone, for the availability core. */
export interface ZoneClock {
	readonly timeZone: string;
	/** The instant at which the wall clock reads `minutes` after midnight of `epochDay` (1440 = the next midnight), as `zoneInstant`. */
	toInstant(epochDay: number, minutes: number): number;
	/** The epoch day of the zone's local date at `instant`. */
	localDay(instant: number): number;
}

/** The clock of `timeZone`; `field` names the zone in the ValidationError when it is not an IANA zone. */
export function createZoneClock(timeZone: string, field: string): ZoneClock {
	if (ianaTimeZone(timeZone) === null) {
		throw new ValidationError([{ field, message: `"${timeZone}" is not a known IANA time zone` }]);
	}
	// The span the previous reading used: availability walks day by day, and a span lasts months.
	let last: OffsetSpan | null = null;

	function toInstant(epochDay: number, minutes: number): number {
		const wallAsUtc = epochDay * MS_PER_DAY + minutes * MS_PER_MINUTE;
		if (last !== null && servesWall(last, wallAsUtc)) return wallAsUtc - last.offset.ms;
		const span = spanAt(wallAsUtc, timeZone);
		if (span === null || !servesWall(span, wallAsUtc)) return exactInstant(wallAsUtc, timeZone);
		last = span;
		return wallAsUtc - span.offset.ms;
	}

	function localDay(instant: number): number {
		const offset = zoneOffset(instant, timeZone);
		if (offset !== null) return Math.floor((instant + offset.ms) / MS_PER_DAY);
		const date = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(timeZone).toPlainDate();
		return Date.UTC(date.year, date.month - 1, date.day) / MS_PER_DAY;
	}

	return { timeZone, toInstant, localDay };
}

/**
 * Whether `span`'s offset turns `wallAsUtc` into exactly Temporal's instant e. It does when the offset
 * holds for a whole day either side of e: offsets differ by less than a day, so no other instant can
 * show the same wall time, gaps and overlaps included. Near a transition Temporal decides.
 */
function servesWall(span: OffsetSpan, wallAsUtc: number): boolean {
	const e = wallAsUtc - span.offset.ms;
	return e - MS_PER_DAY >= span.from && e + MS_PER_DAY <= span.to;
}

function exactInstant(wallAsUtc: number, zone: string): number {
	return Temporal.Instant.fromEpochMilliseconds(wallAsUtc)
		.toZonedDateTimeISO("UTC")
		.toPlainDateTime()
		.toZonedDateTime(zone, { disambiguation: "compatible" }).epochMilliseconds;
}

/** The span of `zone` that holds `instant`, or null outside the years the tables serve. */
function spanAt(instant: number, zone: string): OffsetSpan | null {
	if (!(instant >= FIRST && instant < LAST)) return null;
	const table = tableAt(instant, zone);
	const index = spanIndex(table, instant);
	const offset = table.offsets[index];
	if (offset === undefined) throw new Error(`no offset span for ${zone} at ${instant}`);
	return { from: table.starts[index] ?? Number.NEGATIVE_INFINITY, to: table.starts[index + 1] ?? table.end, offset };
}

/** The table of `zone`, grown or replaced until it covers `instant`. */
function tableAt(instant: number, zone: string): ZoneTable {
	const table = tables.get(zone);
	if (table !== undefined && instant >= (table.starts[0] ?? Number.POSITIVE_INFINITY) && instant < table.end) return table;
	return covering(table, instant, zone);
}

/** The index of the span of `table` that holds `instant`, which the table covers. */
function spanIndex(table: ZoneTable, instant: number): number {
	const { starts } = table;
	let low = 0;
	let high = starts.length - 1;
	while (low < high) {
		const middle = (low + high + 1) >>> 1;
		if ((starts[middle] ?? Number.POSITIVE_INFINITY) <= instant) low = middle;
		else high = middle - 1;
	}
	return low;
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
