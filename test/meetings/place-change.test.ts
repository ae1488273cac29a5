// A service moved online, or back in person, takes its upcoming bookings along: an existing booking gets its Zoom
// meeting when the service moves to Zoom, and loses it (deleted in Zoom too) when the service moves back. Through
// the admin API and the Worker's own queue and consumer, against the sandbox's Zoom.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { meetingById } from "../../src/meetings/meeting-store";
import type { MeetingRow } from "../../src/meetings/meeting-store";
import { syncContextFor } from "../../src/sync/context";
import { adminWorld, call } from "../admin/support";
import type { AdminWorld } from "../admin/support";
import { bookDirectly, weekdayAt } from "../support/demo";
import { flushSchedule } from "../support/schedule";
import { connectZoom, zoomMeetingsOf } from "../support/zoom";
import { connectStaff, liveEvents } from "../sync/harness";
import { db } from "./link-world";

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

/** The meeting row once `done` holds for it (the queue runs the jobs on its own time). */
async function meetingWhen(id: string, done: (row: MeetingRow | null) => boolean): Promise<MeetingRow | null> {
	const deadline = Date.now() + 30_000;
	for (;;) {
		const row = await meetingById(db, id);
		if (done(row) || Date.now() > deadline) return row;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

describe("changing where a service takes place", () => {
	it("gives its upcoming bookings a Zoom meeting when it moves to Zoom, and removes it when it moves back", { timeout: 90_000 }, async () => {
		const { email } = await connectZoom(syncContextFor(env, db), { staffId: null });
		const [booking] = await bookDirectly();
		await flushSchedule();
		expect(await meetingById(db, booking!.id)).toBeNull();

		expect((await call(world, world.owner, "PATCH", "/services/svc_demo_cut", { place: { kind: "zoom" } })).status).toBe(200);
		const made = await meetingWhen(booking!.id, (row) => row?.state === "ready");
		expect(made).toMatchObject({ provider: "zoom", state: "ready" });
		expect(made?.joinUrl).toMatch(/^https:\/\/zoom\.us\/j\//);
		expect(await zoomMeetingsOf(email)).toMatchObject([{ id: Number(made?.externalId), deleted: false }]);

		expect((await call(world, world.owner, "PATCH", "/services/svc_demo_cut", { place: { kind: "in_person_business" } })).status).toBe(200);
		expect(await meetingWhen(booking!.id, (row) => row?.state === "deleted")).toMatchObject({ state: "deleted", joinUrl: null });
		expect(await zoomMeetingsOf(email)).toMatchObject([{ id: Number(made?.externalId), deleted: true }]);
	});

	it("moves a booking from Zoom to Meet without leaving the Zoom meeting behind, whichever job runs first", { timeout: 90_000 }, async () => {
		const context = syncContextFor(env, db);
		const { email } = await connectZoom(context, { staffId: null });
		const google = await connectStaff(context, "google");
		expect((await call(world, world.owner, "PATCH", "/services/svc_demo_cut", { place: { kind: "zoom" } })).status).toBe(200);
		const [booking] = await bookDirectly();
		await flushSchedule();
		const onZoom = await meetingWhen(booking!.id, (row) => row?.state === "ready");
		expect(onZoom).toMatchObject({ provider: "zoom", state: "ready" });

		// Ana's own place: Meet, on her Google calendar.
		expect((await call(world, world.owner, "PATCH", "/staff/stf_demo_ana", { place: { kind: "google_meet" } })).status).toBe(200);
		const onMeet = await meetingWhen(booking!.id, (row) => row?.provider === "google_meet" && row.state === "ready");
		expect(onMeet).toMatchObject({ provider: "google_meet", state: "ready" });
		expect(onMeet?.joinUrl).toMatch(/^https:\/\/meet\.google\.com\//);
		expect(await zoomMeetingsOf(email)).toMatchObject([{ id: Number(onZoom?.externalId), deleted: true }]);
		const [event] = await liveEvents("google", google.write.externalId);
		expect(event?.hangoutLink).toBe(onMeet?.joinUrl);
	});
});

/** The live events of a sandbox Google calendar once `done` holds for them (the queue pushes on its own time). */
async function eventsWhen(calendarId: string, done: (events: Array<Record<string, unknown>>) => boolean): Promise<Array<Record<string, unknown>>> {
	const deadline = Date.now() + 30_000;
	for (;;) {
		const events = await liveEvents("google", calendarId);
		if (done(events) || Date.now() > deadline) return events;
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

describe("changing the business address", () => {
	it("rewrites the staff calendar events of upcoming bookings held there, and leaves the others", { timeout: 90_000 }, async () => {
		const google = await connectStaff(syncContextFor(env, db), "google");
		// The consultation is held at another address, which the business's move must not touch.
		expect((await call(world, world.owner, "PATCH", "/services/svc_demo_consult", { place: { kind: "in_person_address", address: "Ana's studio, Prinsengracht 9" } })).status).toBe(200);
		await bookDirectly();
		await bookDirectly({ serviceId: "svc_demo_consult", start: weekdayAt(3, "10:00") });
		await flushSchedule();
		const located = (events: Array<Record<string, unknown>>) => events.map((e) => String(e.location ?? "")).sort();
		const before = await eventsWhen(google.write.externalId, (events) => events.length === 2);
		expect(located(before)).toEqual(["Ana's studio, Prinsengracht 9", "Demo Studio, Keizersgracht 1, Amsterdam"]);

		expect((await call(world, world.owner, "PATCH", "/settings", { address: "Demo Studio, Herengracht 500, Amsterdam" })).status).toBe(200);
		const after = await eventsWhen(google.write.externalId, (events) => located(events).includes("Demo Studio, Herengracht 500, Amsterdam"));
		expect(located(after)).toEqual(["Ana's studio, Prinsengracht 9", "Demo Studio, Herengracht 500, Amsterdam"]);
		expect(after).toHaveLength(2);
	});
});
