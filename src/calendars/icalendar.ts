// Translates iCalendar text (CalDAV, iCloud, ICS feeds) into the ExternalEvents every adapter returns,
// from one parse: instances with their status, transparency, the owner's decline and all-day dates, and
// Slotline's own marker. Whether an instance blocks time is decided in src/sync/feed-batch.ts, as for every
// provider. Pure: no I/O, no clock, no environment. Expansion follows test/fixtures/ics/README.md.
import ICAL from "ical.js";
import { Temporal } from "temporal-polyfill";
import { ianaTimeZone } from "../zones";
import { localDateOf } from "./event-time";
import { describe, parseCalendars } from "./icalendar-parse";
import { adoptTimeZones, ZoneResolver } from "./icalendar-zones";
import type { ExternalEvent, ExternalInstance, UnreadableProblem } from "./provider";

export { ICalendarParseError } from "./icalendar-parse";

/** Set by Slotline's outbound writers: the booking (or series) id an event was written for. */
export const SLOTLINE_BOOKING_ID_PROPERTY = "X-SLOTLINE-BOOKING-ID";
/** Most occurrences one series may contribute to one import; more is reported and cut off. */
export const MAX_INSTANCES_PER_SERIES = 10_000;
/** Rule iterations one series may spend, counting those before the window (hostile RRULEs). */
const MAX_STEPS_PER_SERIES = 50_000;
/** Rule iterations a whole document may spend, so many moderately large series stay bounded too. */
const MAX_STEPS_PER_DOCUMENT = 250_000;
/** Longer DURATIONs are not real events; ten years is far beyond any window sync asks for. */
const MAX_DURATION_DAYS = 3_660;
const MS_PER_DAY = 86_400_000;

export interface ICalendarImportOptions {
	/** IANA zone of the staff member: floating times and all-day dates are read in it. */
	staffTimezone: string;
	/**
	 * The staff member's own addresses (their email, the calendar account's, ones the admin added):
	 * an ATTENDEE with any of them is theirs (case-insensitive, `mailto:` removed), and their decline marks the instance declined.
	 */
	ownAddresses: readonly string[];
	/** UTC epoch ms, [from, to). */
	window: { from: number; to: number };
}

/** An event (or a whole UID) skipped or cut short; the rest of the document was still imported. */
export interface ICalendarImportIssue {
	uid: string | null;
	/** What went wrong, as a category: the only part safe to store (see SyncResult.unreadable). */
	problem: UnreadableProblem;
	/** For people debugging the importer; may quote the offending line, so it is never stored. */
	message: string;
}

/** The options make no sense (a caller bug, not bad calendar data). */
export class ICalendarOptionsError extends Error {
	override readonly name = "ICalendarOptionsError";
	constructor(readonly fields: Array<{ field: string; message: string }>) {
		super(fields.map((f) => `${f.field}: ${f.message}`).join("; "));
	}
}

/** A reason an event cannot be imported, with its category. */
class ImportProblem extends Error {
	constructor(
		readonly problem: UnreadableProblem,
		message: string,
	) {
		super(message);
	}
}

function problemOf(error: unknown): UnreadableProblem {
	if (error instanceof ImportProblem) return error.problem;
	if (error instanceof ExpansionLimitError) return "too-many-occurrences";
	// ical.js throws plain errors for values it cannot read.
	return "unparseable";
}

export interface ICalendarImportResult {
	/**
	 * One per UID with an occurrence in the window or Slotline's marker, in document order. Instances are
	 * sorted by start, then end, never merged or clipped to the window, and include those that block
	 * nothing (cancelled, transparent, declined).
	 */
	events: ExternalEvent[];
	errors: ICalendarImportIssue[];
}

/**
 * Every VEVENT occurrence that overlaps `options.window`, as ExternalEvents named by UID.
 *
 * `instanceId` of a recurring event's occurrence is `${uid}/${original start}`, the original start
 * (RECURRENCE-ID) written as UTC ISO without milliseconds (`2026-05-20T08:00:00Z`), or as the date
 * (`2026-03-15`) for all-day series. A bad event is skipped and described in `errors`; only a
 * document without any readable VCALENDAR throws (ICalendarParseError). Invalid options throw
 * ICalendarOptionsError.
 */
export function eventsFromICalendar(text: string, options: ICalendarImportOptions): ICalendarImportResult {
	const context = createContext(options);
	const parsed = parseCalendars(text);
	const errors: ICalendarImportIssue[] = [...parsed.dropped];
	const events = new Map<string, ExternalEvent>();
	for (const calendar of parsed.calendars) {
		errors.push(...adoptTimeZones(calendar));
		for (const group of groupByUid(calendar.getAllSubcomponents("vevent"), errors)) {
			const event = events.get(group.uid) ?? { id: group.uid, slotlineBookingId: null, instances: [] };
			event.slotlineBookingId ??= markerOf(group);
			events.set(group.uid, event);
			try {
				event.instances.push(...instancesOfGroup(group, context, errors));
			} catch (error) {
				errors.push({ uid: group.uid, problem: problemOf(error), message: describe(error) });
			}
		}
	}
	const found = [...events.values()].filter((event) => event.instances.length > 0 || event.slotlineBookingId !== null);
	for (const event of found) event.instances.sort((a, b) => a.start - b.start || a.end - b.end || compareText(a.instanceId, b.instanceId));
	return { events: found, errors };
}

/** The booking id Slotline wrote on any component of the UID (overrides included), or null. */
function markerOf(group: EventGroup): string | null {
	for (const component of group.components) {
		const value = component.getFirstPropertyValue(SLOTLINE_BOOKING_ID_PROPERTY.toLowerCase());
		if (typeof value === "string") return value;
	}
	return null;
}

interface ImportContext {
	staffTimezone: string;
	staffZone: ICAL.Timezone;
	ownAddresses: ReadonlySet<string>;
	from: number;
	to: number;
	zones: ZoneResolver;
	/** Shared by every series of the document; see MAX_STEPS_PER_DOCUMENT. */
	documentSteps: { remaining: number };
	/** Staff-zone days already converted, by date and offset in days (see staffDay). */
	days: Map<string, StaffDay>;
}

function createContext(options: ICalendarImportOptions): ImportContext {
	const problems = [];
	if (ianaTimeZone(options.staffTimezone) === null) {
		problems.push({ field: "staffTimezone", message: `"${options.staffTimezone}" is not a known IANA time zone` });
	}
	const { from, to } = options.window;
	if (!Number.isFinite(from) || !Number.isFinite(to) || from > to) {
		problems.push({ field: "window", message: "from and to must be finite epoch milliseconds with from <= to" });
	}
	if (problems.length > 0) throw new ICalendarOptionsError(problems);
	const zones = new ZoneResolver();
	const staffZone = zones.resolve(options.staffTimezone);
	if (staffZone === null) throw new ICalendarOptionsError([{ field: "staffTimezone", message: "unknown time zone" }]);
	return {
		staffTimezone: options.staffTimezone,
		staffZone,
		ownAddresses: new Set(options.ownAddresses.map(normalizeAddress).filter((address) => address !== "")),
		from,
		to,
		zones,
		documentSteps: { remaining: MAX_STEPS_PER_DOCUMENT },
		days: new Map(),
	};
}

// ---------------------------------------------------------------------------------------------
// Grouping: a master VEVENT and its RECURRENCE-ID overrides share a UID.

interface EventGroup {
	uid: string;
	components: ICAL.Component[];
}

function groupByUid(vevents: ICAL.Component[], errors: ICalendarImportIssue[]): EventGroup[] {
	const groups = new Map<string, EventGroup>();
	for (const vevent of vevents) {
		const uid = textValue(vevent, "uid")?.trim() ?? "";
		if (uid === "") {
			// Without a UID an occurrence has no stable id, so sync could never update or delete it.
			errors.push({ uid: null, problem: "no-uid", message: "VEVENT without UID skipped" });
			continue;
		}
		const group = groups.get(uid) ?? { uid, components: [] };
		group.components.push(vevent);
		groups.set(uid, group);
	}
	return [...groups.values()];
}

function instancesOfGroup(group: EventGroup, context: ImportContext, errors: ICalendarImportIssue[]): ExternalInstance[] {
	const masters = group.components.filter((c) => !c.hasProperty("recurrence-id"));
	const overrideComponents = group.components.filter((c) => c.hasProperty("recurrence-id"));
	if (masters.length > 1) {
		errors.push({ uid: group.uid, problem: "duplicate-event", message: `${masters.length} VEVENTs without RECURRENCE-ID; using the highest SEQUENCE` });
	}
	const masterComponent = latestBySequence(masters);

	const overrides = new Map<string, PreparedEvent>();
	for (const component of overrideComponents) {
		try {
			const prepared = prepareEvent(component, context);
			if (prepared.recurrenceId === null) continue;
			const key = timeKey(prepared.recurrenceId);
			const existing = overrides.get(key);
			if (existing === undefined || sequenceOf(component) >= sequenceOf(existing.component)) {
				overrides.set(key, prepared);
			}
		} catch (error) {
			// The master's own instance then stands, which blocks the original time: the safe side.
			errors.push({ uid: group.uid, problem: problemOf(error), message: `Override skipped: ${describe(error)}` });
		}
	}

	const instances: ExternalInstance[] = [];
	if (masterComponent !== undefined) {
		try {
			instances.push(...masterInstances(group.uid, prepareEvent(masterComponent, context), overrides, rangeOverridesOf(overrides, context), context, errors));
		} catch (error) {
			errors.push({ uid: group.uid, problem: problemOf(error), message: describe(error) });
		}
	}
	for (const override of overrides.values()) {
		// Every override is a complete event; it replaces the master instance with the same key (if
		// any) and stands on its own otherwise, like an invitation to a single instance.
		const instance = instanceOf(override, override.start, override.recurrenceId, group.uid, context);
		if (instance !== null) instances.push(instance);
	}
	return instances;
}

// ---------------------------------------------------------------------------------------------
// One VEVENT, read once: zones resolved, end rule, status, transparency and the owner's answer read.

type EndRule =
	| { kind: "exact"; ms: number }
	| { kind: "days"; days: number }
	| { kind: "duration"; days: number; seconds: number }
	| { kind: "none" };

interface PreparedEvent {
	component: ICAL.Component;
	start: ICAL.Time;
	end: EndRule;
	recurrenceId: ICAL.Time | null;
	status: ExternalInstance["status"];
	transparent: boolean;
	declined: boolean;
}

function prepareEvent(component: ICAL.Component, context: ImportContext): PreparedEvent {
	const start = firstTime(component, "dtstart", context);
	if (start === null) throw new ImportProblem("no-start", "VEVENT without DTSTART skipped");
	return {
		component,
		start,
		end: endRuleOf(component, start, context),
		recurrenceId: firstTime(component, "recurrence-id", context),
		status: statusOf(component),
		transparent: textValue(component, "transp")?.trim().toUpperCase() === "TRANSPARENT",
		declined: context.ownAddresses.size > 0 && declinedBy(component, context.ownAddresses),
	};
}

function endRuleOf(component: ICAL.Component, start: ICAL.Time, context: ImportContext): EndRule {
	const end = firstTime(component, "dtend", context);
	if (end !== null) {
		if (start.isDate && end.isDate) return { kind: "days", days: daysBetween(start, end) };
		return { kind: "exact", ms: instantOf(end, context) - instantOf(start, context) };
	}
	const duration = component.getFirstPropertyValue("duration");
	if (duration instanceof ICAL.Duration) return durationRule(duration);
	return { kind: "none" };
}

function durationRule(duration: ICAL.Duration): EndRule {
	// RFC 5545 §3.3.6: weeks and days are nominal (calendar days), the rest is exact time.
	const sign = duration.isNegative ? -1 : 1;
	// ical.js walks a date forward month by month, so a hostile P99999999W would cost seconds.
	if (duration.weeks * 7 + duration.days > MAX_DURATION_DAYS) throw new ImportProblem("bad-duration", `DURATION longer than ${MAX_DURATION_DAYS} days`);
	return {
		kind: "duration",
		days: sign * (duration.weeks * 7 + duration.days),
		seconds: sign * (duration.hours * 3600 + duration.minutes * 60 + duration.seconds),
	};
}

function statusOf(component: ICAL.Component): ExternalInstance["status"] {
	const status = textValue(component, "status")?.trim().toUpperCase();
	// CONFIRMED, a missing STATUS and any other value read as confirmed.
	return status === "CANCELLED" ? "cancelled" : status === "TENTATIVE" ? "tentative" : "confirmed";
}

function declinedBy(component: ICAL.Component, ownAddresses: ReadonlySet<string>): boolean {
	return component.getAllProperties("attendee").some((attendee) => {
		// EMAIL= (RFC 7986) carries the address when the value is not a mailto: URI.
		const addresses = [String(attendee.getFirstValue() ?? ""), parameterText(attendee, "email") ?? ""];
		if (!addresses.some((address) => ownAddresses.has(normalizeAddress(address)))) return false;
		// A missing PARTSTAT means NEEDS-ACTION: not a decline.
		return (parameterText(attendee, "partstat") ?? "").trim().toUpperCase() === "DECLINED";
	});
}

// ---------------------------------------------------------------------------------------------
// Recurrence expansion.

function masterInstances(
	uid: string,
	master: PreparedEvent,
	overrides: Map<string, PreparedEvent>,
	ranges: RangeOverride[],
	context: ImportContext,
	errors: ICalendarImportIssue[],
): ExternalInstance[] {
	const rules = master.component.getAllProperties("rrule").map((p) => p.getFirstValue());
	const rdateProperties = master.component.getAllProperties("rdate");
	const rdates = rdateProperties.flatMap((p) => timesOf(p, context));
	const periodEnds = periodEndsOf(rdateProperties, context);
	const recurring = rules.length > 0 || rdates.length > 0 || overrides.size > 0;
	if (!recurring) {
		const instance = instanceOf(master, master.start, null, uid, context);
		return instance === null ? [] : [instance];
	}
	// An instance just past the window may be moved back into it by a THISANDFUTURE override.
	const stopAt = context.to + Math.max(0, ...ranges.map((range) => range.lookBackMs));

	const iterators = rules.map((rule) => {
		if (!(rule instanceof ICAL.Recur)) throw new ImportProblem("bad-recurrence", "Unreadable RRULE");
		alignUntil(rule, master.start);
		return rule.iterator(master.start.clone());
	});
	let seriesSteps = MAX_STEPS_PER_SERIES;
	const spend = (): void => {
		seriesSteps -= 1;
		context.documentSteps.remaining -= 1;
		if (seriesSteps < 0 || context.documentSteps.remaining < 0) throw new ExpansionLimitError();
	};
	for (const iterator of iterators) {
		// ical.js can loop inside one next() call for rules that never match (DAILY;BYMONTH=2;
		// BYMONTHDAY=30); every candidate passes this check, so counting it bounds the work.
		const check = iterator.check_contracting_rules.bind(iterator);
		iterator.check_contracting_rules = (): boolean => {
			spend();
			return check();
		};
	}

	const exdates = master.component.getAllProperties("exdate").flatMap((p) => timesOf(p, context));
	const excludedKeys = new Set(exdates.map(timeKey));
	const excludedDays = new Set(exdates.filter((t) => t.isDate).map((t) => t.toString()));
	// DTSTART is always the first instance (RFC 5545 §3.8.5.3), even with RDATE only.
	const extra = [master.start, ...rdates].sort((a, b) => a.compare(b));

	let lastKey: string | null = null;
	const instanceAt = (occurrence: ICAL.Time): ExternalInstance | null | "stop" => {
		const key = timeKey(occurrence);
		if (key === lastKey) return null;
		lastKey = key;
		if (instantOf(occurrence, context) >= stopAt) return "stop";
		if (excludedKeys.has(key) || overrides.has(key)) return null;
		if (excludedDays.size > 0 && !occurrence.isDate && excludedDays.has(dateOf(occurrence))) return null;
		const range = rangeAt(ranges, occurrence);
		if (range !== null) return instanceOf(range.event, shiftedBy(range, occurrence, context), occurrence, uid, context);
		// An RDATE period lasts as long as the period says, not as long as the series (RFC 5545 §3.8.5.2).
		const periodEnd = periodEnds.get(key);
		return instanceOf(periodEnd === undefined ? master : { ...master, end: periodEnd }, occurrence, occurrence, uid, context);
	};

	const instances: ExternalInstance[] = [];
	let extraIndex = 0;
	try {
		const heads = iterators.map((it) => it.next());
		for (;;) {
			spend();
			// Merge the rule iterators and the explicit dates in start order.
			let best = extra[extraIndex] ?? null;
			let bestSource = -1;
			for (const [index, head] of heads.entries()) {
				if (head !== null && (best === null || head.compare(best) < 0)) {
					best = head;
					bestSource = index;
				}
			}
			if (best === null) break;
			// Read the instance before advancing: ical.js reuses its Time object for the next one.
			const outcome = instanceAt(best);
			if (bestSource === -1) extraIndex += 1;
			else heads[bestSource] = (iterators[bestSource] as ICAL.RecurIterator).next();
			if (outcome === "stop") break;
			if (outcome === null) continue;
			if (instances.length >= MAX_INSTANCES_PER_SERIES) {
				errors.push({ uid, problem: "too-many-occurrences", message: `More than ${MAX_INSTANCES_PER_SERIES} occurrences in the window; the rest were dropped` });
				break;
			}
			instances.push(outcome);
		}
	} catch (error) {
		if (!(error instanceof ExpansionLimitError)) throw error;
		errors.push({ uid, problem: "too-many-occurrences", message: `${error.message}; ${instances.length} occurrences kept` });
	}
	return instances;
}

/**
 * A RECURRENCE-ID;RANGE=THISANDFUTURE override (RFC 5545 §3.8.4.4, §3.2.13): every later instance
 * without an override of its own moves by the shift it gave its own instance and takes its length
 * and its free/busy meaning.
 */
interface RangeOverride {
	event: PreparedEvent;
	recurrenceId: ICAL.Time;
	/** How far it moved its instance back (ms, 0 if forward): later instances come into the window from that far past it. */
	lookBackMs: number;
}

function rangeOverridesOf(overrides: Map<string, PreparedEvent>, context: ImportContext): RangeOverride[] {
	const ranges: RangeOverride[] = [];
	for (const event of overrides.values()) {
		const property = event.component.getFirstProperty("recurrence-id");
		const range = property === null ? null : parameterText(property, "range");
		if (event.recurrenceId === null || range?.trim().toUpperCase() !== "THISANDFUTURE") continue;
		const lookBackMs = Math.max(0, instantOf(event.recurrenceId, context) - instantOf(event.start, context));
		if (lookBackMs > MAX_DURATION_DAYS * MS_PER_DAY) throw new ImportProblem("bad-recurrence", `THISANDFUTURE override moves its instances more than ${MAX_DURATION_DAYS} days`);
		ranges.push({ event, recurrenceId: event.recurrenceId, lookBackMs });
	}
	return ranges.sort((a, b) => a.recurrenceId.compare(b.recurrenceId));
}

/** The latest THISANDFUTURE override at or before `occurrence`, or null. */
function rangeAt(ranges: RangeOverride[], occurrence: ICAL.Time): RangeOverride | null {
	let found: RangeOverride | null = null;
	for (const range of ranges) {
		if (range.recurrenceId.compare(occurrence) > 0) break;
		found = range;
	}
	return found;
}

/**
 * `occurrence` moved as the override moved its own instance: by the same wall-clock shift when both
 * are written in one zone (or both are dates), so a series moved from 09:00 to 10:00 stays at 10:00
 * across DST; by the same elapsed time otherwise.
 */
function shiftedBy(range: RangeOverride, occurrence: ICAL.Time, context: ImportContext): ICAL.Time {
	const from = range.recurrenceId;
	const to = range.event.start;
	if (from.isDate === to.isDate && occurrence.isDate === to.isDate && (from.isDate || from.zone?.tzid === to.zone?.tzid)) {
		const wallShift = wallMs(to) - wallMs(from);
		if (Math.abs(wallShift) > MAX_DURATION_DAYS * MS_PER_DAY) throw new ImportProblem("bad-recurrence", `THISANDFUTURE override moves its instances more than ${MAX_DURATION_DAYS} days`);
		const moved = occurrence.clone();
		moved.adjust(Math.trunc(wallShift / MS_PER_DAY), 0, 0, (wallShift % MS_PER_DAY) / 1000);
		return moved;
	}
	const instant = instantOf(occurrence, context) + instantOf(to, context) - instantOf(from, context);
	return ICAL.Time.fromJSDate(new Date(instant), true);
}

/** A wall-clock time (or a date at midnight) as if it were UTC, for differences of wall times. */
function wallMs(time: ICAL.Time): number {
	return Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second);
}

class ExpansionLimitError extends Error {
	constructor() {
		super("Recurrence expansion stopped: the rule needs too many iterations");
	}
}

/**
 * Makes UNTIL comparable with the instances: a floating UNTIL is read in DTSTART's zone, and a DATE
 * UNTIL on a DATE-TIME series (invalid, but common) keeps the instances of that whole day.
 */
function alignUntil(rule: ICAL.Recur, start: ICAL.Time): void {
	const until = rule.until;
	if (until === null || start.isDate) return;
	if (until.isDate) {
		rule.until = ICAL.Time.fromData({ year: until.year, month: until.month, day: until.day, hour: 23, minute: 59, second: 59, isDate: false }, start.zone);
	} else if (until.zone === ICAL.Timezone.localTimezone) {
		rule.until = withZone(until, start.zone);
	}
}

// ---------------------------------------------------------------------------------------------
// Instants.

/**
 * The instance of `event` starting at `occurrence`, or null when it has no length or misses the
 * window. `originalStart` (the RECURRENCE-ID) names instances; null for single events.
 */
function instanceOf(
	event: PreparedEvent,
	occurrence: ICAL.Time,
	originalStart: ICAL.Time | null,
	uid: string,
	context: ImportContext,
): ExternalInstance | null {
	const start = instantOf(occurrence, context);
	const end = endOf(occurrence, start, event.end, context);
	if (!Number.isFinite(start) || !Number.isFinite(end)) throw new ImportProblem("bad-date", "Date outside the supported range");
	if (!(end > start && start < context.to && end > context.from)) return null;
	return {
		instanceId: originalStart === null ? uid : `${uid}/${occurrenceStamp(originalStart, context)}`,
		start,
		end,
		allDay: occurrence.isDate ? allDayOf(occurrence, event.end, end, context) : null,
		status: event.status,
		transparent: event.transparent,
		declined: event.declined,
	};
}

/**
 * The local dates of an all-day instance, read from its DATE values (the staff-zone days its instants
 * came from); only an end that is not a whole number of days after the start is read back from its instant.
 */
function allDayOf(occurrence: ICAL.Time, rule: EndRule, end: number, context: ImportContext): { startDate: string; endDate: string } {
	const days = rule.kind === "days" ? rule.days : rule.kind === "none" ? 1 : rule.kind === "duration" && rule.seconds === 0 ? rule.days : null;
	return {
		startDate: staffDay(occurrence, 0, context).date,
		endDate: days === null ? localDateOf(end, context.staffTimezone) : staffDay(occurrence, days, context).date,
	};
}

function endOf(occurrence: ICAL.Time, start: number, rule: EndRule, context: ImportContext): number {
	switch (rule.kind) {
		case "exact":
			return start + rule.ms;
		case "days":
			return staffMidnight(occurrence, rule.days, context);
		case "duration":
			return (occurrence.isDate ? staffMidnight(occurrence, rule.days, context) : plusLocalDays(occurrence, rule.days)) + rule.seconds * 1000;
		case "none":
			// A DATE start alone lasts one day; a DATE-TIME start alone has no length.
			return occurrence.isDate ? staffMidnight(occurrence, 1, context) : start;
	}
}

/** UTC ms of a date-time, or of the staff member's local midnight for a date. */
function instantOf(time: ICAL.Time, context: ImportContext): number {
	return time.isDate ? staffMidnight(time, 0, context) : time.toUnixTime() * 1000;
}

/** The instant `days` calendar days after `time` on the wall clock of its own zone. */
function plusLocalDays(time: ICAL.Time, days: number): number {
	if (days === 0) return time.toUnixTime() * 1000;
	const shifted = time.clone();
	shifted.adjust(days, 0, 0, 0);
	return shifted.toUnixTime() * 1000;
}

/** A local day of the staff member: its date and the instant it starts (23 or 25 hours on DST days). */
interface StaffDay {
	date: string;
	midnight: number;
}

/** Start of the staff member's local day `days` after the date of `time`. */
function staffMidnight(time: ICAL.Time, days: number, context: ImportContext): number {
	return staffDay(time, days, context).midnight;
}

/** The staff member's local day `days` after the date of `time`, converted once per document. */
function staffDay(time: ICAL.Time, days: number, context: ImportContext): StaffDay {
	const key = `${time.year}-${time.month}-${time.day}+${days}`;
	let day = context.days.get(key);
	if (day === undefined) {
		const date = new Temporal.PlainDate(time.year, time.month, time.day).add({ days });
		day = { date: date.toString(), midnight: date.toZonedDateTime({ timeZone: context.staffTimezone }).epochMilliseconds };
		context.days.set(key, day);
	}
	return day;
}

function daysBetween(start: ICAL.Time, end: ICAL.Time): number {
	const a = new Temporal.PlainDate(start.year, start.month, start.day);
	const b = new Temporal.PlainDate(end.year, end.month, end.day);
	return a.until(b, { largestUnit: "days" }).days;
}

/** Identity of an instance: the instant for date-times, the calendar date for dates. */
function timeKey(time: ICAL.Time): string {
	return time.isDate ? `D${time.toString()}` : `T${time.toUnixTime()}`;
}

function occurrenceStamp(time: ICAL.Time, context: ImportContext): string {
	if (time.isDate) return time.toString();
	return new Date(instantOf(time, context)).toISOString().replace(".000Z", "Z");
}

function dateOf(time: ICAL.Time): string {
	return time.toString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Reading values: every date-time ends up in a real zone.

function firstTime(component: ICAL.Component, name: string, context: ImportContext): ICAL.Time | null {
	const property = component.getFirstProperty(name);
	if (property === null) return null;
	const [time] = timesOf(property, context);
	if (time === undefined) throw new ImportProblem("bad-date", `${name.toUpperCase()} is not a date or date-time`);
	return time;
}

/**
 * The length each PERIOD value of RDATE properties gives its own instance, keyed by its start
 * (timeKey): up to its end, or its duration.
 */
function periodEndsOf(properties: ICAL.Property[], context: ImportContext): Map<string, EndRule> {
	const ends = new Map<string, EndRule>();
	for (const property of properties) {
		const tzid = parameterText(property, "tzid")?.trim() ?? "";
		for (const value of property.getValues() as unknown[]) {
			if (!(value instanceof ICAL.Period) || !(value.start instanceof ICAL.Time)) continue;
			const start = resolveZone(value.start, property, tzid, context);
			if (value.end instanceof ICAL.Time) {
				const end = resolveZone(value.end, property, tzid, context);
				ends.set(timeKey(start), { kind: "exact", ms: instantOf(end, context) - instantOf(start, context) });
			} else if (value.duration instanceof ICAL.Duration) {
				ends.set(timeKey(start), durationRule(value.duration));
			}
		}
	}
	return ends;
}

/** The date/date-time values of a property (a PERIOD contributes its start), zones resolved. */
function timesOf(property: ICAL.Property, context: ImportContext): ICAL.Time[] {
	const tzid = parameterText(property, "tzid")?.trim() ?? "";
	return property.getValues().flatMap((value: unknown) => {
		const time = value instanceof ICAL.Period ? value.start : value;
		return time instanceof ICAL.Time ? [resolveZone(time, property, tzid, context)] : [];
	});
}

/**
 * Gives every date-time a zone this document vouches for. A floating value is read in the staff
 * zone; a TZID is answered by the file's own VTIMEZONE if it kept one, else by the tz database, and
 * anything else makes the event unusable. ical.js would otherwise fall back to its process-wide
 * TimezoneService for a TZID the file does not define, and whatever some other code registered
 * there under that name (a VTIMEZONE that only covers another window, say) must not decide when
 * this staff member is busy.
 */
function resolveZone(time: ICAL.Time, property: ICAL.Property, tzid: string, context: ImportContext): ICAL.Time {
	if (time.isDate || time.zone === ICAL.Timezone.utcTimezone) return time;
	if (tzid === "") return time.zone === ICAL.Timezone.localTimezone ? withZone(time, context.staffZone) : time;
	const own: ICAL.Timezone | null = property.parent?.getTimeZoneByID(tzid) ?? null;
	if (own !== null) return time.zone === own ? time : withZone(time, own);
	const zone = context.zones.resolve(tzid);
	if (zone === null) throw new ImportProblem("unknown-time-zone", `Unknown TZID "${tzid.slice(0, 100)}" (no VTIMEZONE and not an IANA name)`);
	return withZone(time, zone);
}

function withZone(time: ICAL.Time, zone: ICAL.Timezone): ICAL.Time {
	return ICAL.Time.fromData(
		{ year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second, isDate: false },
		zone,
	);
}

function textValue(component: ICAL.Component, name: string): string | null {
	const value = component.getFirstPropertyValue(name);
	return typeof value === "string" ? value : null;
}

function parameterText(property: ICAL.Property, name: string): string | null {
	const value = property.getParameter(name);
	if (typeof value === "string") return value;
	return Array.isArray(value) && typeof value[0] === "string" ? value[0] : null;
}

function sequenceOf(component: ICAL.Component): number {
	const value = Number(component.getFirstPropertyValue("sequence") ?? 0);
	return Number.isFinite(value) ? value : 0;
}

function latestBySequence(components: ICAL.Component[]): ICAL.Component | undefined {
	return components.reduce<ICAL.Component | undefined>(
		(best, candidate) => (best === undefined || sequenceOf(candidate) > sequenceOf(best) ? candidate : best),
		undefined,
	);
}

function normalizeAddress(address: string): string {
	return address.trim().replace(/^mailto:/i, "").toLowerCase();
}

function compareText(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
