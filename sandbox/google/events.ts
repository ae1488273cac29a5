// Google events.insert/get/patch/update/delete semantics shared by the Calendar API and the control API.
import { base32hexId } from "../ids";
import { applyConference } from "./conference";
import { googleError } from "./errors";
import { expandSeries } from "./recurrence";
import type { GoogleCalendar, GoogleEvent, GoogleStore } from "./store";
import type { EventDateTime } from "./time";
import { formatInZone, hasOffset, isValidTimeZone, toEpochMs } from "./time";

export interface EventContext {
	store: GoogleStore;
	calendar: GoogleCalendar;
	actorEmail: string;
	nowMs: number;
	/** The write's `conferenceDataVersion` query parameter; absent is 0, which ignores conferenceData (docs/integrations.md 1.2). */
	conferenceDataVersion?: 0 | 1;
}

type Body = Record<string, unknown>;

const ID_PATTERN = /^[a-v0-9]{5,1024}$/;
const INSTANCE_PATTERN = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/i;
/** Fields the server owns; client values are ignored. */
const READ_ONLY = new Set(["kind", "etag", "created", "updated", "htmlLink", "creator", "organizer", "iCalUID", "sequence", "recurringEventId", "hangoutLink"]);

function invalid(message: string, location?: string): never {
	throw googleError(400, "invalid", message, location === undefined ? {} : { location, locationType: "parameter" });
}

function checkDateTime(value: unknown, field: string, recurring: boolean): EventDateTime {
	if (typeof value !== "object" || value === null) invalid(`Missing ${field}.`, field);
	const dt = value as EventDateTime;
	if (dt.date !== undefined) {
		if (!/^\d{4}-\d{2}-\d{2}$/.test(dt.date)) invalid(`Invalid ${field}.date.`, field);
		return { date: dt.date };
	}
	if (typeof dt.dateTime !== "string") invalid(`Missing ${field}.dateTime or ${field}.date.`, field);
	if (dt.timeZone !== undefined && !isValidTimeZone(dt.timeZone)) invalid(`Invalid time zone definition for ${field}.`, field);
	if (!hasOffset(dt.dateTime) && dt.timeZone === undefined) {
		invalid(`Missing time zone definition for ${field}.`, field);
	}
	// Google requires an explicit zone on series so expansion knows the wall clock.
	if (recurring && dt.timeZone === undefined) invalid("Missing time zone definition for start time.", field);
	const out: EventDateTime = { dateTime: dt.dateTime };
	if (dt.timeZone !== undefined) out.timeZone = dt.timeZone;
	return out;
}

const REMINDER_METHODS = ["email", "popup"];
/** docs/providers.md A4: at most 5 overrides, each 0–40320 minutes (four weeks) before the start. */
const MAX_REMINDER_OVERRIDES = 5;
const MAX_REMINDER_MINUTES = 40_320;
const RESPONSE_STATUSES = ["needsAction", "declined", "tentative", "accepted"];

function checkReminders(value: unknown): void {
	if (value === undefined) return;
	if (typeof value !== "object" || value === null) invalid("Invalid reminders.", "reminders");
	const { useDefault, overrides } = value as { useDefault?: unknown; overrides?: unknown };
	if (useDefault !== undefined && typeof useDefault !== "boolean") invalid("Invalid reminders.useDefault.", "reminders.useDefault");
	if (overrides === undefined) return;
	if (!Array.isArray(overrides)) invalid("Invalid reminders.overrides.", "reminders.overrides");
	if (useDefault === true && overrides.length > 0) {
		throw googleError(400, "cannotUseDefaultRemindersAndSpecifyOverride", "Cannot specify both default reminders and overrides at the same time.");
	}
	if (overrides.length > MAX_REMINDER_OVERRIDES) invalid("Too many reminders.", "reminders.overrides");
	for (const override of overrides as Array<{ method?: unknown; minutes?: unknown }>) {
		if (!REMINDER_METHODS.includes(String(override?.method))) invalid("Invalid reminder method.", "reminders.overrides.method");
		const minutes = override.minutes;
		if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 0 || minutes > MAX_REMINDER_MINUTES) {
			invalid("Invalid reminder minutes: from 0 to 40320.", "reminders.overrides.minutes");
		}
	}
}

function checkAttendees(value: unknown): void {
	if (value === undefined) return;
	if (!Array.isArray(value)) invalid("Invalid attendees.", "attendees");
	for (const attendee of value as Array<{ email?: unknown; responseStatus?: unknown }>) {
		if (typeof attendee?.email !== "string" || !attendee.email.includes("@")) throw googleError(400, "required", "Missing attendee email.", { location: "attendees.email", locationType: "other" });
		if (attendee.responseStatus !== undefined && !RESPONSE_STATUSES.includes(String(attendee.responseStatus))) invalid("Invalid attendee responseStatus.", "attendees.responseStatus");
	}
}

/** Validates the shape of a full event and throws Google's 400s. */
function validate(event: GoogleEvent, calendar: GoogleCalendar): void {
	checkReminders(event.reminders);
	checkAttendees(event.attendees);
	const recurring = Array.isArray(event.recurrence) && event.recurrence.length > 0;
	if (event.recurringEventId !== undefined && recurring) invalid("Instances cannot have recurrence.");
	event.start = checkDateTime(event.start, "start", recurring);
	event.end = checkDateTime(event.end, "end", false);
	if ((event.start.date === undefined) !== (event.end.date === undefined)) invalid("Start and end must both be dates or both be date-times.");
	let startMs: number;
	let endMs: number;
	try {
		startMs = toEpochMs(event.start, calendar.timeZone);
		endMs = toEpochMs(event.end, calendar.timeZone);
	} catch {
		invalid("Invalid start or end time.");
	}
	if (endMs <= startMs) throw googleError(400, "timeRangeEmpty", "The specified time range is empty.", { location: "end", locationType: "other" });
	if (!["confirmed", "tentative", "cancelled"].includes(event.status)) invalid("Invalid status.", "status");
	if (event.transparency !== undefined && event.transparency !== "opaque" && event.transparency !== "transparent") invalid("Invalid transparency.", "transparency");
	if (event.colorId !== undefined && !/^(?:[1-9]|1[01])$/.test(event.colorId)) invalid("Invalid color id.", "colorId");
	if (recurring) {
		for (const line of event.recurrence ?? []) {
			if (!/^(RRULE|EXRULE|RDATE|EXDATE)[:;]/i.test(line)) invalid(`Invalid recurrence rule: ${line}`, "recurrence");
		}
		try {
			expandSeries({ id: event.id, start: event.start, end: event.end, recurrence: event.recurrence ?? [] }, calendar.timeZone, { untilMs: startMs + 86_400_000 });
		} catch {
			invalid("Invalid recurrence rule.", "recurrence");
		}
	}
}

function clientFields(body: Body): Body {
	const out: Body = {};
	for (const [key, value] of Object.entries(body)) if (!READ_ONLY.has(key) && key !== "id") out[key] = value;
	return out;
}

function timesChanged(before: GoogleEvent, after: GoogleEvent): boolean {
	return JSON.stringify([before.start, before.end, before.recurrence]) !== JSON.stringify([after.start, after.end, after.recurrence]);
}

export function insertEvent(ctx: EventContext, body: Body): GoogleEvent {
	if (body.id !== undefined && body.iCalUID !== undefined) invalid("Specify either id or iCalUID, not both.");
	const id = body.id === undefined ? base32hexId(26) : String(body.id);
	if (!ID_PATTERN.test(id)) invalid("Invalid resource id value.", "id");
	// Deleted events keep their id reserved, so a tombstone also collides.
	if (ctx.store.get(ctx.calendar.id, id) !== undefined) throw googleError(409, "duplicate", "The requested identifier already exists.");
	const now = new Date(ctx.nowMs).toISOString();
	const event: GoogleEvent = {
		kind: "calendar#event",
		etag: "",
		id,
		status: "confirmed",
		htmlLink: `https://sandbox.invalid/calendar/event?eid=${id}`,
		created: now,
		updated: now,
		summary: "",
		creator: { email: ctx.actorEmail },
		organizer: { email: ctx.calendar.id, displayName: ctx.calendar.summary, self: true },
		iCalUID: typeof body.iCalUID === "string" ? body.iCalUID : `${id}@google.com`,
		sequence: 0,
		reminders: { useDefault: true },
		eventType: "default",
		start: {},
		end: {},
		...clientFields(body),
	};
	applyConference(ctx, undefined, event, body, false);
	validate(event, ctx.calendar);
	return ctx.store.write(ctx.calendar.id, event, ctx.nowMs);
}

/** A stored event, or a not-yet-modified instance of a stored series. */
export function findEvent(ctx: EventContext, eventId: string): GoogleEvent | undefined {
	const stored = ctx.store.get(ctx.calendar.id, eventId);
	if (stored !== undefined) return stored.resource;
	const match = INSTANCE_PATTERN.exec(eventId);
	if (match === null) return undefined;
	const master = ctx.store.get(ctx.calendar.id, match[1] ?? "")?.resource;
	if (master === undefined || master.status === "cancelled" || master.recurrence === undefined) return undefined;
	const suffix = (match[2] ?? "").toUpperCase();
	const suffixMs = suffix.length === 8
		? Date.UTC(Number(suffix.slice(0, 4)), Number(suffix.slice(4, 6)) - 1, Number(suffix.slice(6, 8)))
		: Date.UTC(Number(suffix.slice(0, 4)), Number(suffix.slice(4, 6)) - 1, Number(suffix.slice(6, 8)), Number(suffix.slice(9, 11)), Number(suffix.slice(11, 13)), Number(suffix.slice(13, 15)));
	// An all-day id names a date, whose midnight in the series zone may lie up to a day either side of UTC's.
	const window = suffix.length === 8 ? { fromMs: suffixMs - 86_400_000, untilMs: suffixMs + 3 * 86_400_000 } : { fromMs: suffixMs, untilMs: suffixMs };
	const occurrence = expandSeries({ id: master.id, start: master.start, end: master.end, recurrence: master.recurrence }, ctx.calendar.timeZone, window).find(
		(o) => o.instanceId.toUpperCase() === eventId.toUpperCase(),
	);
	if (occurrence === undefined) return undefined;
	return instanceOf(master, occurrence.instanceId, occurrence.originalStartTime, occurrence.start, occurrence.end);
}

/**
 * An event as Google prints it: every timed value (`start`, `end`, `originalStartTime`) is RFC 3339 with the offset of
 * the response's zone (the calendar's, or the request's `timeZone`), whatever the client sent; `timeZone` stays the
 * event's own. Stored events keep what was written.
 */
export function presentEvent(event: GoogleEvent, calendarZone: string, responseZone: string): GoogleEvent {
	let out = event;
	for (const key of ["start", "end", "originalStartTime"] as const) {
		const value = event[key] as EventDateTime | undefined;
		if (value?.dateTime === undefined) continue;
		if (out === event) out = { ...event };
		out[key] = { ...value, dateTime: formatInZone(toEpochMs(value, calendarZone), responseZone) };
	}
	return out;
}

export function instanceOf(master: GoogleEvent, id: string, originalStartTime: EventDateTime, start: EventDateTime, end: EventDateTime): GoogleEvent {
	const { recurrence: _recurrence, ...rest } = master;
	return { ...rest, id, recurringEventId: master.id, originalStartTime, start, end };
}

function requireEvent(ctx: EventContext, eventId: string): GoogleEvent {
	const event = findEvent(ctx, eventId);
	if (event === undefined) throw googleError(404, "notFound", "Not Found");
	return event;
}

function checkIfMatch(event: GoogleEvent, ifMatch: string | undefined): void {
	if (ifMatch !== undefined && ifMatch !== "*" && ifMatch !== event.etag) {
		throw googleError(412, "conditionNotMet", "Precondition Failed", { location: "If-Match", locationType: "header" });
	}
}

export function patchEvent(ctx: EventContext, eventId: string, body: Body, ifMatch?: string): GoogleEvent {
	const current = requireEvent(ctx, eventId);
	checkIfMatch(current, ifMatch);
	const next: GoogleEvent = { ...structuredClone(current), ...clientFields(body) };
	const patchProps = body.extendedProperties as GoogleEvent["extendedProperties"] | undefined;
	if (patchProps !== undefined) {
		next.extendedProperties = {
			private: { ...current.extendedProperties?.private, ...patchProps.private },
			shared: { ...current.extendedProperties?.shared, ...patchProps.shared },
		};
	}
	applyConference(ctx, current, next, body, false);
	return save(ctx, current, next);
}

export function updateEvent(ctx: EventContext, eventId: string, body: Body, ifMatch?: string): GoogleEvent {
	const current = requireEvent(ctx, eventId);
	checkIfMatch(current, ifMatch);
	const kept: Body = {};
	for (const key of READ_ONLY) if (current[key] !== undefined) kept[key] = current[key];
	const next = { ...kept, id: current.id, status: "confirmed", start: {}, end: {}, ...clientFields(body) } as GoogleEvent;
	if (current.originalStartTime !== undefined) next.originalStartTime = current.originalStartTime;
	applyConference(ctx, current, next, body, true);
	return save(ctx, current, next);
}

function save(ctx: EventContext, current: GoogleEvent, next: GoogleEvent): GoogleEvent {
	validate(next, ctx.calendar);
	if (timesChanged(current, next)) next.sequence = current.sequence + 1;
	return ctx.store.write(ctx.calendar.id, next, ctx.nowMs);
}

export function deleteEvent(ctx: EventContext, eventId: string, ifMatch?: string): void {
	const current = requireEvent(ctx, eventId);
	if (current.status === "cancelled") throw googleError(410, "deleted", "Resource has been deleted");
	checkIfMatch(current, ifMatch);
	ctx.store.write(ctx.calendar.id, { ...structuredClone(current), status: "cancelled" }, ctx.nowMs);
	if (current.recurrence !== undefined) {
		// Deleting a series cancels its modified instances too.
		for (const stored of ctx.store.stored(ctx.calendar.id)) {
			const exception = stored.resource;
			if (exception.recurringEventId === current.id && exception.status !== "cancelled") {
				ctx.store.write(ctx.calendar.id, { ...structuredClone(exception), status: "cancelled" }, ctx.nowMs);
			}
		}
	}
}
