// Outlook calendars and events in memory, with a change sequence for delta tokens and change listeners.
import { randomBytes } from "node:crypto";

export interface GraphDateTime {
	dateTime: string;
	timeZone: string;
}

export interface OutlookCalendar {
	id: string;
	owner: string;
	name: string;
	isDefault: boolean;
	/** Bumped by an expireDeltaTokens fault scoped to this calendar (or its owner); delta tokens carry the sum with the global epoch. */
	deltaEpoch: number;
}

export interface GraphEvent {
	id: string;
	"@odata.etag": string;
	changeKey: string;
	createdDateTime: string;
	lastModifiedDateTime: string;
	subject: string;
	start: GraphDateTime;
	end: GraphDateTime;
	isAllDay: boolean;
	showAs: string;
	type: "singleInstance" | "occurrence" | "exception" | "seriesMaster";
	isCancelled: boolean;
	iCalUId: string;
	transactionId?: string;
	categories: string[];
	[field: string]: unknown;
}

export interface StoredGraphEvent {
	calendarId: string;
	event: GraphEvent;
	/** UTC instants of the event, for calendarView windows. */
	startMs: number;
	endMs: number;
	deleted: boolean;
	seq: number;
	order: number;
	/** Series masters: bumped each time the times or pattern change, which regenerates the occurrences. */
	generation?: number;
	/** Series masters: earlier shapes of the series, so delta can report their occurrences as removed. */
	retired?: RetiredGeneration[];
}

/** A series shape replaced by an edit of the master; its occurrences ceased to exist at change `seq`. */
export interface RetiredGeneration {
	generation: number;
	start: GraphDateTime;
	recurrence: unknown;
	startMs: number;
	endMs: number;
	seq: number;
}

export type GraphChange = "created" | "updated" | "deleted";
export type GraphChangeListener = (calendar: OutlookCalendar, stored: StoredGraphEvent, change: GraphChange) => void;

/** Graph ids are long base64url strings; this mimics their look. */
export function graphId(): string {
	return `AAMkAGI${randomBytes(30).toString("base64url")}`;
}

export class OutlookStore {
	seq = 0;
	private calendars = new Map<string, OutlookCalendar>();
	private events = new Map<string, StoredGraphEvent>();
	private listeners: GraphChangeListener[] = [];

	onChange(listener: GraphChangeListener): void {
		this.listeners.push(listener);
	}

	createCalendar(owner: string, name: string, isDefault: boolean): OutlookCalendar {
		const calendar = { id: graphId(), owner: owner.toLowerCase(), name, isDefault, deltaEpoch: 0 };
		this.calendars.set(calendar.id, calendar);
		return calendar;
	}

	calendar(id: string): OutlookCalendar | undefined {
		return this.calendars.get(id);
	}

	allCalendars(): OutlookCalendar[] {
		return [...this.calendars.values()];
	}

	defaultCalendar(owner: string): OutlookCalendar | undefined {
		return this.allCalendars().find((c) => c.owner === owner.toLowerCase() && c.isDefault);
	}

	stored(calendarId: string): StoredGraphEvent[] {
		return [...this.events.values()].filter((s) => s.calendarId === calendarId);
	}

	get(eventId: string): StoredGraphEvent | undefined {
		return this.events.get(eventId);
	}

	write(stored: Omit<StoredGraphEvent, "seq" | "order">, change: GraphChange): StoredGraphEvent {
		this.seq += 1;
		const record = { ...stored, seq: this.seq, order: this.events.get(stored.event.id)?.order ?? this.seq };
		this.events.set(stored.event.id, record);
		const calendar = this.calendars.get(stored.calendarId);
		if (calendar !== undefined) for (const listener of this.listeners) listener(calendar, record, change);
		return record;
	}
}
