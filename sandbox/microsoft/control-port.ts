// CalendarPort for Microsoft: control API and pages act as the calendar's owner in Outlook.
import type { CalendarPort, CalendarSummary, ControlEventInput, EventRow } from "../calendar-port";
import { SandboxHttpError } from "../http-error";
import type { SandboxState } from "../state";
import { Temporal } from "temporal-polyfill";
import { createGraphEvent, deleteGraphEvent, formatGraphDateTime, ianaZone, patchGraphEvent, presentEvent } from "./events";
import { outlookSeriesFromLines } from "./rrule";
import { findVirtualOccurrence, masterOccurrences, occurrenceId } from "./series";
import { ensureMicrosoftUser } from "./state";
import type { GraphDateTime, OutlookCalendar } from "./store";

function summary(calendar: OutlookCalendar): CalendarSummary {
	return { id: calendar.id, owner: calendar.owner, name: calendar.name };
}

/** A control start/end as Outlook stores it: wall clock in the owner's zone (`timeZone`, else UTC). */
function toGraph(value: string, input: ControlEventInput): GraphDateTime {
	const zone = input.timeZone ?? "UTC";
	if (input.allDay === true) return { dateTime: `${value.slice(0, 10)}T00:00:00`, timeZone: zone };
	if (/(Z|[+-]\d{2}:\d{2})$/i.test(value)) return formatGraphDateTime(Date.parse(value), zone);
	return { dateTime: value, timeZone: zone };
}

function shown(epochMs: number, zone: string, allDay: boolean): string {
	const { dateTime } = formatGraphDateTime(epochMs, zone);
	return allDay ? dateTime.slice(0, 10) : `${dateTime.slice(0, 19)} ${zone}`;
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
					// Wall clock in the event's own zone (a date for all-day), as Outlook shows it and the page edits it.
					start: shown(s.startMs, s.event.start.timeZone, s.event.isAllDay),
					end: shown(s.endMs, s.event.end.timeZone, s.event.isAllDay),
					status: s.event.isCancelled ? "cancelled" : s.event.type === "exception" ? `${s.event.showAs} (changed occurrence)` : s.event.showAs,
					recurring: s.event.type === "seriesMaster",
					free: s.event.showAs === "free",
				}));
		},
		getEvent(calendarId, eventId): unknown {
			return presentEvent(liveEvent(calendarId, eventId), undefined);
		},
		createEvent(calendarId, input): unknown {
			const start = toGraph(input.start, input);
			const body: Record<string, unknown> = {
				subject: input.summary,
				start,
				end: toGraph(input.end, input),
				isAllDay: input.allDay === true,
				showAs: input.transparency === "transparent" ? "free" : input.status === "tentative" ? "tentative" : "busy",
			};
			if (input.description !== undefined) body.body = { contentType: "text", content: input.description };
			let cancelledStartsMs: number[] = [];
			if (input.recurrence !== undefined) {
				// The series a person would set up in Outlook's repeat dialog; EXDATEs become cancelled occurrences.
				const series = outlookSeriesFromLines(input.recurrence, Temporal.PlainDateTime.from(start.dateTime), ianaZone(start.timeZone));
				body.recurrence = series.recurrence;
				cancelledStartsMs = series.cancelledStartsMs;
			}
			// A cancelled event in an Outlook calendar is a meeting its organizer cancelled: isCancelled, shown as free.
			const asOwner = input.status === "cancelled" ? { isCancelled: true, showAs: "free" } : {};
			const { stored } = createGraphEvent(state.microsoft.store, calendar(calendarId), body, state.clock.now(), asOwner);
			for (const startMs of cancelledStartsMs) {
				const occurrence = findVirtualOccurrence(state.microsoft.store, occurrenceId(stored.event.id, startMs, stored.generation ?? 0));
				if (occurrence !== undefined) deleteGraphEvent(state.microsoft.store, occurrence, state.clock.now());
			}
			return presentEvent(stored, undefined);
		},
		deleteEvent(calendarId, eventId): void {
			deleteGraphEvent(state.microsoft.store, liveEvent(calendarId, eventId), state.clock.now());
		},
		updateEvent(calendarId, eventId, change): unknown {
			const current = liveEvent(calendarId, eventId);
			const asInput: ControlEventInput = { summary: "", start: "", end: "", timeZone: change.timeZone ?? current.event.start.timeZone, ...(change.allDay === undefined ? {} : { allDay: change.allDay }) };
			const body: Record<string, unknown> = {};
			if (change.summary !== undefined) body.subject = change.summary;
			if (change.start !== undefined) body.start = toGraph(change.start, asInput);
			if (change.end !== undefined) body.end = toGraph(change.end, asInput);
			if (change.allDay !== undefined) body.isAllDay = change.allDay;
			// The same PATCH as Graph's: new times on a series master rebuild the series.
			return presentEvent(patchGraphEvent(state.microsoft.store, current, body, state.clock.now()), undefined);
		},
		cancelOccurrence(calendarId, seriesId, date): void {
			const master = liveEvent(calendarId, seriesId);
			if (master.event.type !== "seriesMaster") throw new SandboxHttpError(400, { error: "not a recurring event" });
			const rangeZone = (master.event.recurrence as { range?: { recurrenceTimeZone?: string } } | null)?.range?.recurrenceTimeZone;
			const zone = ianaZone(rangeZone ?? master.event.start.timeZone);
			const dayMs = Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
			const occurrence = masterOccurrences(master, dayMs + 2 * 86_400_000).find(
				(o) => Temporal.Instant.fromEpochMilliseconds(o.startMs).toZonedDateTimeISO(zone).toPlainDate().toString() === date,
			);
			const id = occurrence === undefined ? undefined : occurrenceId(master.event.id, occurrence.startMs, master.generation ?? 0);
			const target = id === undefined ? undefined : (state.microsoft.store.get(id) ?? findVirtualOccurrence(state.microsoft.store, id));
			if (target === undefined || target.deleted) throw new SandboxHttpError(404, { error: `the series has no occurrence on ${date}` });
			deleteGraphEvent(state.microsoft.store, target, state.clock.now());
		},
	};
}
