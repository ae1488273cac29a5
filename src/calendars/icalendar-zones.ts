// Time zones for the iCalendar importer: IANA zones that a file names without a VTIMEZONE, answered
// by Temporal but shaped as ical.js zones so recurrence expansion and UNTIL checks stay in ical.js.
import ICAL from "ical.js";
import { ianaTimeZone, zoneInstant } from "../zones";

/**
 * An ical.js zone whose UTC offsets come from Temporal's tz database (src/zones.ts). ical.js asks a
 * zone one question, "what is the offset at this wall-clock time?", so overriding `utcOffset` is enough.
 */
class TemporalTimezone extends ICAL.Timezone {
	/** The canonical IANA name, so every spelling of a zone shares the isolate's one offset table. */
	readonly #zone: string;

	constructor(tzid: string, zone: string) {
		super({ tzid });
		this.#zone = zone;
	}

	/** Offset in seconds for the wall-clock time `tt`, chosen so that `wall - offset` is the RFC 5545 instant. */
	override utcOffset(tt: ICAL.Time): number {
		const wallAsUtc = Date.UTC(tt.year, tt.month - 1, tt.day, tt.hour, tt.minute, tt.second);
		return (wallAsUtc - zoneInstant(wallAsUtc, this.#zone)) / 1000;
	}
}

/** Resolves TZIDs that the file does not define, one ical.js zone per name and per import. */
export class ZoneResolver {
	readonly #zones = new Map<string, ICAL.Timezone | null>();

	/** The zone for an IANA `tzid`, or null when it names none (zones.ts decides). */
	resolve(tzid: string): ICAL.Timezone | null {
		let zone = this.#zones.get(tzid);
		if (zone === undefined) {
			const iana = ianaTimeZone(tzid);
			zone = iana === null ? null : new TemporalTimezone(tzid, iana);
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
		if (ianaTimeZone(tzid) !== null) {
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
