// Zoom Meetings API adapter (docs/integrations.md 3.2-3.4): who the account is, and a host's meetings
// (create, read, move, delete, and the lookup by our marker that makes creation exactly once).
// Translates only: no database, env or queue; tokens come from the caller through AccessTokenSource.
import type { FetchFunction } from "../calendars/http";
import { bearerAuthorization, discard, jsonOrNull, parseRetryAfter, ProviderHttp, providerError } from "../calendars/http";
import type { AccessTokenSource } from "../calendars/provider";
import { ProviderError } from "../calendars/provider";

export const ZOOM_API = "https://api.zoom.us/v2";

/** Zoom's most per page of a meeting list (3.2). */
const PAGE_SIZE = "300";
/** Zoom's "meeting not found or expired": as good as deleted for a delete, absent for a read (3.3). */
const MEETING_NOT_FOUND = 3001;
const TOPIC_MAX = 200;
const AGENDA_MAX = 2000;

export interface ZoomConfig {
	/** api.zoom.us/v2 in production (ZOOM_API), the sandbox's /zoom/v2 locally. */
	api: string;
	tokens: AccessTokenSource;
	fetch: FetchFunction;
	/** Per request; ProviderHttp's default (30 s) when absent. */
	timeoutMs?: number;
}

export interface ZoomUser {
	/** Zoom's user id (the connection's external account id). */
	id: string;
	email: string;
}

/**
 * When the meeting happens: one scheduled time (type 2), or a recurring meeting with no fixed time (type 3),
 * whose one link serves every occurrence of a series wherever they move.
 */
export type ZoomTiming = { kind: "scheduled"; start: number; end: number; timeZone: string } | { kind: "anytime" };

export interface ZoomMeetingRequest {
	topic: string;
	/** Shown to the host and in the invitation; carries our marker line. */
	agenda: string;
	timing: ZoomTiming;
}

export interface ZoomMeeting {
	/** Zoom's numeric meeting id, as a string (up to 11 digits). */
	id: string;
	/** The link guests join by. Never logged. */
	joinUrl: string;
	agenda: string;
}

interface MeetingBody {
	id?: number | string;
	join_url?: string;
	agenda?: string;
}

interface ListBody {
	next_page_token?: string;
	meetings?: MeetingBody[];
}

/** Zoom prints and accepts instants as UTC to the second: 2026-09-01T14:00:00Z (3.2). */
function zoomTime(epochMs: number): string {
	return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function requestBody(request: ZoomMeetingRequest): Record<string, unknown> {
	const body: Record<string, unknown> = { topic: request.topic.slice(0, TOPIC_MAX), agenda: request.agenda.slice(0, AGENDA_MAX) };
	if (request.timing.kind === "anytime") return { ...body, type: 3 };
	const { start, end, timeZone } = request.timing;
	return { ...body, type: 2, start_time: zoomTime(start), duration: Math.max(1, Math.round((end - start) / 60_000)), timezone: timeZone };
}

/** Whether an agenda carries `marker` as a line of its own. */
export function carriesMarker(agenda: string, marker: string): boolean {
	return agenda.split(/\r?\n/).some((line) => line.trim() === marker);
}

export class ZoomApi {
	private readonly http: ProviderHttp;
	private readonly base: string;

	constructor(config: ZoomConfig) {
		this.http = new ProviderHttp({ provider: "zoom", fetch: config.fetch, authorization: bearerAuthorization(config.tokens), timeoutMs: config.timeoutMs });
		this.base = config.api.replace(/\/$/, "");
	}

	async me(): Promise<ZoomUser> {
		const body = (await this.json(await this.request("GET", "/users/me"))) as { id?: string; email?: string };
		if (typeof body.id !== "string") throw malformed(200);
		return { id: body.id, email: body.email ?? "" };
	}

	/** POST /users/me/meetings (201). Zoom has no idempotency key: a lost answer may still have made it (findMeeting). */
	async createMeeting(request: ZoomMeetingRequest): Promise<ZoomMeeting> {
		const response = await this.request("POST", "/users/me/meetings", requestBody(request));
		const meeting = meetingOf((await this.json(response)) as MeetingBody);
		if (meeting === null) throw malformed(response.status);
		return meeting;
	}

	/** The meeting, or null when Zoom no longer has it (deleted in Zoom, or expired). */
	async getMeeting(meetingId: string): Promise<ZoomMeeting | null> {
		const response = await this.request("GET", `/meetings/${encodeURIComponent(meetingId)}`, undefined, [MEETING_NOT_FOUND]);
		if (response === null) return null;
		return meetingOf((await this.json(response)) as MeetingBody);
	}

	/** PATCH (204): the link stays the same. "gone" when Zoom no longer has the meeting. */
	async updateMeeting(meetingId: string, request: ZoomMeetingRequest): Promise<"updated" | "gone"> {
		const response = await this.request("PATCH", `/meetings/${encodeURIComponent(meetingId)}`, requestBody(request), [MEETING_NOT_FOUND]);
		if (response === null) return "gone";
		await discard(response);
		return "updated";
	}

	/** DELETE (204); a meeting already gone counts as deleted. */
	async deleteMeeting(meetingId: string): Promise<void> {
		// Slotline tells the customer itself; Zoom's own cancellation emails would be a second, differently worded one.
		const query = "?schedule_for_reminder=false&cancel_meeting_reminder=false";
		const response = await this.request("DELETE", `/meetings/${encodeURIComponent(meetingId)}${query}`, undefined, [MEETING_NOT_FOUND]);
		if (response !== null) await discard(response);
	}

	/**
	 * The host's meeting whose agenda carries `marker` as a line, or null: how a create whose answer was lost
	 * is found instead of made twice. Reads every page of the scheduled (not deleted, not expired) meetings.
	 */
	async findMeeting(marker: string): Promise<ZoomMeeting | null> {
		const seen = new Set<string>();
		let pageToken = "";
		do {
			const query = new URLSearchParams({ type: "scheduled", page_size: PAGE_SIZE });
			if (pageToken !== "") query.set("next_page_token", pageToken);
			const page = (await this.json(await this.request("GET", `/users/me/meetings?${query}`))) as ListBody;
			for (const item of page.meetings ?? []) {
				// The list's items are documented without `agenda` (3.2, unconfirmed): read the meeting when it is missing.
				const meeting = item.agenda === undefined ? await this.getMeeting(String(item.id ?? "")) : meetingOf(item);
				if (meeting !== null && carriesMarker(meeting.agenda, marker)) return meeting;
			}
			seen.add(pageToken);
			pageToken = page.next_page_token ?? "";
		} while (pageToken !== "" && !seen.has(pageToken));
		return null;
	}

	private request(method: string, path: string, body?: unknown): Promise<Response>;
	private request(method: string, path: string, body: unknown, absentCodes: number[]): Promise<Response | null>;
	/** A successful response; null for a 404 carrying one of `absentCodes`; a ProviderError otherwise. */
	private async request(method: string, path: string, body?: unknown, absentCodes: number[] = []): Promise<Response | null> {
		const init: RequestInit =
			body === undefined ? { method, headers: { accept: "application/json" } } : { method, headers: { accept: "application/json", "content-type": "application/json" }, body: JSON.stringify(body) };
		const response = await this.http.send(`${this.base}${path}`, init);
		if (response.ok) return response;
		const error = (await jsonOrNull(response)) as { code?: unknown; message?: unknown } | null;
		const code = typeof error?.code === "number" ? error.code : null;
		if (code !== null && absentCodes.includes(code) && (response.status === 404 || response.status === 400)) return null;
		throw zoomError(response, code, typeof error?.message === "string" ? error.message : "");
	}

	private async json(response: Response): Promise<unknown> {
		const body = await jsonOrNull(response);
		if (typeof body !== "object" || body === null) throw malformed(response.status);
		return body;
	}
}

function meetingOf(body: MeetingBody): ZoomMeeting | null {
	if ((typeof body.id !== "number" && typeof body.id !== "string") || typeof body.join_url !== "string") return null;
	return { id: String(body.id), joinUrl: body.join_url, agenda: body.agenda ?? "" };
}

function malformed(status: number): ProviderError {
	return new ProviderError({ provider: "zoom", status, code: "malformedResponse", retryable: false, detail: "Zoom's answer had no meeting" });
}

/**
 * Zoom's {code, message} as a ProviderError: 429 and 5xx retryable (honouring Retry-After, an ISO date-time for
 * the daily limit or seconds), validation (300) and other 4xx not. The message is read only for the daily limit,
 * whose 429 sometimes comes without Retry-After (3.4); it never enters the error.
 */
function zoomError(response: Response, code: number | null, message: string): ProviderError {
	const error = providerError("zoom", response, code === null ? String(response.status) : String(code));
	if (response.status !== 429 || error.retryAfterSeconds !== null || !/daily/i.test(message)) return error;
	const midnight = new Date();
	midnight.setUTCHours(24, 0, 0, 0);
	return new ProviderError({ provider: "zoom", status: 429, code: error.code, retryable: true, retryAfterSeconds: parseRetryAfter(midnight.toUTCString(), Date.now()) });
}
