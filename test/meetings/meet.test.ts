// Google Meet end to end (issue 18 item 2): a booking of a service on Meet makes the staff member's Google event
// ask for a conference, which the sandbox answers `pending` and then `success`, and the link is stored on the
// booking; a calendar whose conferencing settings exclude Meet cannot host one. The scenarios shared with Teams are
// in calendar-meeting-scenarios.ts; this file says how Meet shows them, and tests the pending conference.
import { beforeEach, describe, expect, it } from "vitest";
import { GOOGLE_BOOKING_PROPERTY } from "../../src/calendars/google";
import type { Job } from "../../src/jobs";
import { control } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, connectStaff, liveEvents, relayOutboxes } from "../sync/harness";
import { calendarMeetingScenarios } from "./calendar-meeting-scenarios";
import type { CalendarMeetingProvider, Event } from "./calendar-meeting-scenarios";
import { meetingRow, meetingWorld, placeService, settle } from "./calendar-meeting-world";

interface Conference {
	conferenceId?: string;
	createRequest?: { requestId?: string; status?: { statusCode?: string } };
	entryPoints?: Array<{ entryPointType?: string; uri?: string }>;
}

function conferenceOf(event: Event | undefined): Conference | undefined {
	return event?.conferenceData as Conference | undefined;
}

const MEET: CalendarMeetingProvider = {
	provider: "google",
	kind: "google_meet",
	meeting: "Google Meet",
	linkOf: (event) => {
		const link = event?.hangoutLink as string | undefined;
		// hangoutLink, the video entry point and the conference id name one conference.
		expect(conferenceOf(event)?.entryPoints?.find((e) => e.entryPointType === "video")?.uri).toBe(link);
		return link;
	},
	linkPattern: /^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/,
	bookingOf: (event) => (event.extendedProperties as { private?: Record<string, string> } | undefined)?.private?.[GOOGLE_BOOKING_PROPERTY],
	isSeries: (event) => Array.isArray(event.recurrence),
	meetingIdOf: (event) => conferenceOf(event)?.conferenceId,
	endpoints: ["events.insert", "events.patch", "events.get", "events.delete"],
	hosting: async (connected, able) => {
		await control(`/google/calendars/${encodeURIComponent(connected.write.externalId)}/conferencing`, { allowedConferenceSolutionTypes: able ? ["hangoutsMeet"] : [] });
	},
	refusal: /Google Meet is not allowed on this Google calendar/,
};

calendarMeetingScenarios(MEET);

describe("a booking of a service on Google Meet, as Google makes the conference", () => {
	beforeEach(() => seedDemo({ owner: { password: null } }));

	it("shows the meeting pending while Google makes it, and stores the link once the event is read again", { timeout: 60_000 }, async () => {
		// Stepped by hand below: no duplicate may slip into a step and read the event a second time.
		const world = meetingWorld({ duplicateRate: 0 });
		const { connection, email, write } = await connectStaff(world.context, "google");
		await world.queue.idle();
		await placeService("svc_demo_cut", { kind: "google_meet" });
		// The read after the write fails: the conference is still pending when the push ends.
		await control("/faults", { provider: "google", endpoint: "events.get", status: 503, count: 1, scope: { account: email } });
		const [booking] = await book();

		world.queue.pause();
		await relayOutboxes(world.queue as unknown as Queue<Job>);
		// The relay sent the calendar push itself; the push writes the event and finds its Meet still pending.
		await world.queue.deliverWaiting();
		const pending = await meetingRow(booking!.id);
		expect(pending).toMatchObject({ state: "pending", provider: "google_meet", connectionId: connection.id, joinUrl: null });
		expect(pending?.error).toMatch(/still making/);
		const [written] = await liveEvents("google", write.externalId);
		expect(conferenceOf(written)?.createRequest).toMatchObject({ requestId: `slotline-${booking!.id}`, status: { statusCode: "pending" } });

		// The queue brings the push back, although the event is current: the link is read and stored.
		world.queue.resume();
		await settle(world);
		const [event] = await liveEvents("google", write.externalId);
		expect(conferenceOf(event)?.createRequest?.status?.statusCode).toBe("success");
		expect(await meetingRow(booking!.id)).toMatchObject({ state: "ready", joinUrl: MEET.linkOf(event), externalId: conferenceOf(event)?.conferenceId, error: null });
	});
});
