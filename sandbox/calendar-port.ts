// The provider-neutral view of a sandbox calendar used by the control API and the human pages.

export interface CalendarSummary {
	id: string;
	owner: string;
	name: string;
}

/** What a person would type into the provider's own calendar app. */
export interface ControlEventInput {
	summary: string;
	/** RFC 3339 with offset, a local date-time with `timeZone`, or a date (yyyy-mm-dd) when allDay. */
	start: string;
	end: string;
	allDay?: boolean;
	timeZone?: string;
	/** RRULE/EXDATE/RDATE lines. */
	recurrence?: string[];
	status?: "confirmed" | "tentative" | "cancelled";
	transparency?: "opaque" | "transparent";
	description?: string;
	id?: string;
}

/** What the owner changes when editing an event in the provider's app: its title and times. */
export interface ControlEventChange {
	summary?: string;
	/** As in ControlEventInput; a local date-time is in `timeZone`, else the event's own zone. */
	start?: string;
	end?: string;
	allDay?: boolean;
	timeZone?: string;
}

/** One line of the human calendar page. */
export interface EventRow {
	id: string;
	summary: string;
	start: string;
	end: string;
	status: string;
	recurring: boolean;
	/** Shown as free (Google transparency, Outlook showAs free). */
	free: boolean;
}

export interface CalendarPort {
	listCalendars(): CalendarSummary[];
	createCalendar(owner: string, name: string, timeZone: string | undefined): CalendarSummary;
	/** Null when the calendar does not exist. */
	listEvents(calendarId: string): unknown[] | null;
	getEvent(calendarId: string, eventId: string): unknown;
	/** Live events (and series masters) for the human page. */
	eventRows(calendarId: string): EventRow[];
	/** Creates an event as its owner; fires the provider's push notifications. */
	createEvent(calendarId: string, input: ControlEventInput): unknown;
	deleteEvent(calendarId: string, eventId: string): void;
	/** Edits title and times as the owner; fires pushes. */
	updateEvent(calendarId: string, eventId: string, change: ControlEventChange): unknown;
	/** Cancels the occurrence of a series that starts on `date` (yyyy-mm-dd, in the series' zone); fires pushes. */
	cancelOccurrence(calendarId: string, seriesId: string, date: string): void;
}
