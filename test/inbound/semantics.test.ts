// What external events block, through the sync runner: the 90-days-back / 365-days-ahead window, moved
// events for Google and Microsoft, and Microsoft's own semantics (all-day in the staff zone, tentative
// by status or by the person's answer, declined, a weekly series across DST, a 410 on the delta link).
import { env } from "cloudflare:workers";
import { Temporal } from "temporal-polyfill";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { connectionById, logOf } from "../../src/db/queries/connections";
import { decryptCredentials } from "../../src/sync/adapters";
import { runCalendarSync, SYNC_AHEAD_MS, SYNC_PAST_MS } from "../../src/sync/inbound";
import { at } from "../support/demo";
import { seedDemo } from "../support/seed";
import type { InboundTestContext } from "./harness";
import { blocksOf, connectStaff, createExternalEvent, db, freeSlots, inboundContext, runQueuedSyncs, setTentativePolicy, workday } from "./harness";

beforeEach(() => seedDemo({ owner: { password: null } }));
afterEach(() => {
	vi.restoreAllMocks();
});

async function accessToken(context: InboundTestContext, connectionId: string): Promise<string> {
	const credentials = await decryptCredentials(context, (await connectionById(db, connectionId))!);
	if (credentials.kind !== "oauth") throw new Error("not an OAuth connection");
	return credentials.accessToken;
}

/** A request to the provider's API as the calendar's owner's own app would send it. */
async function api(token: string, method: string, url: string, body: unknown): Promise<Record<string, unknown>> {
	const response = await fetch(url, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
	expect(response.status).toBeLessThan(300);
	return (await response.json()) as Record<string, unknown>;
}

async function sync(context: InboundTestContext, calendarId: string): Promise<void> {
	const report = await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
	expect(["synced", "unchanged"]).toContain(report.outcome);
}

/** The first day of a weekly series whose third week falls after the next spring-forward in Amsterdam. */
function beforeSpringForward(): Temporal.PlainDate {
	const today = Temporal.Now.plainDateISO("Europe/Amsterdam");
	let march = Temporal.PlainDate.from({ year: today.month >= 3 ? today.year + 1 : today.year, month: 3, day: 31 });
	while (march.dayOfWeek !== 7) march = march.subtract({ days: 1 });
	return march.subtract({ days: 11 });
}

describe("the sync window", () => {
	it("keeps events from 90 days back to 365 days ahead, and nothing outside", async () => {
		const now = Date.now();
		const context = inboundContext(() => now);
		const { email, write } = await connectStaff(context, "google");
		const day = 86_400_000;
		const event = (at: number, summary: string): Promise<{ id: string }> =>
			createExternalEvent("google", email, { summary, start: new Date(at).toISOString(), end: new Date(at + 3_600_000).toISOString() });
		await event(now - SYNC_PAST_MS - day, "too old");
		const oldest = await event(now - SYNC_PAST_MS + day, "oldest kept");
		const furthest = await event(now + SYNC_AHEAD_MS - day, "furthest kept");
		await event(now + SYNC_AHEAD_MS + day, "too far");
		expect(SYNC_PAST_MS).toBe(90 * day);
		expect(SYNC_AHEAD_MS).toBe(365 * day);
		await runQueuedSyncs(context);
		expect((await blocksOf(write.id)).map((b) => b.external_event_id)).toEqual([oldest.id, furthest.id]);
	});
});

describe("moved events", () => {
	it("Google: the block moves with the event", async () => {
		const context = inboundContext();
		const { connection, email, write } = await connectStaff(context, "google");
		await runQueuedSyncs(context);
		const day = workday();
		const created = await createExternalEvent("google", email, { summary: "Dentist", start: at(day, "10:00"), end: at(day, "11:00") });
		await sync(context, write.id);
		expect(await freeSlots("stf_demo_ana", day)).not.toContain(at(day, "10:00"));
		await api(await accessToken(context, connection.id), "PATCH", `${env.GOOGLE_CALENDAR_API}/calendars/${encodeURIComponent(email)}/events/${created.id}`, {
			start: { dateTime: at(day, "14:00") },
			end: { dateTime: at(day, "15:00") },
		});
		await sync(context, write.id);
		expect((await blocksOf(write.id)).map((b) => [b.external_event_id, b.starts_at])).toEqual([[created.id, Date.parse(at(day, "14:00"))]]);
		const free = await freeSlots("stf_demo_ana", day);
		expect(free).toContain(at(day, "10:00"));
		expect(free).not.toContain(at(day, "14:10"));
	});

	it("Microsoft: the block moves with the event", async () => {
		const context = inboundContext();
		const { connection, write } = await connectStaff(context, "microsoft", "stf_demo_ben");
		await runQueuedSyncs(context);
		const day = workday();
		const created = await createExternalEvent("microsoft", write.externalId, { summary: "Dentist", start: at(day, "11:00"), end: at(day, "12:00") });
		await sync(context, write.id);
		await api(await accessToken(context, connection.id), "PATCH", `${env.MICROSOFT_GRAPH_API}/me/events/${created.id}`, {
			start: { dateTime: at(day, "15:00").replace("Z", ""), timeZone: "UTC" },
			end: { dateTime: at(day, "16:00").replace("Z", ""), timeZone: "UTC" },
		});
		await sync(context, write.id);
		expect((await blocksOf(write.id)).map((b) => [b.external_event_id, b.starts_at])).toEqual([[created.id, Date.parse(at(day, "15:00"))]]);
		const free = await freeSlots("stf_demo_ben", day);
		expect(free).toContain(at(day, "11:00"));
		expect(free).not.toContain(at(day, "15:10"));
	});
});

describe("what a Microsoft event blocks", () => {
	it("all-day in the staff zone, tentative (by status or by the person's answer) per policy, declined not at all", async () => {
		const context = inboundContext();
		const { connection, write } = await connectStaff(context, "microsoft", "stf_demo_ben");
		await runQueuedSyncs(context);
		const token = await accessToken(context, connection.id);
		const day = workday();
		const holiday = workday(10);
		// Made in Los Angeles: midnight there is 09:00 in Amsterdam, yet Ben's whole local day is taken.
		await createExternalEvent("microsoft", write.externalId, { summary: "Holiday", start: holiday.toString(), end: holiday.add({ days: 1 }).toString(), allDay: true, timeZone: "America/Los_Angeles" });
		await createExternalEvent("microsoft", write.externalId, { summary: "Maybe", start: at(day, "10:00"), end: at(day, "10:20"), status: "tentative" });
		const answered = await createExternalEvent("microsoft", write.externalId, { summary: "Invite", start: at(day, "11:00"), end: at(day, "11:20") });
		await api(token, "PATCH", `${env.MICROSOFT_GRAPH_API}/me/events/${answered.id}`, { responseStatus: { response: "tentativelyAccepted" } });
		const declined = await createExternalEvent("microsoft", write.externalId, { summary: "Declined", start: at(day, "12:00"), end: at(day, "13:00") });
		await api(token, "PATCH", `${env.MICROSOFT_GRAPH_API}/me/events/${declined.id}`, { responseStatus: { response: "declined" } });
		await sync(context, write.id);

		const blocks = await blocksOf(write.id);
		const amsterdam = (d: Temporal.PlainDate): number => d.toZonedDateTime({ timeZone: "Europe/Amsterdam" }).epochMilliseconds;
		expect(blocks.map((b) => [b.starts_at, b.ends_at, b.all_day, b.tentative])).toEqual([
			[Date.parse(at(day, "10:00")), Date.parse(at(day, "10:20")), 0, 1],
			[Date.parse(at(day, "11:00")), Date.parse(at(day, "11:20")), 0, 1],
			[amsterdam(holiday), amsterdam(holiday.add({ days: 1 })), 1, 0],
		]);
		expect(blocks.some((b) => b.external_event_id === declined.id)).toBe(false);
		expect(await freeSlots("stf_demo_ben", holiday)).toEqual([]);
		await setTentativePolicy(true);
		expect(await freeSlots("stf_demo_ben", day)).not.toContain(at(day, "11:00"));
		await setTentativePolicy(false);
		const free = await freeSlots("stf_demo_ben", day);
		expect(free).toContain(at(day, "10:00"));
		expect(free).toContain(at(day, "11:00"));
		expect(free).toContain(at(day, "12:00"));
	});

	it("a weekly series across a DST change keeps its local time", async () => {
		const context = inboundContext();
		const { connection, write } = await connectStaff(context, "microsoft", "stf_demo_ben");
		await runQueuedSyncs(context);
		const first = beforeSpringForward();
		await api(await accessToken(context, connection.id), "POST", `${env.MICROSOFT_GRAPH_API}/me/calendars/${encodeURIComponent(write.externalId)}/events`, {
			subject: "Weekly class",
			start: { dateTime: `${first}T10:00:00`, timeZone: "Europe/Amsterdam" },
			end: { dateTime: `${first}T11:00:00`, timeZone: "Europe/Amsterdam" },
			recurrence: {
				pattern: { type: "weekly", interval: 1, daysOfWeek: [["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][first.dayOfWeek - 1]], firstDayOfWeek: "monday" },
				range: { type: "numbered", startDate: first.toString(), numberOfOccurrences: 4, recurrenceTimeZone: "Europe/Amsterdam" },
			},
		});
		await sync(context, write.id);
		const starts = (await blocksOf(write.id)).map((b) => b.starts_at);
		// Two before the change (09:00Z), two after (08:00Z): 10:00 in Amsterdam each time.
		expect(starts.map((s) => new Date(s).getUTCHours())).toEqual([9, 9, 8, 8]);
		expect(starts).toEqual([0, 7, 14, 21].map((d) => first.add({ days: d }).toZonedDateTime({ timeZone: "Europe/Amsterdam", plainTime: "10:00" }).epochMilliseconds));
	});

	it("a 410 on the stored delta link: a full resync of the window", async () => {
		const context = inboundContext();
		const { connection, write } = await connectStaff(context, "microsoft", "stf_demo_ben");
		await runQueuedSyncs(context);
		const day = workday();
		await createExternalEvent("microsoft", write.externalId, { summary: "Physio", start: at(day, "15:00"), end: at(day, "16:00") });
		// Graph answers this calendar's delta link with 410 Gone (and a Location to start over).
		const real = globalThis.fetch;
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			if (url.includes("/calendarView/delta") && url.includes("deltatoken")) return new Response(null, { status: 410, headers: { location: url } });
			return real(input, init);
		});
		const report = await runCalendarSync(context, { type: "calendar.sync", calendarId: write.id, reason: "push" });
		expect(report).toMatchObject({ outcome: "synced", full: true, blocks: 1 });
		expect((await blocksOf(write.id)).map((b) => b.starts_at)).toEqual([Date.parse(at(day, "15:00"))]);
		expect((await logOf(db, connection.id)).some((l) => l.outcome === "retry" && /resyncRequired/.test(l.message ?? ""))).toBe(true);
	});
});
