// CalendarPort for Microsoft: control API and pages act as the calendar's owner in Outlook.
import type { CalendarPort, CalendarSummary, ControlEventInput, EventRow } from "../calendar-port";
import { SandboxHttpError } from "../http-error";
import type { SandboxState } from "../state";
import { createGraphEvent, deleteGraphEvent, formatGraphDateTime, presentEvent } from "./events";
import { ensureMicrosoftUser } from "./state";
import type { GraphDateTime, OutlookCalendar } from "./store";

function summary(calendar: OutlookCalendar): CalendarSummary {
	return { id: calendar.id, owner: calendar.owner, name: calendar.name };
}

function toGraph(value: string, input: ControlEventInput): GraphDateTime {
	if (input.allDay === true) return { dateTime: `${value.slice(0, 10)}T00:00:00`, timeZone: input.timeZone ?? "UTC" };
	if (/(Z|[+-]\d{2}:\d{2})$/i.test(value)) return formatGraphDateTime(Date.parse(value), "UTC");
	return { dateTime: value, timeZone: input.timeZone ?? "UTC" };
}

export function microsoftControlPort(state: SandboxState): CalendarPort {
	function calendar(id: string): OutlookCalendar {
		const found = state.microsoft.store.calendar(id);
		if (found === undefined) throw new SandboxHttpError(404, { error: `unknown Microsoft calendar ${id}` });
		return found;
	}
	function liveEvent(calendarId: string, eventId: string): ReturnType<typeof state.microsoft.store.get> & object {
		const stored = state.microsoft.store.get(eventId);
		if (stored === undefined || stored.calendarId !== calendarId || stored.deleted) throw new SandboxHttpError(404, { error: "event not found" });
		return stored;
	}
	return {
		listCalendars: () => state.microsoft.store.allCalendars().map(summary),
		createCalendar(owner, name): CalendarSummary {
			ensureMicrosoftUser(state.microsoft, { email: owner });
			return summary(state.microsoft.store.createCalendar(owner, name, false));
		},
		listEvents(calendarId): unknown[] | null {
			if (state.microsoft.store.calendar(calendarId) === undefined) return null;
			return state.microsoft.store.stored(calendarId).map((s) => ({ ...presentEvent(s, undefined), "@sandbox.deleted": s.deleted }));
		},
		eventRows(calendarId): EventRow[] {
			return state.microsoft.store
				.stored(calendarId)
				.filter((s) => !s.deleted)
				.map((s) => ({
					id: s.event.id,
					summary: s.event.subject,
					start: `${new Date(s.startMs).toISOString()}`,
					end: `${new Date(s.endMs).toISOString()}`,
					status: s.event.showAs,
					recurring: s.event.type === "seriesMaster",
				}));
		},
		getEvent(calendarId, eventId): unknown {
			return presentEvent(liveEvent(calendarId, eventId), undefined);
		},
		createEvent(calendarId, input): unknown {
			if (input.recurrence !== undefined) throw new SandboxHttpError(501, { error: "recurring Microsoft events are not supported by the sandbox yet" });
			const body: Record<string, unknown> = {
				subject: input.summary,
				start: toGraph(input.start, input),
				end: toGraph(input.end, input),
				isAllDay: input.allDay === true,
				showAs: input.transparency === "transparent" ? "free" : input.status === "tentative" ? "tentative" : "busy",
			};
			if (input.description !== undefined) body.body = { contentType: "text", content: input.description };
			return presentEvent(createGraphEvent(state.microsoft.store, calendar(calendarId), body, state.clock.now()).stored, undefined);
		},
		deleteEvent(calendarId, eventId): void {
			deleteGraphEvent(state.microsoft.store, liveEvent(calendarId, eventId), state.clock.now());
		},
	};
}
