// Outbound sync against the sandbox's Google and Microsoft: every kind of booking change lands in the
// staff member's calendar exactly once, and repeated or stale messages change nothing.
import { beforeEach, describe, expect, it } from "vitest";
import { instantOf } from "../../src/calendars/event-time";
import { GOOGLE_BOOKING_PROPERTY } from "../../src/calendars/google";
import { handleCalendarPush } from "../../src/sync/outbound";
import type { OAuthProvider } from "../../src/sync/connection-oauth";
import { weekdayAt } from "../support/demo";
import { seedDemo } from "../support/seed";
import { book, calendarPushes, change, connectStaff, deliver, liveEvents, outboxJobs, sandboxEvents, testContext } from "./harness";

beforeEach(() => seedDemo({ owner: { password: null } }));

type Event = Record<string, unknown>;

function startOf(event: Event): number {
	const start = event.start as { dateTime: string; timeZone?: string };
	return instantOf(start.dateTime, start.timeZone ?? "UTC");
}

function titleOf(provider: OAuthProvider, event: Event): unknown {
	return provider === "google" ? event.summary : event.subject;
}

function descriptionOf(provider: OAuthProvider, event: Event): string {
	return provider === "google" ? String(event.description ?? "") : String((event.body as { content?: string } | undefined)?.content ?? "");
}

describe.each(["google", "microsoft"] as const)("%s", (provider) => {
	it("creates, reschedules, edits notes and cancels one event", async () => {
		const context = testContext();
		const { write } = await connectStaff(context, provider);
		const [booking] = await book();
		expect(await deliver(context)).toEqual(["written"]);

		let events = await liveEvents(provider, write.externalId);
		expect(events).toHaveLength(1);
		const created = events[0] as Event;
		expect(titleOf(provider, created)).toBe("Ada Lovelace");
		expect(startOf(created)).toBe(booking?.start);
		expect(descriptionOf(provider, created)).toContain("Haircut");
		expect(descriptionOf(provider, created)).toContain("Short on the sides");
		if (provider === "google") {
			expect((created.extendedProperties as { private: Record<string, string> }).private[GOOGLE_BOOKING_PROPERTY]).toBe(booking?.id);
			// Haircut's #f97316 is nearest (in RGB) to Google's event colour 11 (#dc2127).
			expect(created.colorId).toBe("11");
			expect((created.start as { timeZone: string }).timeZone).toBe("Europe/Amsterdam");
		} else {
			// The same #f97316 is nearest to Outlook's default orange colour category.
			expect(created.categories).toEqual(["Orange category"]);
		}

		const moved = weekdayAt(2, "14:00");
		await change.reschedule(booking!.id, moved);
		expect(await deliver(context)).toEqual(["written"]);
		events = await liveEvents(provider, write.externalId);
		expect(events).toHaveLength(1);
		expect(events[0]?.id).toBe(created.id);
		expect(startOf(events[0] as Event)).toBe(moved);

		await change.notes(booking!.id, "Prefers the window seat");
		expect(await deliver(context)).toEqual(["written"]);
		events = await liveEvents(provider, write.externalId);
		expect(events).toHaveLength(1);
		expect(descriptionOf(provider, events[0] as Event)).toContain("Prefers the window seat");

		await change.cancel(booking!.id);
		expect(await deliver(context)).toEqual(["deleted"]);
		expect(await liveEvents(provider, write.externalId)).toHaveLength(0);
	});

	it("ignores a message delivered twice and a stale message after a newer change", async () => {
		const context = testContext();
		const { write } = await connectStaff(context, provider);
		const [booking] = await book({ customer: null });
		const jobs = await outboxJobs();
		const push = { type: "calendar.push" as const, bookingId: booking!.id, calendarId: write.id, version: 1 };
		expect(calendarPushes(jobs)).toEqual([push]);
		expect(await handleCalendarPush(context, push)).toBe("written");
		expect(await handleCalendarPush(context, push)).toBe("skipped");

		const moved = weekdayAt(2, "15:00");
		await change.reschedule(booking!.id, moved);
		await outboxJobs();
		// The version-1 message arriving late pushes the current state (version 2), never the old one.
		expect(await handleCalendarPush(context, push)).toBe("written");
		expect(await handleCalendarPush(context, { ...push, version: 2 })).toBe("skipped");
		const events = await liveEvents(provider, write.externalId);
		expect(events).toHaveLength(1);
		expect(titleOf(provider, events[0] as Event)).toBe("Walk-in");
		expect(startOf(events[0] as Event)).toBe(moved);
	});

	it("writes a series as one recurring event with a moved and a cancelled occurrence", async () => {
		const context = testContext();
		const { write } = await connectStaff(context, provider);
		const occurrences = await book({ recurrence: { frequency: "weekly", count: 4 } });
		expect(occurrences).toHaveLength(4);
		// One push per occurrence's outbox row: the first writes the series, the rest find it current.
		expect(await deliver(context)).toEqual(["written", "skipped", "skipped", "skipped"]);
		let events = await liveEvents(provider, write.externalId);
		const masters = events.filter((e) => (provider === "google" ? Array.isArray(e.recurrence) : e.type === "seriesMaster"));
		expect(masters).toHaveLength(1);
		if (provider === "google") expect(masters[0]?.recurrence).toEqual(["RRULE:FREQ=WEEKLY;COUNT=4"]);

		const second = occurrences[1]!;
		const third = occurrences[2]!;
		await change.reschedule(second.id, second.start + 2 * 3_600_000);
		await change.cancel(third.id);
		// The first push writes the whole series as it now is, so the cancellation's message finds it current.
		expect(await deliver(context)).toEqual(["written", "skipped"]);

		events = await liveEvents(provider, write.externalId);
		expect(events.filter((e) => (provider === "google" ? Array.isArray(e.recurrence) : e.type === "seriesMaster"))).toHaveLength(1);
		const all = await sandboxEvents(provider, write.externalId);
		if (provider === "google") {
			const exceptions = events.filter((e) => e.recurringEventId === masters[0]?.id);
			expect(exceptions.map((e) => startOf(e))).toEqual([second.start + 2 * 3_600_000]);
			const cancelled = all.filter((e) => e.recurringEventId === masters[0]?.id && e.status === "cancelled");
			expect(cancelled.map((e) => instantOf((e.originalStartTime as { dateTime: string; timeZone?: string }).dateTime, (e.originalStartTime as { timeZone?: string }).timeZone ?? "UTC"))).toEqual([third.start]);
		} else {
			// Graph keeps an edited occurrence as an "exception" and a cancelled one as a deleted occurrence record.
			const exceptions = events.filter((e) => e.seriesMasterId === masters[0]?.id && e.type === "exception");
			expect(exceptions.map((e) => [Date.parse(String(e.originalStart)), startOf(e)])).toEqual([[second.start, second.start + 2 * 3_600_000]]);
			const cancelled = all.filter((e) => e.seriesMasterId === masters[0]?.id && e["@sandbox.deleted"] === true);
			expect(cancelled.map((e) => Date.parse(String(e.originalStart)))).toEqual([third.start]);
		}
	});

	it("writes an occurrence reassigned to another staff member as a single event in their calendar", async () => {
		const context = testContext();
		const ana = await connectStaff(context, provider);
		const ben = await connectStaff(context, provider, "stf_demo_ben");
		const occurrences = await book({ recurrence: { frequency: "weekly", count: 4 } });
		await deliver(context);
		const second = occurrences[1]!;
		const reassign = (staffId: string, start: number) => change.reschedule(second.id, start, "one", staffId);
		await reassign("stf_demo_ben", second.start);
		await deliver(context);

		// Ana's series shows the occurrence as cancelled; Ben's calendar holds it as one plain event.
		const anaEvents = await liveEvents(provider, ana.write.externalId);
		const master = anaEvents.find((e) => (provider === "google" ? Array.isArray(e.recurrence) : e.type === "seriesMaster"));
		expect(master).toBeDefined();
		const anaAll = await sandboxEvents(provider, ana.write.externalId);
		const cancelledAtAna =
			provider === "google"
				? anaAll.filter((e) => e.recurringEventId === master?.id && e.status === "cancelled")
				: anaAll.filter((e) => e.seriesMasterId === master?.id && e["@sandbox.deleted"] === true);
		expect(cancelledAtAna).toHaveLength(1);
		let benEvents = await liveEvents(provider, ben.write.externalId);
		expect(benEvents).toHaveLength(1);
		const single = benEvents[0] as Event;
		expect(provider === "google" ? single.recurrence ?? null : single.type).toBe(provider === "google" ? null : "singleInstance");
		expect(startOf(single)).toBe(second.start);
		expect(titleOf(provider, single)).toBe("Ada Lovelace");

		// Moving it moves Ben's event; a repeat changes nothing; giving it back to Ana removes it from Ben's calendar.
		// (Restoring the occurrence inside Ana's series is not done yet: the cancelled instance stays cancelled.)
		await change.reschedule(second.id, second.start + 3_600_000);
		expect(await deliver(context)).toContain("written");
		benEvents = await liveEvents(provider, ben.write.externalId);
		expect(benEvents.map((e) => [e.id, startOf(e)])).toEqual([[single.id, second.start + 3_600_000]]);
		expect(await handleCalendarPush(context, { type: "calendar.push", bookingId: second.id, calendarId: ben.write.id, version: 1 })).toBe("skipped");
		await reassign("stf_demo_ana", second.start);
		await deliver(context);
		expect(await liveEvents(provider, ben.write.externalId)).toHaveLength(0);
		const isMaster = (e: Event): boolean => (provider === "google" ? Array.isArray(e.recurrence) : e.type === "seriesMaster");
		expect((await liveEvents(provider, ana.write.externalId)).filter(isMaster)).toHaveLength(1);

		// With one occurrence Ben's again, moving the whole series to him makes his standalone event give way to the series.
		await reassign("stf_demo_ben", second.start);
		await deliver(context);
		expect(await liveEvents(provider, ben.write.externalId)).toHaveLength(1);
		await change.reschedule(occurrences[0]!.id, occurrences[0]!.start, "series", "stf_demo_ben");
		await deliver(context);
		expect(await liveEvents(provider, ana.write.externalId)).toHaveLength(0);
		const benAfter = await liveEvents(provider, ben.write.externalId);
		expect(benAfter.filter(isMaster)).toHaveLength(1);
		expect(benAfter.filter((e) => !isMaster(e) && (provider === "google" || e.type === "singleInstance"))).toHaveLength(0);
	});
});
