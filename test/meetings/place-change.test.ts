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
import { bookDirectly } from "../support/demo";
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
