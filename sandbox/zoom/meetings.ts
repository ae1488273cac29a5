// Zoom meetings in memory: the create/update fields a client sends, checked as the Meetings API does
// (docs/integrations.md 3.2, 3.3), the meeting object it answers with, and a host's listing with page tokens.
import { randomBytes } from "node:crypto";
import { Temporal } from "temporal-polyfill";
import { decodeCursor, encodeCursor, randomChars, randomDigits } from "../ids";
import { validationError, zoomError } from "./errors";

export interface TrackingField {
	field: string;
	value: string;
}

/** The meeting object as GET /meetings/{id} answers it (3.2). */
export interface ZoomMeeting {
	uuid: string;
	id: number;
	host_id: string;
	host_email: string;
	topic: string;
	/** 1 instant, 2 scheduled, 3 recurring with no fixed time (one link for any number of sessions). */
	type: 1 | 2 | 3;
	status: "waiting";
	start_time: string;
	duration: number;
	timezone: string;
	agenda: string;
	created_at: string;
	/** Host only: never shown to guests (3.2). */
	start_url: string;
	join_url: string;
	password: string;
	h323_password: string;
	pstn_password: string;
	encrypted_password: string;
	settings: Record<string, unknown>;
	pre_schedule: boolean;
	tracking_fields?: TrackingField[];
}

interface StoredMeeting {
	meeting: ZoomMeeting;
	hostEmail: string;
	deleted: boolean;
}

/** The parts of a create or update body the sandbox understands; anything else is ignored, as new fields would be. */
export type MeetingChange = Partial<Pick<ZoomMeeting, "topic" | "type" | "start_time" | "duration" | "timezone" | "agenda" | "password" | "settings" | "tracking_fields">>;

const DEFAULT_SETTINGS: Record<string, unknown> = {
	host_video: false,
	participant_video: false,
	join_before_host: false,
	mute_upon_entry: false,
	approval_type: 2,
	audio: "voip",
	auto_recording: "none",
	alternative_hosts: "",
	use_pmi: false,
	enforce_login: false,
	waiting_room: false,
};
const PASSWORD = /^[A-Za-z0-9@\-_*]{1,10}$/;
const START_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(Z?)$/;
const LIST_TYPES = ["scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"];

/** Zoom prints instants as UTC to the second: 2026-09-01T14:00:00Z. */
export function zoomTime(epochMs: number): string {
	return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function validZone(zone: string): boolean {
	try {
		Temporal.Now.zonedDateTimeISO(zone);
		return true;
	} catch {
		return false;
	}
}

/** `start_time` ending in Z is UTC; without it, a wall clock in the meeting's `timezone` (3.2). */
function parseStartTime(value: unknown, zone: string): string {
	const match = typeof value === "string" ? START_TIME.exec(value) : null;
	if (match === null) throw validationError("start_time");
	try {
		const plain = Temporal.PlainDateTime.from(match[1] ?? "");
		const epochMs = match[2] === "Z" ? plain.toZonedDateTime("UTC").epochMilliseconds : plain.toZonedDateTime(zone).epochMilliseconds;
		return zoomTime(epochMs);
	} catch {
		throw validationError("start_time");
	}
}

/** Checks the fields of a create or update body; `zone` is the zone a local start_time falls back to. */
export function parseMeetingChange(body: Record<string, unknown>, zone: string): MeetingChange {
	const change: MeetingChange = {};
	if (body.topic !== undefined) {
		if (typeof body.topic !== "string" || body.topic.length > 200) throw validationError("topic");
		change.topic = body.topic;
	}
	if (body.type !== undefined) {
		if (body.type === 8) throw zoomError(400, 300, "The sandbox does not offer recurring meetings with a fixed time (type 8) yet.");
		if (body.type !== 1 && body.type !== 2 && body.type !== 3) throw validationError("type");
		change.type = body.type;
	}
	if (body.timezone !== undefined) {
		if (typeof body.timezone !== "string" || !validZone(body.timezone)) throw validationError("timezone");
		change.timezone = body.timezone;
	}
	if (body.start_time !== undefined) change.start_time = parseStartTime(body.start_time, change.timezone ?? zone);
	if (body.duration !== undefined) {
		if (typeof body.duration !== "number" || !Number.isInteger(body.duration) || body.duration < 0) throw validationError("duration");
		change.duration = body.duration;
	}
	if (body.agenda !== undefined) {
		if (typeof body.agenda !== "string" || body.agenda.length > 2000) throw validationError("agenda");
		change.agenda = body.agenda;
	}
	if (body.password !== undefined) {
		if (typeof body.password !== "string" || !PASSWORD.test(body.password)) throw validationError("password", "Invalid parameter: password.");
		change.password = body.password;
	}
	if (body.settings !== undefined) {
		if (typeof body.settings !== "object" || body.settings === null || Array.isArray(body.settings)) throw validationError("settings");
		change.settings = body.settings as Record<string, unknown>;
	}
	if (body.tracking_fields !== undefined) {
		const fields = body.tracking_fields;
		if (!Array.isArray(fields) || !fields.every((f: { field?: unknown; value?: unknown }) => typeof f?.field === "string" && typeof f.value === "string")) {
			throw validationError("tracking_fields");
		}
		change.tracking_fields = (fields as TrackingField[]).map((f) => ({ field: f.field, value: f.value }));
	}
	return change;
}

function passcode(): string {
	return randomChars(6, "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789");
}

export interface MeetingHost {
	id: string;
	email: string;
	firstName: string;
	timezone: string;
}

export interface MeetingPage {
	page_size: number;
	total_records: number;
	next_page_token: string;
	meetings: Array<Record<string, unknown>>;
}

export class ZoomMeetings {
	private meetings = new Map<string, StoredMeeting>();

	create(host: MeetingHost, change: MeetingChange, nowMs: number): ZoomMeeting {
		let id: number;
		do id = Number(`8${randomDigits(10)}`);
		while (this.meetings.has(String(id)));
		const password = change.password ?? passcode();
		const encrypted = randomBytes(24).toString("base64url");
		const instant = change.type === 1;
		const meeting: ZoomMeeting = {
			// Zoom's uuids are base64 and may hold "/", "+" and "=" (3.2).
			uuid: randomBytes(16).toString("base64"),
			id,
			host_id: host.id,
			host_email: host.email,
			topic: change.topic ?? `${host.firstName}'s Zoom Meeting`,
			type: change.type ?? 2,
			status: "waiting",
			// An instant meeting starts now; a scheduled one without a time too, and one with no fixed time (type 3)
			// shows its creation time, as Zoom lists it (the sandbox's choice).
			start_time: instant || change.type === 3 || change.start_time === undefined ? zoomTime(nowMs) : change.start_time,
			duration: change.duration ?? 60,
			timezone: change.timezone ?? host.timezone,
			agenda: change.agenda ?? "",
			created_at: zoomTime(nowMs),
			start_url: `https://zoom.us/s/${id}?zak=${randomBytes(32).toString("base64url")}`,
			join_url: `https://zoom.us/j/${id}?pwd=${encrypted}`,
			password,
			h323_password: randomDigits(6),
			pstn_password: randomDigits(6),
			encrypted_password: encrypted,
			settings: { ...DEFAULT_SETTINGS, ...change.settings },
			pre_schedule: false,
		};
		if (change.tracking_fields !== undefined) meeting.tracking_fields = change.tracking_fields;
		this.meetings.set(String(id), { meeting, hostEmail: host.email, deleted: false });
		return structuredClone(meeting);
	}

	/** A live meeting by id; undefined when unknown or deleted. */
	get(meetingId: string): ZoomMeeting | undefined {
		const stored = this.meetings.get(meetingId);
		return stored === undefined || stored.deleted ? undefined : structuredClone(stored.meeting);
	}

	/** Applies a change; the join link stays the same unless the passcode changes (it carries the passcode). */
	update(meetingId: string, change: MeetingChange): { before: ZoomMeeting; after: ZoomMeeting } | undefined {
		const stored = this.meetings.get(meetingId);
		if (stored === undefined || stored.deleted) return undefined;
		const before = structuredClone(stored.meeting);
		const { settings, password, ...rest } = change;
		Object.assign(stored.meeting, rest);
		if (settings !== undefined) stored.meeting.settings = { ...stored.meeting.settings, ...settings };
		if (password !== undefined && password !== before.password) {
			stored.meeting.password = password;
			stored.meeting.encrypted_password = randomBytes(24).toString("base64url");
			stored.meeting.join_url = `https://zoom.us/j/${stored.meeting.id}?pwd=${stored.meeting.encrypted_password}`;
		}
		return { before, after: structuredClone(stored.meeting) };
	}

	delete(meetingId: string): ZoomMeeting | undefined {
		const stored = this.meetings.get(meetingId);
		if (stored === undefined || stored.deleted) return undefined;
		stored.deleted = true;
		return structuredClone(stored.meeting);
	}

	/** Every meeting of a host (or all), deleted ones too, for the control API. */
	all(hostEmail?: string): Array<ZoomMeeting & { deleted: boolean }> {
		return [...this.meetings.values()]
			.filter((s) => hostEmail === undefined || s.hostEmail === hostEmail.toLowerCase())
			.map((s) => ({ ...structuredClone(s.meeting), deleted: s.deleted }));
	}

	/**
	 * GET /users/{userId}/meetings (3.2): `scheduled` is every meeting not deleted, `upcoming` those not yet over,
	 * `previous_meetings` those over, `live` none (nothing runs in the sandbox); by start time, `page_size` (30, at
	 * most 300) per page, `next_page_token` empty on the last.
	 */
	list(hostEmail: string, params: URLSearchParams, nowMs: number): MeetingPage {
		const type = params.get("type") ?? "scheduled";
		if (!LIST_TYPES.includes(type)) throw validationError("type");
		const rawSize = params.get("page_size");
		const pageSize = rawSize === null ? 30 : Math.min(Number(rawSize), 300);
		if (!Number.isInteger(pageSize) || pageSize < 1) throw validationError("page_size");
		// A meeting with no fixed time is never over: it can be started again until it expires.
		const over = (m: ZoomMeeting): boolean => m.type !== 3 && Date.parse(m.start_time) + m.duration * 60_000 <= nowMs;
		const matching = [...this.meetings.values()]
			.filter((s) => !s.deleted && s.hostEmail === hostEmail)
			.map((s) => s.meeting)
			.filter((m) => (type === "live" ? false : type === "upcoming" || type === "upcoming_meetings" ? !over(m) : type === "previous_meetings" ? over(m) : true))
			.sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time) || a.id - b.id);
		const token = params.get("next_page_token") ?? "";
		let start = 0;
		if (token !== "") {
			const cursor = decodeCursor(token) as { host?: unknown; after?: [number, number] } | null;
			if (cursor === null || cursor.host !== hostEmail || !Array.isArray(cursor.after)) throw zoomError(400, 300, "Invalid next_page_token.");
			const [afterStart, afterId] = cursor.after;
			start = matching.findIndex((m) => Date.parse(m.start_time) > afterStart || (Date.parse(m.start_time) === afterStart && m.id > afterId));
			if (start < 0) start = matching.length;
		}
		const page = matching.slice(start, start + pageSize);
		const last = page[page.length - 1];
		const more = start + pageSize < matching.length && last !== undefined;
		return {
			page_size: pageSize,
			total_records: matching.length,
			next_page_token: more ? encodeCursor({ host: hostEmail, after: [Date.parse(last.start_time), last.id] }) : "",
			meetings: page.map((m) => ({
				uuid: m.uuid,
				id: m.id,
				host_id: m.host_id,
				topic: m.topic,
				type: m.type,
				start_time: m.start_time,
				duration: m.duration,
				timezone: m.timezone,
				agenda: m.agenda,
				created_at: m.created_at,
				join_url: m.join_url,
			})),
		};
	}
}
