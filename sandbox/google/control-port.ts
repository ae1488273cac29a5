// CalendarPort for Google: control API and pages act as the calendar's owner in Google's own app.
import type { CalendarPort, CalendarSummary, ControlEventInput, EventRow } from "../calendar-port";
import { SandboxHttpError } from "../http-error";
import type { SandboxState } from "../state";
import type { EventContext } from "./events";
import { deleteEvent, findEvent, insertEvent } from "./events";
import { ensureGoogleUser } from "./state";
import type { GoogleCalendar } from "./store";
import type { EventDateTime } from "./time";

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
			return state.google.store
				.stored(calendarId)
				.map((s) => s.resource)
				.filter((e) => e.status !== "cancelled")
				.map((e) => ({
					id: e.id,
					summary: e.summary ?? "",
					start: e.start.date ?? `${e.start.dateTime ?? ""} ${e.start.timeZone ?? ""}`.trim(),
					end: e.end.date ?? `${e.end.dateTime ?? ""} ${e.end.timeZone ?? ""}`.trim(),
					status: e.status,
					recurring: e.recurrence !== undefined,
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
	};
}
