// Wall clock <-> instant conversion in one IANA zone. Temporal answers every question; a cached
// offset segment only lets us reuse its answer on days far from any offset transition.
import { Temporal } from "temporal-polyfill";
import { ValidationError } from "../errors";
import { zoneOffset } from "../zone-offsets";
import { MS_PER_DAY, MS_PER_MINUTE, wallFields } from "./calendar";

export interface ZoneClock {
	readonly timeZone: string;
	/**
	 * The instant at which the zone's wall clock reads `minutes` after midnight of `epochDay`
	 * (1440 = the next local midnight). Wall times that do not exist or exist twice are resolved
	 * with Temporal's `disambiguation: "compatible"`: a time in a spring-forward gap moves forward
	 * by the length of the gap (02:30 in a 02:00→03:00 gap becomes 03:30), and a time repeated at
	 * fall-back takes the earlier of its two instants. This is deterministic and matches RFC 5545.
	 */
	toInstant(epochDay: number, minutes: number): number;
	/** The epoch day of the zone's local date at `instant`. */
	localDay(instant: number): number;
}

/** A span of instants [from, to) over which the zone's UTC offset is constant. */
interface OffsetSegment {
	from: number;
	to: number;
	offsetMs: number;
}

/** Creates the clock for `timeZone`; `field` names the zone in the error when it is not a valid IANA zone. */
export function createZoneClock(timeZone: string, field: string): ZoneClock {
	try {
		Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(timeZone);
	} catch {
		throw new ValidationError([{ field, message: `"${timeZone}" is not a known IANA time zone` }]);
	}
	let segment: OffsetSegment | null = null;

	function exactInstant(epochDay: number, minutes: number): number {
		const f = wallFields(epochDay, minutes);
		return new Temporal.PlainDateTime(f.year, f.month, f.day, f.hour, f.minute)
			.toZonedDateTime(timeZone, { disambiguation: "compatible" }).epochMilliseconds;
	}

	// If the offset is constant for a whole day either side of candidate e = wall - offset, no other
	// instant can show the same wall time (offsets differ by less than a day), so e is exactly what
	// Temporal would return, gap and overlap handling included. Otherwise we ask Temporal directly.
	function fromSegment(wallAsUtc: number, seg: OffsetSegment): number | null {
		const e = wallAsUtc - seg.offsetMs;
		return e - MS_PER_DAY >= seg.from && e + MS_PER_DAY <= seg.to ? e : null;
	}

	function segmentFrom(instant: number): OffsetSegment {
		const zdt = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(timeZone);
		const next = zdt.getTimeZoneTransition("next");
		return {
			from: instant,
			to: next === null ? Number.POSITIVE_INFINITY : next.epochMilliseconds,
			offsetMs: zdt.offsetNanoseconds / 1_000_000,
		};
	}

	function toInstant(epochDay: number, minutes: number): number {
		const wallAsUtc = epochDay * MS_PER_DAY + minutes * MS_PER_MINUTE;
		if (segment !== null) {
			const cached = fromSegment(wallAsUtc, segment);
			if (cached !== null) return cached;
		}
		// UTC offsets lie within ±1 day, so a segment starting two days before the wall reading
		// starts at least a day before the instant we are looking for.
		const fresh = segmentFrom(wallAsUtc - 2 * MS_PER_DAY);
		segment = fresh;
		return fromSegment(wallAsUtc, fresh) ?? exactInstant(epochDay, minutes);
	}

	function localDay(instant: number): number {
		// The isolate's offset table answers as Temporal would (zone-offsets.ts), without an object per call.
		const offset = zoneOffset(instant, timeZone);
		if (offset !== null) return Math.floor((instant + offset.ms) / MS_PER_DAY);
		const date = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(timeZone).toPlainDate();
		return Date.UTC(date.year, date.month - 1, date.day) / MS_PER_DAY;
	}

	return { timeZone, toInstant, localDay };
}
