// Google Meet through Calendar events (docs/integrations.md 1): conferenceData.createRequest on a write with
// conferenceDataVersion=1, the calendar's allowed conference types, `pending` settling into `success` on a later
// read, and the conference kept across writes that do not touch it.
import { randomBytes } from "node:crypto";
import { randomChars, randomDigits } from "../ids";
import { googleError } from "./errors";
import type { EventContext } from "./events";
import type { GoogleCalendar, GoogleEvent } from "./store";

/** How the sandbox answers a create request on a calendar: Google's contract allows all three (1.3). */
export type ConferenceCreation = "pending" | "success" | "failure";

type Body = Record<string, unknown>;

interface CreateRequest {
	requestId: string;
	conferenceSolutionKey: { type: string };
	status: { statusCode: "pending" | "success" | "failure" };
}

/** hangoutsMeet unless the calendar was set otherwise (1.3: the field lists what may be created there). */
export function allowedConferenceTypes(calendar: GoogleCalendar): string[] {
	return calendar.allowedConferenceSolutionTypes ?? ["hangoutsMeet"];
}

/** `pending` first, then `success` on the next read, unless set otherwise: the harder path clients must handle. */
export function creationMode(calendar: GoogleCalendar): ConferenceCreation {
	return calendar.conferenceCreation ?? "pending";
}

/** The `conferenceDataVersion` query parameter: 0 (also when absent) or 1; anything else is 400 (1.2). */
export function conferenceVersion(value: string | undefined): 0 | 1 {
	if (value === undefined || value === "0") return 0;
	if (value === "1") return 1;
	throw googleError(400, "invalid", "Invalid conferenceDataVersion value: only 0 and 1 are supported.", { location: "conferenceDataVersion", locationType: "parameter" });
}

const LOWER = "abcdefghijklmnopqrstuvwxyz";

const MEET_SOLUTION = {
	key: { type: "hangoutsMeet" },
	name: "Google Meet",
	iconUri: "https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png",
};

/** A created Meet: the `aaa-bbbb-ccc` code shared by conferenceId, the video entry point and hangoutLink (1.7). */
function meetConference(request: CreateRequest): { conferenceData: Body; hangoutLink: string } {
	const code = `${randomChars(3, LOWER)}-${randomChars(4, LOWER)}-${randomChars(3, LOWER)}`;
	const link = `https://meet.google.com/${code}`;
	const pin = randomDigits(10);
	return {
		hangoutLink: link,
		conferenceData: {
			createRequest: { ...request, status: { statusCode: "success" } },
			entryPoints: [
				{ entryPointType: "video", uri: link, label: `meet.google.com/${code}` },
				{ entryPointType: "more", uri: `https://tel.meet/${code}?pin=${pin}`, pin },
				{ entryPointType: "phone", uri: "tel:+1-555-010-0000", label: "+1 555-010-0000", pin: randomDigits(9), regionCode: "US" },
			],
			conferenceSolution: MEET_SOLUTION,
			conferenceId: code,
			signature: randomBytes(30).toString("base64"),
		},
	};
}

function withoutConference(event: GoogleEvent): void {
	delete event.conferenceData;
	delete event.hangoutLink;
}

function keepStored(next: GoogleEvent, current: GoogleEvent | undefined): void {
	withoutConference(next);
	if (current?.conferenceData !== undefined) next.conferenceData = structuredClone(current.conferenceData);
	if (current?.hangoutLink !== undefined) next.hangoutLink = current.hangoutLink;
}

function parseCreateRequest(value: unknown): CreateRequest {
	const request = value as { requestId?: unknown; conferenceSolutionKey?: { type?: unknown } } | null;
	if (typeof request !== "object" || request === null || typeof request.requestId !== "string" || request.requestId === "") {
		throw googleError(400, "invalid", "Invalid conference create request: requestId is required.", { location: "conferenceData.createRequest.requestId", locationType: "other" });
	}
	return { requestId: request.requestId, conferenceSolutionKey: { type: String(request.conferenceSolutionKey?.type ?? "") }, status: { statusCode: "pending" } };
}

/**
 * Sets `next`'s conference from what the write asked (1.2, 1.4): version 0 ignores the body's conferenceData and keeps
 * the stored one; with version 1, a createRequest makes a conference (a repeated requestId is ignored), `null`
 * removes it, a whole conferenceData is copied, and a PUT without it removes it (unconfirmed). A type the calendar
 * does not allow, or one that cannot be created (only hangoutsMeet can), is 400 "Invalid conference type value.".
 */
export function applyConference(ctx: EventContext, current: GoogleEvent | undefined, next: GoogleEvent, body: Body, replacing: boolean): void {
	keepStored(next, current);
	const requested = body.conferenceData;
	if (ctx.conferenceDataVersion !== 1) return;
	if (requested === undefined) {
		if (replacing) withoutConference(next);
		return;
	}
	if (requested === null) {
		withoutConference(next);
		return;
	}
	if (typeof requested !== "object" || Array.isArray(requested)) throw googleError(400, "invalid", "Invalid conferenceData.");
	const data = requested as Body;
	if (data.createRequest === undefined) {
		// A conference copied from another event: stored as given, its video link as hangoutLink.
		next.conferenceData = structuredClone(data);
		const video = (data.entryPoints as Array<{ entryPointType?: string; uri?: string }> | undefined)?.find((e) => e.entryPointType === "video");
		if (video?.uri !== undefined && (data.conferenceSolution as { key?: { type?: string } } | undefined)?.key?.type === "hangoutsMeet") next.hangoutLink = video.uri;
		return;
	}
	const request = parseCreateRequest(data.createRequest);
	const previous = (current?.conferenceData as { createRequest?: { requestId?: string } } | undefined)?.createRequest?.requestId;
	if (previous === request.requestId) return;
	const type = request.conferenceSolutionKey.type;
	if (type !== "hangoutsMeet" || !allowedConferenceTypes(ctx.calendar).includes(type)) throw googleError(400, "invalid", "Invalid conference type value.");
	withoutConference(next);
	const mode = creationMode(ctx.calendar);
	if (mode === "success") {
		Object.assign(next, meetConference(request));
	} else {
		// Failed: no entry points, no signature, no hangoutLink (1.3).
		next.conferenceData = { createRequest: { ...request, status: { statusCode: mode } }, conferenceSolution: MEET_SOLUTION };
	}
}

/** A stored event whose conference is still pending gets it now (a write of its own, so pushes and sync see it). */
export function settleConference(ctx: EventContext, event: GoogleEvent): GoogleEvent {
	const request = (event.conferenceData as { createRequest?: CreateRequest } | undefined)?.createRequest;
	if (request?.status.statusCode !== "pending" || event.status === "cancelled" || ctx.store.get(ctx.calendar.id, event.id) === undefined) return event;
	const next = { ...structuredClone(event), ...meetConference(request) };
	return ctx.store.write(ctx.calendar.id, next, ctx.nowMs);
}

/** Settles every pending conference of a calendar before it is listed. */
export function settleCalendarConferences(ctx: EventContext): void {
	for (const stored of ctx.store.stored(ctx.calendar.id)) settleConference(ctx, stored.resource);
}
