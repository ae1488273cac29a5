// Deactivating a staff member also ends their calendar sync, as Disconnect does: push channels stopped,
// credentials deleted, their external busy time no longer counting, nothing written any more. Events
// already written stay in their calendar, and their bookings stay in Slotline: the owner still sees
// the upcoming ones (flagged, to move to a colleague or cancel) on the calendar and the dashboard.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { writeTargets } from "../../src/db/queries/connections";
import { runCalendarSync } from "../../src/sync/inbound";
import { book, connectStaff, createExternalEvent, deliver, inboundContext, runQueuedSyncs, workday } from "../inbound/harness";
import { at } from "../support/demo";
import { control } from "../support/sandbox-control";
import { liveEvents } from "../sync/harness";
import { adminWorld, call } from "./support";
import type { AdminWorld } from "./support";

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

async function connectionRow(id: string): Promise<{ status: string; credentials: string | null } | null> {
	return env.DB.prepare("select status, credentials from calendar_connections where id = ?").bind(id).first();
}

/** The calendar's busy blocks in the merchant's object, which holds the busy time availability reads. */
async function blockCount(calendarId: string): Promise<number> {
	const { busy } = await merchantSchedule(env, "mer_demo").scheduleBetween(0, Number.MAX_SAFE_INTEGER);
	return busy.filter((b) => b.calendarId === calendarId).length;
}

async function openChannels(): Promise<string[]> {
	return ((await control("/google/channels")) as { channels: Array<{ id: string }> }).channels.map((c) => c.id);
}

describe("deactivating a staff member with a connected calendar", () => {
	for (const how of ["DELETE", "PATCH active: false"] as const) {
		it(`(${how}) disconnects their calendars as Disconnect does, keeping written events and every booking`, async () => {
			const context = inboundContext();
			const { connection, email, write } = await connectStaff(context, "google", "stf_demo_ana");
			// The first sync reads the calendar and opens its push channel.
			expect((await runQueuedSyncs(context))[0]).toMatchObject({ outcome: "synced" });
			const day = workday();
			await createExternalEvent("google", email, { summary: "Private", start: at(day, "15:00"), end: at(day, "16:00") });
			await runCalendarSync(context, { type: "calendar.sync", calendarId: write.id, reason: "cron" });
			expect(await blockCount(write.id)).toBe(1);
			const channel = (await env.DB.prepare("select push_channel_id as id from connection_calendars where id = ?").bind(write.id).first<{ id: string }>())?.id ?? "";
			expect(await openChannels()).toContain(channel);
			// A booking of Ana's, already written to her calendar.
			const [booking] = await book();
			await deliver(context);
			// The external event and the booking's.
			expect((await liveEvents("google", email)).length).toBe(2);

			const path = "/staff/stf_demo_ana";
			const deactivated = how === "DELETE" ? await call(world, world.owner, "DELETE", path) : await call(world, world.owner, "PATCH", path, { active: false });
			expect(deactivated.status).toBe(200);
			expect(deactivated.body).toMatchObject({ staff: { active: false }, upcomingBookings: 1, disconnectedConnections: 1 });

			expect(await connectionRow(connection.id)).toEqual({ status: "disconnected", credentials: null });
			expect(await openChannels()).not.toContain(channel);
			expect(await blockCount(write.id)).toBe(0);
			// Nothing reads or writes that calendar any more; what was written stays there.
			expect((await runCalendarSync(context, { type: "calendar.sync", calendarId: write.id, reason: "cron" })).outcome).toBe("skipped");
			expect(await writeTargets(context.db, "mer_demo", "stf_demo_ana")).toEqual([]);
			expect((await liveEvents("google", email)).length).toBe(2);
			const log = await call<{ log: Array<{ operation: string; message: string | null }> }>(world, world.owner, "GET", `/connections/${connection.id}`);
			expect(log.body.log[0]).toMatchObject({ operation: "disconnect", message: expect.stringContaining("deactivated") });

			// The booking stays, and the owner sees it flagged on the calendar and the dashboard.
			expect((await merchantSchedule(env, "mer_demo").booking(booking?.id ?? ""))?.status).toBe("confirmed");
			const date = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam" }).format(new Date(booking?.start ?? 0));
			const calendar = await (await world.h.request(`/admin/calendar?view=day&date=${date}`, { browser: world.owner })).text();
			expect(calendar).toContain("Ana Jansen (inactive)");
			expect(calendar).toContain(`data-booking="${booking?.id}"`);
			expect(calendar).toMatch(/Staff member inactive/);
			const dashboard = await (await world.h.request("/admin", { browser: world.owner })).text();
			expect(dashboard).toMatch(/1 upcoming booking is with Ana Jansen, who is no longer active/);
		});
	}

	it("leaves other staff members' and the business's connections alone", async () => {
		const context = inboundContext();
		const ana = await connectStaff(context, "google", "stf_demo_ana");
		const ben = await connectStaff(context, "google", "stf_demo_ben");
		const business = await connectStaff(context, "google", null);
		expect((await call(world, world.owner, "DELETE", "/staff/stf_demo_ana")).status).toBe(200);
		expect((await connectionRow(ana.connection.id))?.status).toBe("disconnected");
		expect((await connectionRow(ben.connection.id))?.status).toBe("active");
		expect((await connectionRow(business.connection.id))?.status).toBe("active");
		// Deactivating again finds nothing left to disconnect.
		expect((await call(world, world.owner, "PATCH", "/staff/stf_demo_ana", { active: false })).body).toMatchObject({ disconnectedConnections: 0 });
	});
});
