// Time zones for the iCalendar importer: IANA zones that a file names without a VTIMEZONE, answered
// by Temporal but shaped as ical.js zones so recurrence expansion and UNTIL checks stay in ical.js.
import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";

/**
 * An ical.js zone whose UTC offsets come from Temporal's tz database. ical.js asks a zone one
 * question, "what is the offset at this wall-clock time?", so overriding `utcOffset` is enough.
 */
class TemporalTimezone extends ICAL.Timezone {
	/** Spans of instants with one constant offset, learnt from Temporal as expansion walks on. */
	readonly #segments: OffsetSegment[] = [];

	constructor(tzid: string) {
		super({ tzid });
	}

	/**
	 * Offset in seconds for the wall-clock time `tt`, chosen so that `wall - offset` is the RFC 5545
	 * instant: a time in a spring-forward gap uses the offset before the gap (02:30 becomes 03:30
	 * summer time) and a repeated fall-back time takes its first instant. That is Temporal's
	 * "compatible" disambiguation; the offset is derived from the instant rather than read from the
	 * resulting ZonedDateTime, because for gap times those two differ.
	 */
	override utcOffset(tt: ICAL.Time): number {
		const wallAsUtc = Date.UTC(tt.year, tt.month - 1, tt.day, tt.hour, tt.minute, tt.second);
		// If the offset is constant for a whole day either side of e = wall - offset, no other instant
		// shows the same wall time, so e is exactly Temporal's answer; asking Temporal for every
		// instance of a long series would cost far more than the expansion itself.
		for (const segment of this.#segments) {
			const e = wallAsUtc - segment.offsetMs;
			if (e - MS_PER_DAY >= segment.from && e + MS_PER_DAY <= segment.to) return segment.offsetMs / 1000;
		}
		const zoned = new Temporal.PlainDateTime(tt.year, tt.month, tt.day, tt.hour, tt.minute, tt.second).toZonedDateTime(
			this.tzid,
			{ disambiguation: "compatible" },
		);
		this.#learnSegmentAround(zoned);
		return (wallAsUtc - zoned.epochMilliseconds) / 1000;
	}

	#learnSegmentAround(zoned: Temporal.ZonedDateTime): void {
		if (this.#segments.length >= MAX_SEGMENTS) this.#segments.pop();
		// "previous" is the last transition strictly before the instant. An instant that is itself a
		// transition (03:00 on a spring-forward day) starts its segment: asked from one nanosecond
		// later, Temporal names that transition, not the one before it, whose offset was another.
		const previous = zoned.add({ nanoseconds: 1 }).getTimeZoneTransition("previous");
		const next = zoned.getTimeZoneTransition("next");
		// Most recently learnt first: expansion moves forward, so it is the likeliest hit.
		this.#segments.unshift({
			from: previous === null ? Number.NEGATIVE_INFINITY : previous.epochMilliseconds,
			to: next === null ? Number.POSITIVE_INFINITY : next.epochMilliseconds,
			offsetMs: zoned.offsetNanoseconds / 1_000_000,
		});
	}
}

/** A span of instants [from, to) over which a zone's UTC offset is constant. */
interface OffsetSegment {
	from: number;
	to: number;
	offsetMs: number;
}

const MS_PER_DAY = 86_400_000;
/** Enough for the few decades a long-running series spans; older segments are simply relearnt. */
const MAX_SEGMENTS = 64;

/** True when Temporal knows `timeZone` (an IANA name, "UTC", or a fixed offset). */
export function isKnownTimeZone(timeZone: string): boolean {
	try {
		Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(timeZone);
		return true;
	} catch {
		return false;
	}
}

/**
 * Resolves TZIDs that the file does not define, one ical.js zone per name and per import, so the
 * offset caches live no longer than one document.
 */
export class ZoneResolver {
	readonly #zones = new Map<string, ICAL.Timezone | null>();

	/** The zone for an IANA `tzid`, or null when Temporal does not know the name. */
	resolve(tzid: string): ICAL.Timezone | null {
		let zone = this.#zones.get(tzid);
		if (zone === undefined) {
			zone = isKnownTimeZone(tzid) ? new TemporalTimezone(tzid) : null;
			this.#zones.set(tzid, zone);
		}
		return zone;
	}
}

/** A VTIMEZONE dropped from a document, and why; events that need it are then skipped and named. */
export interface TimeZoneIssue {
	uid: null;
	problem: "unknown-time-zone";
	message: string;
}

/** More observances or explicit dates than any real zone history needs. */
const MAX_OBSERVANCES = 200;
const MAX_OBSERVANCE_DATES = 1_000;
const MAX_VTIMEZONES = 100;

/**
 * Decides which of a VCALENDAR's VTIMEZONEs ical.js may use, removing the others in place.
 *
 * A TZID that names an IANA zone is answered from the tz database (RFC 5545 VTIMEZONEs for IANA
 * names agree with it, and it is the better source). Any other VTIMEZONE defines its zone, but only
 * when every rule in it yields at most one transition a year: ical.js expands a VTIMEZONE's rules
 * from their DTSTART up to the year asked for, all in memory, so one hostile observance
 * (`FREQ=SECONDLY` from 1996) would otherwise exhaust the isolate's memory before any limit of ours
 * could run.
 */
export function adoptTimeZones(calendar: ICAL.Component): TimeZoneIssue[] {
	const issues: TimeZoneIssue[] = [];
	let kept = 0;
	for (const vtimezone of calendar.getAllSubcomponents("vtimezone")) {
		const tzid = String(vtimezone.getFirstPropertyValue("tzid") ?? "").trim();
		if (tzid !== "" && isKnownTimeZone(tzid)) {
			calendar.removeSubcomponent(vtimezone);
			continue;
		}
		const problem = kept >= MAX_VTIMEZONES ? `more than ${MAX_VTIMEZONES} time zone definitions` : vtimezoneProblem(vtimezone);
		if (problem === null) {
			kept += 1;
			continue;
		}
		calendar.removeSubcomponent(vtimezone);
		issues.push({ uid: null, problem: "unknown-time-zone", message: `VTIMEZONE "${tzid.slice(0, 100)}" skipped: ${problem}` });
	}
	return issues;
}

function vtimezoneProblem(vtimezone: ICAL.Component): string | null {
	if (!vtimezone.hasProperty("tzid")) return "no TZID";
	const observances = vtimezone.getAllSubcomponents().filter((c) => c.name === "standard" || c.name === "daylight");
	if (observances.length === 0) return "no STANDARD or DAYLIGHT";
	if (observances.length > MAX_OBSERVANCES) return `more than ${MAX_OBSERVANCES} observances`;
	let dates = 0;
	for (const observance of observances) {
		if (!observance.hasProperty("dtstart") || !observance.hasProperty("tzoffsetfrom") || !observance.hasProperty("tzoffsetto")) {
			return `${observance.name.toUpperCase()} without DTSTART, TZOFFSETFROM or TZOFFSETTO`;
		}
		dates += observance.getAllProperties("rdate").reduce((sum, p) => sum + p.getValues().length, 0);
		const rules = observance.getAllProperties("rrule");
		if (rules.length > 1) return "an observance with several RRULEs";
		const rule = rules[0]?.getFirstValue();
		if (rules.length === 1 && !(rule instanceof ICAL.Recur && isOncePerYear(rule))) {
			return "an observance rule that is not a yearly rule with one month and one weekday or day";
		}
	}
	return dates > MAX_OBSERVANCE_DATES ? `more than ${MAX_OBSERVANCE_DATES} RDATE values` : null;
}

/**
 * The shapes zone rules take in practice: `FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`, or the older
 * `BYMONTHDAY=8,9,10,11,12,13,14;BYDAY=SU`, which still picks one day.
 */
function isOncePerYear(rule: ICAL.Recur): boolean {
	if (rule.freq !== "YEARLY" || (rule.interval ?? 1) < 1) return false;
	const parts: Record<string, unknown[] | undefined> = rule.parts;
	const allowed = new Set(["BYMONTH", "BYDAY", "BYMONTHDAY"]);
	if (Object.entries(parts).some(([name, values]) => !allowed.has(name) && (values?.length ?? 0) > 0)) return false;
	const months = parts.BYMONTH?.length ?? 0;
	const weekdays = parts.BYDAY?.length ?? 0;
	const monthDays = parts.BYMONTHDAY?.length ?? 0;
	if (months > 1 || weekdays > 1 || monthDays > 7) return false;
	return monthDays <= 1 || weekdays === 1;
}
