// Graph event create (transactionId de-dup, series masters), PATCH (occurrence → exception), DELETE and time formatting.
import { Temporal } from "temporal-polyfill";
import { randomBytes } from "node:crypto";
import { graphError } from "./errors";
import { parseRecurrence } from "./recurrence";
import type { GraphDateTime, GraphEvent, OutlookCalendar, OutlookStore, StoredGraphEvent } from "./store";
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

const READ_ONLY = new Set(["id", "@odata.etag", "changeKey", "createdDateTime", "lastModifiedDateTime", "iCalUId", "type", "transactionId", "seriesMasterId", "originalStart"]);

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

export function createGraphEvent(store: OutlookStore, calendar: OutlookCalendar, body: Record<string, unknown>, nowMs: number): { stored: StoredGraphEvent; created: boolean } {
	const transactionId = typeof body.transactionId === "string" ? body.transactionId : undefined;
	if (transactionId !== undefined) {
		const existing = store.stored(calendar.id).find((s) => !s.deleted && s.event.transactionId === transactionId);
		if (existing !== undefined) return { stored: existing, created: false };
	}
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
	};
	for (const [key, value] of Object.entries(body)) if (!READ_ONLY.has(key)) event[key] = value;
	// transactionId is echoed only when the client set it.
	if (transactionId !== undefined) event.transactionId = transactionId;
	if (recurring) event.type = "seriesMaster";
	newVersion(event, nowMs);
	return { stored: store.write({ calendarId: calendar.id, event, startMs, endMs, deleted: false }, "created"), created: true };
}

function checkSeriesPatch(current: StoredGraphEvent, body: Record<string, unknown>): void {
	const type = current.event.type;
	if ((type === "occurrence" || type === "exception") && body.recurrence !== undefined && body.recurrence !== null) {
		throw graphError(400, "ErrorInvalidRequest", "An occurrence or exception of a series cannot have a recurrence.");
	}
	if (type === "seriesMaster" && (body.start !== undefined || body.end !== undefined || body.recurrence !== undefined)) {
		throw graphError(501, "NotImplemented", "Changing the times or recurrence of a series master is not supported by the sandbox.");
	}
	if (type === "singleInstance" && body.recurrence !== undefined && body.recurrence !== null) {
		throw graphError(501, "NotImplemented", "Turning a single event into a series is not supported by the sandbox.");
	}
}

/** PATCH; on an occurrence (stored or generated) it makes an exception that keeps the occurrence's id. */
export function patchGraphEvent(store: OutlookStore, current: StoredGraphEvent, body: Record<string, unknown>, nowMs: number): StoredGraphEvent {
	checkSeriesPatch(current, body);
	const { startMs, endMs } = checkTimes(body, current);
	const event: GraphEvent = structuredClone(current.event);
	for (const [key, value] of Object.entries(body)) if (!READ_ONLY.has(key)) event[key] = value;
	if (event.type === "occurrence") event.type = "exception";
	newVersion(event, nowMs);
	return store.write({ calendarId: current.calendarId, event, startMs, endMs, deleted: false }, "updated");
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
