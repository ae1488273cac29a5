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
		const previous = zoned.getTimeZoneTransition("previous");
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
