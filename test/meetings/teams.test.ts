// Microsoft Teams end to end (issue 18 item 3): a booking of a service on Teams makes the staff member's Outlook
// event an online meeting whose onlineMeeting.joinUrl is stored on the booking; a personal account, which Graph
// answers with a silent downgrade, cannot host one. The scenarios themselves are shared with Meet
// (calendar-meeting-scenarios.ts); this file says how Teams shows them.
import { expect } from "vitest";
import { control } from "../support/sandbox-control";
import { calendarMeetingScenarios } from "./calendar-meeting-scenarios";
import type { CalendarMeetingProvider } from "./calendar-meeting-scenarios";

const TEAMS: CalendarMeetingProvider = {
	provider: "microsoft",
	kind: "microsoft_teams",
	meeting: "Microsoft Teams",
	linkOf: (event) => {
		if (event?.onlineMeeting != null) expect(event).toMatchObject({ isOnlineMeeting: true, onlineMeetingProvider: "teamsForBusiness" });
		return (event?.onlineMeeting as { joinUrl?: string } | null | undefined)?.joinUrl;
	},
	linkPattern: /^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//,
	bookingOf: (event) => String(event.transactionId ?? "").replace("slotline-", ""),
	isSeries: (event) => event.type === "seriesMaster",
	// A Teams meeting is named by the event that carries it.
	meetingIdOf: (event) => event.id,
	endpoints: ["events.create", "events.update", "events.get", "events.list", "events.delete"],
	hosting: async (connected, able) => {
		await control(`/microsoft/users/${encodeURIComponent(connected.email)}`, { accountType: able ? "work" : "personal" }, "PATCH");
	},
	refusal: /this Microsoft account cannot host Teams meetings/,
};

calendarMeetingScenarios(TEAMS);
