// Graph event create (transactionId de-dup, series masters), PATCH (occurrence → exception), DELETE and time formatting.
import { Temporal } from "temporal-polyfill";
import { randomBytes } from "node:crypto";
import { graphError } from "./errors";
import type { MeetingProviders } from "./online-meetings";
import { applyOnlineMeeting, meetingProviders, OFFLINE } from "./online-meetings";
import { parseRecurrence } from "./recurrence";
import type { GraphDateTime, GraphEvent, OutlookCalendar, OutlookStore, RetiredGeneration, StoredGraphEvent } from "./store";
import { graphId } from "./store";

/** A few Windows zone names Outlook uses; anything else must be IANA. */
const WINDOWS_ZONES: Record<string, string> = {
	"Pacific Standard Time": "America/Los_Angeles",
	"Eastern Standard Time": "America/New_York",
	"GMT Standard Time": "Europe/London",
	"W. Europe Standard Time": "Europe/Berlin",
	"Romance Standard Time": "Europe/Paris",
	"Central European Standard Time": "Europe/Warsaw",
};

export function ianaZone(zone: string): string {
	const iana = WINDOWS_ZONES[zone] ?? zone;
	try {
		Temporal.Now.zonedDateTimeISO(iana);
		return iana;
	} catch {
		throw graphError(400, "TimeZoneNotSupportedException", `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zone}'.`);
	}
}

export function graphDateTimeToMs(value: GraphDateTime): number {
	if (typeof value?.dateTime !== "string" || typeof value.timeZone !== "string") {
		throw graphError(400, "ErrorInvalidRequest", "start and end need dateTime and timeZone.");
	}
	try {
		return Temporal.PlainDateTime.from(value.dateTime.replace(/Z$/, "")).toZonedDateTime(ianaZone(value.timeZone)).epochMilliseconds;
	} catch (error) {
		if (error instanceof RangeError) throw graphError(400, "ErrorInvalidRequest", `Cannot convert '${value.dateTime}'.`);
		throw error;
	}
}

/** Graph prints seven fractional digits and no offset; the zone is named separately. */
export function formatGraphDateTime(epochMs: number, zone: string): GraphDateTime {
	const plain = Temporal.Instant.fromEpochMilliseconds(epochMs).toZonedDateTimeISO(ianaZone(zone)).toPlainDateTime();
	return { dateTime: plain.toString({ fractionalSecondDigits: 7 }), timeZone: zone };
}

/** Applies `Prefer: outlook.timezone` (UTC otherwise) to an event's start and end. */
export function presentEvent(stored: StoredGraphEvent, preferZone: string | undefined): GraphEvent {
	const zone = preferZone ?? "UTC";
	return { ...stored.event, start: formatGraphDateTime(stored.startMs, zone), end: formatGraphDateTime(stored.endMs, zone) };
}

function isMidnight(value: GraphDateTime): boolean {
	return /T00:00:00(\.0+)?$/.test(value.dateTime);
}

function newVersion(event: GraphEvent, nowMs: number): void {
	event.changeKey = randomBytes(12).toString("base64");
	event["@odata.etag"] = `W/"${event.changeKey}"`;
	event.lastModifiedDateTime = new Date(nowMs).toISOString();
}

/** Server-owned fields; isCancelled too, since only an organizer's cancel (not a write) sets it. */
const READ_ONLY = new Set(["id", "@odata.etag", "changeKey", "createdDateTime", "lastModifiedDateTime", "iCalUId", "type", "transactionId", "seriesMasterId", "originalStart", "isCancelled", "onlineMeeting", "onlineMeetingUrl"]);

/** Who organizes an event, for its Teams meeting: the providers the account allows and its object id. */
export interface MeetingOrganizer {
	providers: MeetingProviders;
	organizerId: string;
}

/** The control API and pages act for a work account; Graph calls name the signed-in account's (graph.ts). */
const WORK_ORGANIZER: MeetingOrganizer = { providers: meetingProviders("work"), organizerId: "00000000-0000-0000-0000-000000000000" };
/** docs/providers.md B2: the freeBusyStatus values. */
const SHOW_AS = ["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"];
/** docs/providers.md B1: an event takes at most 500 attendees. */
const MAX_ATTENDEES = 500;

function checkFields(body: Record<string, unknown>): void {
	if (body.showAs !== undefined && body.showAs !== null && !SHOW_AS.includes(String(body.showAs))) {
		throw graphError(400, "BadRequest", `Cannot convert the literal '${String(body.showAs)}' to the expected type 'microsoft.graph.freeBusyStatus'.`);
	}
	if (body.attendees !== undefined && body.attendees !== null) {
		if (!Array.isArray(body.attendees)) throw graphError(400, "BadRequest", "attendees must be a collection.");
		if (body.attendees.length > MAX_ATTENDEES) throw graphError(400, "ErrorInvalidRequest", `An event can have at most ${MAX_ATTENDEES} attendees.`);
	}
}

function checkTimes(body: Record<string, unknown>, current?: StoredGraphEvent): { startMs: number; endMs: number } {
	const start = (body.start as GraphDateTime | undefined) ?? current?.event.start;
	const end = (body.end as GraphDateTime | undefined) ?? current?.event.end;
	if (start === undefined || end === undefined) throw graphError(400, "ErrorInvalidRequest", "start and end are required.");
	const startMs = body.start === undefined && current !== undefined ? current.startMs : graphDateTimeToMs(start);
	const endMs = body.end === undefined && current !== undefined ? current.endMs : graphDateTimeToMs(end);
	if (endMs < startMs) throw graphError(400, "ErrorInvalidRequest", "The end time must be after the start time.");
	const allDay = (body.isAllDay as boolean | undefined) ?? current?.event.isAllDay ?? false;
	if (allDay && (!isMidnight(start) || !isMidnight(end) || start.timeZone !== end.timeZone)) {
		throw graphError(400, "ErrorInvalidRequest", "Your request can't be completed. Start and end of an all-day event must be midnight in one time zone.");
	}
	return { startMs, endMs };
}

/**
 * Creates an event. `asOwner` sets what only Outlook itself can (the control API's cancelled meeting), after the
 * client's fields.
 */
export function createGraphEvent(
	store: OutlookStore,
	calendar: OutlookCalendar,
	body: Record<string, unknown>,
	nowMs: number,
	asOwner: Partial<GraphEvent> = {},
	organizer: MeetingOrganizer = WORK_ORGANIZER,
): { stored: StoredGraphEvent; created: boolean } {
	const transactionId = typeof body.transactionId === "string" ? body.transactionId : undefined;
	if (transactionId !== undefined) {
		const existing = store.stored(calendar.id).find((s) => !s.deleted && s.event.transactionId === transactionId);
		if (existing !== undefined) return { stored: existing, created: false };
	}
	checkFields(body);
	const { startMs, endMs } = checkTimes(body);
	const recurring = body.recurrence !== undefined && body.recurrence !== null;
	if (recurring) parseRecurrence(body.recurrence, body.start as GraphDateTime);
	const id = graphId();
	const event: GraphEvent = {
		id,
		"@odata.etag": "",
		changeKey: "",
		createdDateTime: new Date(nowMs).toISOString(),
		lastModifiedDateTime: "",
		subject: "",
		body: { contentType: "text", content: "" },
		isAllDay: false,
		showAs: "busy",
		type: "singleInstance",
		isCancelled: false,
		categories: [],
		recurrence: null,
		seriesMasterId: null,
		iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(16).toString("hex").toUpperCase()}`,
		originalStartTimeZone: (body.start as GraphDateTime).timeZone,
		originalEndTimeZone: (body.end as GraphDateTime).timeZone,
		start: body.start as GraphDateTime,
		end: body.end as GraphDateTime,
		...OFFLINE,
	};
	for (const [key, value] of Object.entries(body)) if (!READ_ONLY.has(key)) event[key] = value;
	applyOnlineMeeting(event, body, undefined, organizer.providers, organizer.organizerId);
	Object.assign(event, asOwner);
	// transactionId is echoed only when the client set it.
	if (transactionId !== undefined) event.transactionId = transactionId;
	if (recurring) event.type = "seriesMaster";
	newVersion(event, nowMs);
	return { stored: store.write({ calendarId: calendar.id, event, startMs, endMs, deleted: false }, "created"), created: true };
}

/** Whether a master's times, zone or pattern differ, which makes Outlook rebuild the series. */
function seriesShapeChanged(current: StoredGraphEvent, next: GraphEvent, startMs: number, endMs: number): boolean {
	return (
		startMs !== current.startMs ||
		endMs !== current.endMs ||
		next.start.timeZone !== current.event.start.timeZone ||
		JSON.stringify(next.recurrence) !== JSON.stringify(current.event.recurrence)
	);
}

/**
 * PATCH. On an occurrence (stored or generated) it makes an exception that keeps the occurrence's id.
 * On a series master, new times or a new pattern rebuild the series (docs/providers.md B2): every occurrence is
 * regenerated under a new id and the old ones, exceptions and cancellations included, are removed, as Outlook
 * discards a series' exceptions when its pattern or times change. A recurrence on a single event makes it a
 * series master with the same id. `recurrence: null` counts as absent (SDKs send unset fields as null): a series
 * cannot be turned back into a single event.
 */
export function patchGraphEvent(store: OutlookStore, current: StoredGraphEvent, body: Record<string, unknown>, nowMs: number, organizer: MeetingOrganizer = WORK_ORGANIZER): StoredGraphEvent {
	const type = current.event.type;
	const recurrenceGiven = body.recurrence !== undefined && body.recurrence !== null;
	if ((type === "occurrence" || type === "exception") && recurrenceGiven) {
		throw graphError(400, "ErrorInvalidRequest", "An occurrence or exception of a series cannot have a recurrence.");
	}
	checkFields(body);
	const { startMs, endMs } = checkTimes(body, current);
	const event: GraphEvent = structuredClone(current.event);
	for (const [key, value] of Object.entries(body)) if (!READ_ONLY.has(key) && !(key === "recurrence" && value === null)) event[key] = value;
	applyOnlineMeeting(event, body, current.event, organizer.providers, organizer.organizerId);
	if (event.type === "occurrence") event.type = "exception";
	const becomesSeries = type === "singleInstance" && recurrenceGiven;
	const rebuilt = type === "seriesMaster" && seriesShapeChanged(current, event, startMs, endMs);
	// The range must still start on the (possibly moved) start date, as on create.
	if (becomesSeries || rebuilt) parseRecurrence(event.recurrence, event.start);
	if (becomesSeries) event.type = "seriesMaster";
	newVersion(event, nowMs);
	const next: Omit<StoredGraphEvent, "seq" | "order"> = { calendarId: current.calendarId, event, startMs, endMs, deleted: false };
	if (current.generation !== undefined) next.generation = current.generation;
	if (current.retired !== undefined) next.retired = current.retired;
	if (!rebuilt) return store.write(next, "updated");

	const generation = current.generation ?? 0;
	const retired: RetiredGeneration = { generation, start: current.event.start, recurrence: current.event.recurrence, startMs: current.startMs, endMs: current.endMs, seq: 0 };
	next.generation = generation + 1;
	next.retired = [...(current.retired ?? []), retired];
	const record = store.write(next, "updated");
	retired.seq = record.seq;
	for (const member of store.stored(current.calendarId)) {
		if (!member.deleted && member.event.seriesMasterId === event.id) {
			const gone = structuredClone(member.event);
			newVersion(gone, nowMs);
			store.write({ ...member, event: gone, deleted: true }, "deleted");
		}
	}
	return record;
}

/** DELETE; on an occurrence it cancels just that one, on a master the whole series with its exceptions. */
export function deleteGraphEvent(store: OutlookStore, current: StoredGraphEvent, nowMs: number): void {
	const event = structuredClone(current.event);
	newVersion(event, nowMs);
	store.write({ ...current, event, deleted: true }, "deleted");
	if (current.event.type !== "seriesMaster") return;
	for (const member of store.stored(current.calendarId)) {
		if (!member.deleted && member.event.seriesMasterId === current.event.id) deleteGraphEvent(store, member, nowMs);
	}
}
