// Teams meetings on Graph events (docs/integrations.md 2.2, 2.3): the providers an account's calendars allow,
// the join URL Graph fills in for isOnlineMeeting + teamsForBusiness, the silent downgrade of a personal (MSA)
// account, and online-meeting fields frozen once a meeting exists.
import { randomBytes } from "node:crypto";
import { randomDigits } from "../ids";
import { graphError } from "./errors";
import type { GraphEvent } from "./store";
import { SANDBOX_TENANT_ID } from "./subscriptions";

/** A work or school account with Teams, or a personal Microsoft account (Outlook.com). */
export type AccountType = "work" | "personal";

export interface MeetingProviders {
	allowedOnlineMeetingProviders: string[];
	defaultOnlineMeetingProvider: string;
}

const PROVIDER_TYPES = ["unknown", "teamsForBusiness", "skypeForBusiness", "skypeForConsumer"];

/** What an account's calendars list (2.3: a personal account lists at most skypeForConsumer; 2nd-hand). */
export function meetingProviders(type: AccountType): MeetingProviders {
	return type === "personal"
		? { allowedOnlineMeetingProviders: ["skypeForConsumer"], defaultOnlineMeetingProvider: "skypeForConsumer" }
		: { allowedOnlineMeetingProviders: ["teamsForBusiness"], defaultOnlineMeetingProvider: "teamsForBusiness" };
}

/** onlineMeetingInfo as Graph fills it for a Teams meeting; joinUrl is the one to use (2.2). */
function teamsMeeting(organizerId: string): Record<string, unknown> {
	const thread = `19%3ameeting_${randomBytes(36).toString("base64url")}%40thread.v2`;
	const context = `%7b%22Tid%22%3a%22${SANDBOX_TENANT_ID}%22%2c%22Oid%22%3a%22${organizerId}%22%7d`;
	const conferenceId = randomDigits(9);
	return {
		joinUrl: `https://teams.microsoft.com/l/meetup-join/${thread}/0?context=${context}`,
		conferenceId,
		tollNumber: "+1 555-010-0100",
		tollFreeNumbers: [],
		quickDial: `+1 555-010-0100,,${conferenceId}#`,
		phones: [{ number: "+1 555-010-0100", type: "home" }],
	};
}

/** Defaults every new event carries: not online, no meeting (Graph prints them on every event). */
export const OFFLINE: Pick<GraphEvent, "isOnlineMeeting" | "onlineMeetingProvider" | "onlineMeeting" | "onlineMeetingUrl"> = {
	isOnlineMeeting: false,
	onlineMeetingProvider: "unknown",
	onlineMeeting: null,
	// Skype-era and slated for deprecation (2.2): Teams meetings leave it null.
	onlineMeetingUrl: null,
};

/**
 * Sets `next`'s online-meeting fields from a create or PATCH `body`. Once an event has a meeting its fields are
 * frozen (later changes are ignored, 2.2). `isOnlineMeeting` with teamsForBusiness (or no provider, taking the
 * calendar's default) gets a join URL where the account allows Teams; otherwise the write succeeds without a
 * meeting: isOnlineMeeting false, provider unknown, onlineMeeting null (2.3, the personal-account downgrade).
 */
export function applyOnlineMeeting(next: GraphEvent, body: Record<string, unknown>, current: GraphEvent | undefined, providers: MeetingProviders, organizerId: string): void {
	const provider = body.onlineMeetingProvider;
	if (provider !== undefined && provider !== null && !PROVIDER_TYPES.includes(String(provider))) {
		throw graphError(400, "BadRequest", `Cannot convert the literal '${String(provider)}' to the expected type 'microsoft.graph.onlineMeetingProviderType'.`);
	}
	const base = current ?? OFFLINE;
	if (current?.onlineMeeting !== undefined && current.onlineMeeting !== null) {
		Object.assign(next, { isOnlineMeeting: current.isOnlineMeeting, onlineMeetingProvider: current.onlineMeetingProvider, onlineMeeting: current.onlineMeeting, onlineMeetingUrl: current.onlineMeetingUrl ?? null });
		return;
	}
	const wanted = typeof body.isOnlineMeeting === "boolean" ? body.isOnlineMeeting : base.isOnlineMeeting === true;
	const asked = typeof provider === "string" && provider !== "unknown" ? provider : providers.defaultOnlineMeetingProvider;
	if (wanted && asked === "teamsForBusiness" && providers.allowedOnlineMeetingProviders.includes(asked)) {
		Object.assign(next, { isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness", onlineMeeting: teamsMeeting(organizerId), onlineMeetingUrl: null });
		return;
	}
	Object.assign(next, OFFLINE);
}
