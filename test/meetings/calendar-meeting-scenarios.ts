// What Meet and Teams share, as tests each provider's file runs: the link stored and kept through a reschedule,
// gone with a cancellation; one link per series; exactly one event and meeting under failures and lost answers;
// a revoked grant that leaves the booking confirmed; and a calendar that cannot host the meeting refused when the
// service is saved. Each provider says how its events show a link and how its account is made unable to host one.
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import type { BookingView } from "../../src/booking/commands";
import { connectionById } from "../../src/db/queries/connections";
import { bookings } from "../../src/db/schema";
import { meetingsOf } from "../../src/meetings/meeting-store";
import { refreshCalendars } from "../../src/sync/connection-calendars";
import { adminWorld, call } from "../admin/support";
import type { Problem } from "../admin/support";
import { weekdayAt } from "../support/demo";
import { control } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, change, connectStaff, db, liveEvents } from "../sync/harness";
import type { Connected } from "../sync/harness";
import { captureLogs, meetingRow, meetingRows, meetingWorld, placeService, settle } from "./calendar-meeting-world";

export type Event = Record<string, unknown>;

export interface CalendarMeetingProvider {
	provider: "google" | "microsoft";
	kind: "google_meet" | "microsoft_teams";
	/** "Google Meet" or "Microsoft Teams", as the admin's messages name it. */
	meeting: string;
	/** The join link the event shows. */
	linkOf(event: Event | undefined): string | undefined;
	linkPattern: RegExp;
	/** The booking (or series) the event was written for. */
	bookingOf(event: Event): string | undefined;
	isSeries(event: Event): boolean;
	/** What booking_meetings.external_id holds for the event's meeting. */
	meetingIdOf(event: Event): unknown;
	/** The sandbox's fault endpoints of event writes: create and update first. */
	endpoints: string[];
	/** Makes the account's calendar unable to host the meeting (false: able again). */
	hosting(connected: Connected, able: boolean): Promise<void>;
	/** Why the admin is refused, after "<meeting> cannot be used for <name>: ". */
	refusal: RegExp;
}

/** A fault retires after `count` hits; this many never runs out, and what is left says how many fired. */
const UNLIMITED = 1_000_000_000;

export function calendarMeetingScenarios(p: CalendarMeetingProvider): void {
	describe(`a booking of a service on ${p.meeting}`, () => {
		beforeEach(() => seedDemo({ owner: { password: null } }));
		bookingScenarios(p);
	});
	describe(`a service on ${p.meeting} where the calendar cannot host it`, () => {
		savingScenario(p);
	});
}

function bookingScenarios(p: CalendarMeetingProvider): void {
	it("stores the event's link, keeps it when the booking moves, and ends it with a cancellation; no log line carries it", { timeout: 60_000 }, async () => {
		const world = meetingWorld();
		const logged = captureLogs();
		const { connection, write } = await connectStaff(world.context, p.provider);
		await world.queue.idle();
		await placeService("svc_demo_cut", { kind: p.kind });
		const [booking] = await book();
		await settle(world);

		const events = await liveEvents(p.provider, write.externalId);
		expect(events).toHaveLength(1);
		const event = events[0] as Event;
		const link = p.linkOf(event) as string;
		expect(link).toMatch(p.linkPattern);
		const ready = await meetingRow(booking!.id);
		expect(ready).toMatchObject({ state: "ready", provider: p.kind, joinUrl: link, externalId: p.meetingIdOf(event), connectionId: connection.id, error: null, syncedVersion: 1 });
		expect(ready?.readyAt).not.toBeNull();

		await change.reschedule(booking!.id, weekdayAt(2, "14:00"));
		await settle(world);
		expect((await liveEvents(p.provider, write.externalId)).map((e) => [e.id, p.linkOf(e)])).toEqual([[event.id, link]]);
		expect(await meetingRow(booking!.id)).toMatchObject({ state: "ready", joinUrl: link, syncedVersion: 2 });

		await change.cancel(booking!.id);
		await settle(world);
		expect(await liveEvents(p.provider, write.externalId)).toHaveLength(0);
		expect(await meetingRow(booking!.id)).toMatchObject({ state: "deleted" });
		// Log lines name ids only: the link is in none of them, nor in the connection's log.
		expect(await logged()).toContain(booking!.id);
		expect(await logged()).not.toContain(new URL(link).pathname.slice(1, 30));
	});

	it("gives a series one link, which a moved occurrence keeps", { timeout: 60_000 }, async () => {
		const world = meetingWorld();
		const { write } = await connectStaff(world.context, p.provider);
		await world.queue.idle();
		await placeService("svc_demo_cut", { kind: p.kind });
		const occurrences = await book({ recurrence: { frequency: "weekly", count: 4 } });
		await settle(world);

		const series = (await liveEvents(p.provider, write.externalId)).filter(p.isSeries);
		expect(series).toHaveLength(1);
		const link = p.linkOf(series[0]);
		expect(link).toMatch(p.linkPattern);
		const seriesId = occurrences[0]!.seriesId!;
		expect(await meetingRows()).toHaveLength(1);
		expect(await meetingRow(seriesId)).toMatchObject({ state: "ready", joinUrl: link, seriesId, bookingId: occurrences[0]!.id, externalId: p.meetingIdOf(series[0] as Event) });
		const rows = await meetingsOf(db, occurrences.map((o) => ({ id: o.id, seriesId })));
		expect([...rows.values()].map((r) => r.joinUrl)).toEqual([link, link, link, link]);

		const second = occurrences[1]!;
		await change.reschedule(second.id, second.start + 2 * 3_600_000);
		await settle(world);
		expect((await liveEvents(p.provider, write.externalId)).filter(p.isSeries).map((e) => p.linkOf(e))).toEqual([link]);
		expect(await meetingRow(seriesId)).toMatchObject({ state: "ready", joinUrl: link });
		expect(await meetingRows()).toHaveLength(1);
	});

	it("makes exactly one event and one meeting per booking under 30% failures and lost answers", { timeout: 120_000 }, async () => {
		const world = meetingWorld({ maxRetries: 30 });
		const { email, write } = await connectStaff(world.context, p.provider);
		await world.queue.idle();
		await placeService("svc_demo_cut", { kind: p.kind });
		const scope = { account: email };
		// The first create and the first update are done, their answers lost: the retry must find them.
		for (const endpoint of p.endpoints.slice(0, 2)) await control("/faults", { provider: p.provider, endpoint, status: 503, afterSuccess: true, count: 1, scope });
		let seed = 18;
		for (const endpoint of p.endpoints) {
			// Half refused outright, half done with the answer lost on the way back.
			for (const afterSuccess of [false, true]) await control("/faults", { provider: p.provider, endpoint, status: 503, errorRate: 0.15, afterSuccess, count: UNLIMITED, seed: seed++, scope });
		}
		const booked: BookingView[] = [];
		for (const time of ["09:00", "14:00", "16:00"]) booked.push(...(await book({ start: weekdayAt(3, time) })));
		await settle(world);
		const first = await Promise.all(booked.map(async (b) => (await meetingRow(b.id))?.joinUrl));
		for (const [index, time] of ["10:00", "15:00", "16:30"].entries()) await change.reschedule(booked[index]!.id, weekdayAt(3, time));
		await settle(world);

		const { faults } = (await control("/faults")) as { faults: Array<{ scope?: { account?: string }; count?: number; remaining: number }> };
		const ours = faults.filter((f) => f.scope?.account === email);
		// The two sure lost answers happened (and retired), and the random faults fired too.
		expect(ours.filter((f) => f.count === 1)).toEqual([]);
		expect(ours.reduce((sum, f) => sum + UNLIMITED - f.remaining, 0)).toBeGreaterThan(0);
		await control(`/faults?account=${encodeURIComponent(email)}`, undefined, "DELETE");

		const events = await liveEvents(p.provider, write.externalId);
		expect(events.map((e) => p.bookingOf(e)).sort()).toEqual(booked.map((b) => b.id).sort());
		for (const [index, b] of booked.entries()) {
			const event = events.find((e) => p.bookingOf(e) === b.id) as Event;
			// The meeting first made is the one the event holds after every retry, and the one stored.
			expect(await meetingRow(b.id)).toMatchObject({ state: "ready", joinUrl: first[index], externalId: p.meetingIdOf(event), syncedVersion: 2 });
			expect(p.linkOf(event)).toBe(first[index]);
		}
		expect(new Set(first).size).toBe(3);
	});

	it("writes the event without the meeting where the calendar cannot host it, and says why", { timeout: 60_000 }, async () => {
		const world = meetingWorld();
		const connected = await connectStaff(world.context, p.provider);
		await world.queue.idle();
		// Made unable after the calendar list was read: the push is where it shows (Google's 400, Graph's silent downgrade).
		await p.hosting(connected, false);
		await placeService("svc_demo_cut", { kind: p.kind });
		const [booking] = await book();
		await settle(world);
		const events = await liveEvents(p.provider, connected.write.externalId);
		expect(events).toHaveLength(1);
		expect(p.linkOf(events[0])).toBeUndefined();
		const row = await meetingRow(booking!.id);
		expect(row).toMatchObject({ state: "failed", joinUrl: null });
		expect(row?.error).toMatch(p.refusal);
	});

	it("keeps the booking confirmed when access was revoked, its meeting pending with the reason", { timeout: 60_000 }, async () => {
		const world = meetingWorld();
		const { connection, email, write } = await connectStaff(world.context, p.provider);
		await world.queue.idle();
		await placeService("svc_demo_cut", { kind: p.kind });
		await control("/faults", { provider: p.provider, revokeRefreshTokens: true, scope: { account: email } });
		await control("/faults", { provider: p.provider, expireAccessTokens: true, scope: { account: email } });
		const [booking] = await book();
		await settle(world);

		expect((await db.query.bookings.findFirst({ where: eq(bookings.id, booking!.id) }))?.status).toBe("confirmed");
		const row = await meetingRow(booking!.id);
		expect(row).toMatchObject({ state: "pending", provider: p.kind, connectionId: connection.id, joinUrl: null });
		expect(row?.error).toMatch(/reconnect the calendar/);
		expect((await connectionById(db, connection.id))?.errorKind).toBe("reauthorize");
		expect(await liveEvents(p.provider, write.externalId)).toHaveLength(0);
	});

}

function savingScenario(p: CalendarMeetingProvider): void {
	it("is refused when saved where the calendar cannot host it, naming the field and the reason; the Integrations data says why", { timeout: 60_000 }, async () => {
		const admin = await adminWorld();
		const world = meetingWorld();
		const ana = await connectStaff(world.context, p.provider, "stf_demo_ana");
		await connectStaff(world.context, p.provider, "stf_demo_ben");
		await world.queue.idle();
		await p.hosting(ana, false);
		await refreshCalendars(world.context, ana.connection);

		const reason = new RegExp(`${p.meeting} cannot be used for Ana Jansen: ${p.refusal.source}`);
		const refused = await call<Problem>(admin, admin.owner, "PATCH", "/services/svc_demo_cut", { place: { kind: p.kind } });
		expect(refused.status).toBe(422);
		// Chloé offers it too, without any calendar connection: her own reason, on the same field.
		expect([...new Set(refused.body.errors?.map((e) => e.field))]).toEqual(["body.place.kind"]);
		expect(refused.body.detail).toMatch(reason);

		// Ben's calendar can host it; adding Ana to his service is refused on the field that changed.
		const created = await call<{ service: { id: string } }>(admin, admin.owner, "POST", "/services", { name: "Video call", durationMinutes: 30, color: "#123456", staffIds: ["stf_demo_ben"], place: { kind: p.kind } });
		expect(created.status).toBe(201);
		const added = await call<Problem>(admin, admin.owner, "PATCH", `/services/${created.body.service.id}`, { staffIds: ["stf_demo_ben", "stf_demo_ana"] });
		expect(added.status).toBe(422);
		expect(added.body.errors?.map((e) => e.field)).toEqual(["body.staffIds"]);
		expect(added.body.detail).toMatch(reason);

		const listed = await call<{ connections: Array<{ id: string; calendars: Array<{ id: string; meetingRefusal: string | null }> }> }>(admin, admin.owner, "GET", "/connections");
		const calendar = listed.body.connections.find((c) => c.id === ana.connection.id)?.calendars.find((c) => c.id === ana.write.id);
		expect(calendar?.meetingRefusal).toMatch(p.refusal);

		// Able again and read again: accepted.
		await p.hosting(ana, true);
		await refreshCalendars(world.context, ana.connection);
		expect((await call(admin, admin.owner, "PATCH", "/services/svc_demo_cut", { place: { kind: p.kind }, staffIds: ["stf_demo_ana", "stf_demo_ben"] })).status).toBe(200);
	});
}
