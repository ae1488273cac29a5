// `npm start`'s seed: Ana's sandbox Google, Ben's sandbox Microsoft and Chloé's sandbox iCloud calendars are connected, and
// the demo bookings reach them through the real queue.
import { env, exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { GOOGLE_BOOKING_PROPERTY } from "../../src/calendars/google";
import { GRAPH_BOOKING_PROPERTY } from "../../src/calendars/microsoft";
import { control, sandboxUrl } from "../support/sandbox-control";
import { liveEvents } from "./harness";

/**
 * The live events in a sandbox calendar that belong to this database's bookings of `staffId`. The demo staff's
 * sandbox accounts have fixed addresses, so anything else seeding the shared sandbox writes to the same calendars.
 */
async function eventsOfOurBookings(provider: "google" | "microsoft", calendarId: string, staffId: string): Promise<Array<Record<string, unknown>>> {
	const rows = await env.DB.prepare("select id from bookings where staff_id = ? and status = 'confirmed'").bind(staffId).all<{ id: string }>();
	const ours = new Set(rows.results.map((r) => r.id));
	const bookingOf = (event: Record<string, unknown>): string | undefined =>
		provider === "google"
			? (event.extendedProperties as { private?: Record<string, string> } | undefined)?.private?.[GOOGLE_BOOKING_PROPERTY]
			: (event.singleValueExtendedProperties as Array<{ id: string; value: string }> | undefined)?.find((p) => p.id.toLowerCase() === GRAPH_BOOKING_PROPERTY.toLowerCase())?.value;
	return (await liveEvents(provider, calendarId)).filter((event) => ours.has(bookingOf(event) ?? ""));
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
	const deadline = Date.now() + 30_000;
	for (;;) {
		const value = await read();
		if (done(value) || Date.now() > deadline) return value;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

// The demo staff's sandbox accounts have fixed addresses, and the shared sandbox keeps their calendars
// across tests while the database is emptied: events of an earlier seed's bookings (unknown ids now) would
// block the new seed's times like any other business's events. Worker files run one at a time, so a reset
// here disturbs no other test.
beforeEach(async () => {
	await control("/reset", {});
});

describe("dev seed", () => {
	it("connects the demo staff's sandbox calendars and their bookings appear there", { timeout: 60_000 }, async () => {
		const response = await exports.default.fetch("http://slotline.test/_dev/seed", {
			method: "POST",
			headers: { "content-type": "application/json", "x-seed-token": "test-seed-token" },
			body: JSON.stringify({ ownerPassword: "a demo password", sandboxUrl }),
		});
		expect(response.status).toBe(200);
		const seeded = await response.json<{ bookingsCreated: number; calendarsConnected: Array<{ staffId: string; provider: string }> }>();
		expect(seeded.calendarsConnected.map((c) => `${c.staffId}:${c.provider}`)).toEqual(["stf_demo_ana:google", "stf_demo_ben:microsoft", "stf_demo_chloe:icloud"]);

		const ana = await eventually(() => eventsOfOurBookings("google", "ana@demo.slotline.test", "stf_demo_ana"), (events) => events.length >= 2);
		expect(ana.map((e) => e.summary).sort()).toEqual(["Sam de Vries", "Walk-in"]);
		const calendars = (await control("/microsoft/calendars")) as Array<{ id: string; owner: string }>;
		const benCalendar = calendars.find((c) => c.owner === "ben@demo.slotline.test");
		const ben = await eventually(() => eventsOfOurBookings("microsoft", benCalendar?.id ?? "", "stf_demo_ben"), (events) => events.length >= 1);
		expect(ben.map((e) => e.subject)).toEqual(["Priya Shah"]);
		// Chloé's iCloud calendar is only hers (the seed gave her a fresh app password), so every event is one of ours.
		const chloe = await eventually(async () => ((await control("/icloud/accounts/chloe@demo.slotline.test/events")) as { events: Array<{ summary: string }> }).events, (events) => events.length >= 1);
		expect(chloe.map((e) => e.summary)).toEqual(["Lucas Bakker"]);
	});
});
