// CalendarPort for Google: control API and pages act as the calendar's owner in Google's own app.
import type { CalendarPort, CalendarSummary, ControlEventInput, EventRow } from "../calendar-port";
import { SandboxHttpError } from "../http-error";
import type { SandboxState } from "../state";
import type { EventContext } from "./events";
import { Temporal } from "temporal-polyfill";
import { deleteEvent, findEvent, insertEvent, patchEvent } from "./events";
import { expandSeries } from "./recurrence";
import { ensureGoogleUser } from "./state";
import type { GoogleCalendar } from "./store";
import type { EventDateTime } from "./time";
import { formatInZone, toEpochMs } from "./time";

function summary(calendar: GoogleCalendar): CalendarSummary {
	return { id: calendar.id, owner: calendar.owner, name: calendar.summary };
}

function toDateTime(value: string, input: ControlEventInput, calendar: GoogleCalendar): EventDateTime {
	if (input.allDay === true) return { date: value.slice(0, 10) };
	const zone = input.timeZone ?? (input.recurrence === undefined ? undefined : calendar.timeZone);
	return zone === undefined ? { dateTime: value } : { dateTime: value, timeZone: zone };
}

export function googleControlPort(state: SandboxState): CalendarPort {
	function context(calendarId: string): EventContext {
		const calendar = state.google.store.calendar(calendarId);
		if (calendar === undefined) throw new SandboxHttpError(404, { error: `unknown Google calendar ${calendarId}` });
		return { store: state.google.store, calendar, actorEmail: calendar.owner, nowMs: state.clock.now() };
	}
	return {
		listCalendars: () => state.google.store.allCalendars().map(summary),
		createCalendar(owner, name, timeZone): CalendarSummary {
			ensureGoogleUser(state.google, { email: owner });
			const input = timeZone === undefined ? { owner, summary: name } : { owner, summary: name, timeZone };
			return summary(state.google.store.createCalendar(input));
		},
		listEvents(calendarId): unknown[] | null {
			if (state.google.store.calendar(calendarId) === undefined) return null;
			return state.google.store.stored(calendarId).map((s) => s.resource);
		},
		eventRows(calendarId): EventRow[] {
			const calendar = state.google.store.calendar(calendarId);
			const zone = calendar?.timeZone ?? "UTC";
			// Wall clock plus zone, so the page's editor can send it back; an offset-only time is shown in the calendar's zone.
			const shown = (value: EventDateTime): string =>
				value.date ?? (value.timeZone === undefined ? `${formatInZone(toEpochMs(value, zone), zone)} ${zone}` : `${value.dateTime ?? ""} ${value.timeZone}`);
			return state.google.store
				.stored(calendarId)
				.map((s) => s.resource)
				.filter((e) => e.status !== "cancelled")
				.map((e) => ({
					id: e.id,
					summary: e.summary ?? "",
					start: shown(e.start),
					end: shown(e.end),
					status: e.status,
					recurring: e.recurrence !== undefined,
					free: e.transparency === "transparent",
				}));
		},
		getEvent(calendarId, eventId): unknown {
			const event = findEvent(context(calendarId), eventId);
			if (event === undefined) throw new SandboxHttpError(404, { error: "event not found" });
			return event;
		},
		createEvent(calendarId, input): unknown {
			const ctx = context(calendarId);
			const body: Record<string, unknown> = {
				summary: input.summary,
				start: toDateTime(input.start, input, ctx.calendar),
				end: toDateTime(input.end, input, ctx.calendar),
			};
			for (const key of ["recurrence", "status", "transparency", "description", "id"] as const) {
				if (input[key] !== undefined) body[key] = input[key];
			}
			return insertEvent(ctx, body);
		},
		deleteEvent(calendarId, eventId): void {
			deleteEvent(context(calendarId), eventId);
		},
		updateEvent(calendarId, eventId, change): unknown {
			const ctx = context(calendarId);
			const current = findEvent(ctx, eventId);
			if (current === undefined || current.status === "cancelled") throw new SandboxHttpError(404, { error: "event not found" });
			const body: Record<string, unknown> = {};
			if (change.summary !== undefined) body.summary = change.summary;
			// A series keeps its zone (Google requires one on recurring events).
			// The page shows offset-only times in the calendar's zone, so that is the zone they come back in.
			const zone = change.timeZone ?? current.start.timeZone ?? ctx.calendar.timeZone;
			const asInput: ControlEventInput = { summary: "", start: "", end: "", ...(change.allDay === undefined ? {} : { allDay: change.allDay }), ...(zone === undefined ? {} : { timeZone: zone }) };
			if (change.start !== undefined) body.start = toDateTime(change.start, asInput, ctx.calendar);
			if (change.end !== undefined) body.end = toDateTime(change.end, asInput, ctx.calendar);
			return patchEvent(ctx, eventId, body);
		},
		cancelOccurrence(calendarId, seriesId, date): void {
			const ctx = context(calendarId);
			const master = findEvent(ctx, seriesId);
			if (master?.recurrence === undefined || master.status === "cancelled") throw new SandboxHttpError(400, { error: "not a recurring event" });
			const dayMs = Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: master.start.timeZone ?? ctx.calendar.timeZone }).epochMilliseconds;
			const occurrence = expandSeries({ id: master.id, start: master.start, end: master.end, recurrence: master.recurrence }, ctx.calendar.timeZone, { fromMs: dayMs - 86_400_000, untilMs: dayMs + 2 * 86_400_000 }).find(
				// originalStartTime is printed in the series' zone, so its first ten characters are the local date.
				(o) => (o.originalStartTime.date ?? o.originalStartTime.dateTime ?? "").slice(0, 10) === date,
			);
			if (occurrence === undefined) throw new SandboxHttpError(404, { error: `the series has no occurrence on ${date}` });
			deleteEvent(ctx, occurrence.instanceId);
		},
	};
}
