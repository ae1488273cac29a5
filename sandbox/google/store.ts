// Google calendars and events in memory, with one global change sequence that sync tokens point into.
import { base32hexId } from "../ids";
import type { EventDateTime } from "./time";

export type AccessRole = "owner" | "writer" | "reader" | "freeBusyReader";

export interface GoogleCalendar {
	id: string;
	summary: string;
	description: string;
	timeZone: string;
	owner: string;
	colorId: string;
	/** email -> role; the owner is implicit. Change it through GoogleStore.setAcl, which kills sync tokens. */
	acl: Map<string, AccessRole>;
	/** Sync tokens carry this; an ACL change or the expireSyncTokens fault bumps it, so older tokens get 410 (A3). */
	syncEpoch: number;
	/** conferenceProperties.allowedConferenceSolutionTypes; absent means ["hangoutsMeet"] (conference.ts). */
	allowedConferenceSolutionTypes?: string[];
	/** How a Meet create request turns out here; absent means pending, then success (conference.ts). */
	conferenceCreation?: "pending" | "success" | "failure";
}

/** One calendar on one person's calendar list (docs/providers.md A6). */
export interface ListEntry {
	calendarId: string;
	hidden: boolean;
	summaryOverride?: string;
	/** The person lost access: the entry stays as a deletion for sync tokens. */
	deleted: boolean;
	/** calendarList change sequence of the last change, and the entry's place in the list. */
	seq: number;
	order: number;
}

export interface GoogleEvent {
	kind: "calendar#event";
	id: string;
	etag: string;
	status: "confirmed" | "tentative" | "cancelled";
	created: string;
	updated: string;
	iCalUID: string;
	sequence: number;
	start: EventDateTime;
	end: EventDateTime;
	summary?: string;
	description?: string;
	transparency?: "opaque" | "transparent";
	recurrence?: string[];
	recurringEventId?: string;
	originalStartTime?: EventDateTime;
	colorId?: string;
	extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
	[field: string]: unknown;
}

export interface StoredEvent {
	calendarId: string;
	resource: GoogleEvent;
	/** Change sequence of the last write; sync tokens compare against it. */
	seq: number;
	/** Creation order; list pages use it as a stable cursor so concurrent writes never skip items. */
	order: number;
}

export type ChangeKind = "exists" | "not_exists";
export type ChangeListener = (calendarId: string, event: GoogleEvent, kind: ChangeKind) => void;

export class GoogleStore {
	seq = 0;
	/** Change sequence of calendar lists (all users), which calendarList sync tokens point into. */
	listSeq = 0;
	private calendars = new Map<string, GoogleCalendar>();
	private lists = new Map<string, Map<string, ListEntry>>();
	private events = new Map<string, Map<string, StoredEvent>>();
	private listeners: ChangeListener[] = [];

	onChange(listener: ChangeListener): void {
		this.listeners.push(listener);
	}

	createCalendar(input: { owner: string; summary: string; id?: string; timeZone?: string }): GoogleCalendar {
		const id = input.id ?? `${base32hexId(26)}@group.calendar.google.com`;
		const calendar: GoogleCalendar = {
			id,
			summary: input.summary,
			description: "",
			timeZone: input.timeZone ?? "UTC",
			owner: input.owner.toLowerCase(),
			colorId: "14",
			acl: new Map(),
			syncEpoch: 0,
		};
		this.calendars.set(id, calendar);
		this.events.set(id, new Map());
		this.touchEntry(calendar.owner, id, (entry) => {
			entry.deleted = false;
		});
		return calendar;
	}

	/** Shares a calendar (or with "none" unshares it): the person's list gains or loses it, and sync tokens die. */
	setAcl(calendar: GoogleCalendar, email: string, role: AccessRole | "none"): void {
		const who = email.toLowerCase();
		if (who === calendar.owner) return;
		if (role === "none") calendar.acl.delete(who);
		else calendar.acl.set(who, role);
		calendar.syncEpoch += 1;
		this.touchEntry(who, calendar.id, (entry) => {
			entry.deleted = role === "none";
		});
	}

	/** Expires the events sync tokens of these calendars, or of all (the expireSyncTokens fault). */
	expireSyncTokens(calendars: GoogleCalendar[] = [...this.calendars.values()]): void {
		for (const calendar of calendars) calendar.syncEpoch += 1;
	}

	/** A person's calendar list, in the order entries were added. */
	listEntries(email: string): ListEntry[] {
		return [...(this.lists.get(email.toLowerCase())?.values() ?? [])];
	}

	/** What a person sets in Google Calendar's own list: hide a calendar, give it another name. */
	updateEntry(email: string, calendarId: string, change: { hidden?: boolean; summaryOverride?: string | null }): ListEntry | undefined {
		const entry = this.lists.get(email.toLowerCase())?.get(calendarId);
		if (entry === undefined || entry.deleted) return undefined;
		return this.touchEntry(email.toLowerCase(), calendarId, (e) => {
			if (change.hidden !== undefined) e.hidden = change.hidden;
			if (change.summaryOverride === null) delete e.summaryOverride;
			else if (change.summaryOverride !== undefined) e.summaryOverride = change.summaryOverride;
		});
	}

	private touchEntry(email: string, calendarId: string, change: (entry: ListEntry) => void): ListEntry {
		let list = this.lists.get(email);
		if (list === undefined) {
			list = new Map();
			this.lists.set(email, list);
		}
		this.listSeq += 1;
		const entry = list.get(calendarId) ?? { calendarId, hidden: false, deleted: false, seq: 0, order: this.listSeq };
		change(entry);
		entry.seq = this.listSeq;
		list.set(calendarId, entry);
		return entry;
	}

	calendar(id: string): GoogleCalendar | undefined {
		return this.calendars.get(id);
	}

	allCalendars(): GoogleCalendar[] {
		return [...this.calendars.values()];
	}

	accessRole(calendar: GoogleCalendar, email: string): AccessRole | null {
		if (calendar.owner === email.toLowerCase()) return "owner";
		return calendar.acl.get(email.toLowerCase()) ?? null;
	}

	/** Resolves "primary" to the user's own calendar (its id is the user's email). */
	resolveCalendarId(calendarId: string, email: string): string {
		return calendarId === "primary" ? email.toLowerCase() : calendarId;
	}

	stored(calendarId: string): StoredEvent[] {
		return [...(this.events.get(calendarId)?.values() ?? [])];
	}

	get(calendarId: string, eventId: string): StoredEvent | undefined {
		return this.events.get(calendarId)?.get(eventId);
	}

	/** Writes an event version: bumps the sequence, etag and `updated`, then tells listeners. */
	write(calendarId: string, resource: GoogleEvent, nowMs: number): GoogleEvent {
		this.seq += 1;
		resource.updated = new Date(nowMs).toISOString();
		resource.etag = `"${nowMs}${String(this.seq).padStart(6, "0")}"`;
		const bucket = this.events.get(calendarId);
		if (bucket === undefined) throw new Error(`unknown calendar ${calendarId}`);
		const order = bucket.get(resource.id)?.order ?? this.seq;
		bucket.set(resource.id, { calendarId, resource, seq: this.seq, order });
		const kind: ChangeKind = resource.status === "cancelled" ? "not_exists" : "exists";
		for (const listener of this.listeners) listener(calendarId, resource, kind);
		return resource;
	}
}
