// Inbound sync from Google against the sandbox: a channel per checked calendar, verified pushes that
// queue an incremental sync, replays and forgeries, 410 recovery, and what blocks time (and how).
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { Temporal } from "temporal-polyfill";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { MerchantSchedule } from "../../src/booking/merchant-schedule";
import { GoogleCalendar } from "../../src/calendars/google";
import { connectionById } from "../../src/db/queries/connections";
import { calendarConnections, staff } from "../../src/db/schema";
import { runCalendarSync } from "../../src/sync/inbound";
import { receiveGoogleNotification } from "../../src/sync/push-google";
import type { GoogleVerdict } from "../../src/sync/push-google";
import { backgroundSettled } from "../setup/worker";
import { at, weekdayAt } from "../support/demo";
import { control, sandboxUrl } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import {
	blocksOf,
	book,
	calendar,
	connectStaff,
	createExternalEvent,
	db,
	deliver,
	deliveriesDuring,
	freeSlots,
	inboundContext,
	replay,
	runQueuedSyncs,
	setTentativePolicy,
	SINK,
	syncJobs,
	workday,
} from "./harness";
import type { Delivery, InboundTestContext } from "./harness";

beforeEach(() => seedDemo({ owner: { password: null } }));

async function connected(context: InboundTestContext, staffId = "stf_demo_ana"): Promise<{ email: string; calendarId: string; connectionId: string }> {
	const { connection, email, write } = await connectStaff(context, "google", staffId);
	// Connecting queues the checked calendar's first sync, which also opens its channel.
	expect(syncJobs(context.recording.sent)).toEqual([{ type: "calendar.sync", calendarId: write.id, reason: "connect" }]);
	const [first] = await runQueuedSyncs(context);
	expect(first).toMatchObject({ outcome: "synced", full: true });
	return { email, calendarId: write.id, connectionId: connection.id };
}

/** Creates an event as the calendar's owner and returns the push it caused. */
async function createAndCatchPush(email: string, event: Record<string, unknown>): Promise<{ id: string; push: Delivery }> {
	let created = { id: "" };
	const caused = await deliveriesDuring("google", email, async () => {
		created = await createExternalEvent("google", email, event);
	});
	const push = caused.find((d) => d.headers["x-goog-resource-state"] === "exists");
	if (push === undefined) throw new Error("no push was delivered");
	return { id: created.id, push };
}

describe("Google push", () => {
	it("end to end: an event created in the calendar makes its slot disappear from the public availability", async () => {
		const context = inboundContext();
		const { email, calendarId } = await connected(context);
		const row = await calendar(calendarId);
		expect(row.pushChannelId).not.toBeNull();
		expect(row.pushSecretHash).toMatch(/^[0-9a-f]{64}$/);
		const channels = ((await control("/google/channels")) as { channels: Array<{ id: string; address: string }> }).channels;
		expect(channels.find((c) => c.id === row.pushChannelId)?.address).toBe(`${SINK}/webhooks/google`);

		const day = workday();
		const slot = at(day, "10:00");
		expect(await freeSlots("stf_demo_ana", day)).toContain(slot);
		const { push } = await createAndCatchPush(email, { summary: "Dentist", start: at(day, "10:00"), end: at(day, "11:00") });

		const verdict = await receiveGoogleNotification(context, new Headers(push.headers));
		expect(verdict).toEqual({ kind: "queued", job: { type: "calendar.sync", calendarId, reason: "push" } });
		expect(syncJobs(context.recording.sent)).toEqual([{ type: "calendar.sync", calendarId, reason: "push" }]);
		const [report] = await runQueuedSyncs(context);
		expect(report).toMatchObject({ outcome: "synced", full: false, blocks: 1 });

		const free = await freeSlots("stf_demo_ana", day);
		expect(free).not.toContain(slot);
		expect(free).not.toContain(at(day, "10:40"));
		expect(free).toContain(at(day, "11:00"));
	});

	it("a replayed or duplicated push changes nothing more", async () => {
		const context = inboundContext();
		const { email, calendarId } = await connected(context);
		const day = workday();
		const { push } = await createAndCatchPush(email, { summary: "Gym", start: at(day, "14:00"), end: at(day, "15:00") });
		await receiveGoogleNotification(context, new Headers(push.headers));
		await runQueuedSyncs(context);
		const once = await blocksOf(calendarId);
		expect(once).toHaveLength(1);
		for (let i = 0; i < 3; i++) await receiveGoogleNotification(context, new Headers(push.headers));
		const reports = await runQueuedSyncs(context);
		expect(reports.map((r) => r.outcome)).toEqual(["unchanged", "unchanged", "unchanged"]);
		expect(await blocksOf(calendarId)).toEqual(once);
	});

	it("forged pushes (wrong token, no token, unknown channel) get 401 and change nothing", async () => {
		const context = inboundContext();
		const { email, calendarId } = await connected(context);
		const day = workday();
		const { push } = await createAndCatchPush(email, { summary: "Lunch", start: at(day, "12:00"), end: at(day, "13:00") });
		const cursor = (await calendar(calendarId)).syncCursor;

		const forge = (headers: Record<string, string>): Promise<GoogleVerdict> => receiveGoogleNotification(context, new Headers(headers));
		expect(await forge({ ...push.headers, "x-goog-channel-token": "guessed" })).toEqual({ kind: "refused" });
		const { "x-goog-channel-token": _token, ...noToken } = push.headers;
		expect(await forge(noToken)).toEqual({ kind: "refused" });
		const unknown = crypto.randomUUID();
		expect(await forge({ ...push.headers, "x-goog-channel-id": unknown })).toEqual({ kind: "unknown", channelId: unknown });
		expect(await forge({})).toEqual({ kind: "refused" });
		expect(context.recording.sent).toEqual([]);
		expect(await blocksOf(calendarId)).toEqual([]);
		expect((await calendar(calendarId)).syncCursor).toBe(cursor);
	});

	it("a notification for a channel nobody knows is refused without using any credential, and logged once", async () => {
		const context = inboundContext();
		const { email, connectionId } = await connected(context);
		// A channel opened outside Slotline's records (as a lost watch response would leave), delivering for real.
		const stray = await openStrayChannel(email);
		const day = workday();
		const caused = await deliveriesDuring("google", email, () => createExternalEvent("google", email, { summary: "Stray", start: at(day, "09:00"), end: at(day, "09:30") }));
		const strayPush = caused.find((d) => d.headers["x-goog-channel-id"] === stray);
		if (strayPush === undefined) throw new Error("the stray channel delivered nothing");
		// The stored access token has expired: any use of the credentials would refresh and store them.
		await db.update(calendarConnections).set({ accessTokenExpiresAt: Date.now() - 60_000 }).where(eq(calendarConnections.id, connectionId));
		const before = { connection: await connectionById(db, connectionId), log: await logOf(connectionId) };
		// A forgery naming the staff member's calendar, as anyone who knows the address could send it.
		const forged = { "x-goog-channel-id": crypto.randomUUID(), "x-goog-resource-id": "guessed", "x-goog-resource-state": "exists", "x-goog-message-number": "2", "x-goog-resource-uri": `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(email)}/events?alt=json` };
		const logged = vi.spyOn(console, "error");
		try {
			for (const headers of [strayPush.headers, forged, strayPush.headers, strayPush.headers, forged]) {
				expect((await replay({ ...strayPush, headers })).status).toBe(401);
			}
			await backgroundSettled();
			const lines = logged.mock.calls.map(([line]) => String(line)).filter((line) => line.includes("unknown Google channel"));
			expect(lines.map((line) => (JSON.parse(line) as { channelId: string }).channelId)).toEqual([stray, forged["x-goog-channel-id"]]);
		} finally {
			logged.mockRestore();
		}
		// Nothing was refreshed, stored, stopped or logged on the connection.
		expect({ connection: await connectionById(db, connectionId), log: await logOf(connectionId) }).toEqual(before);
		const channels = ((await control("/google/channels")) as { channels: Array<{ id: string }> }).channels;
		expect(channels.some((c) => c.id === stray)).toBe(true);
	});

	it("a refused watch (404) means no push, not a deleted calendar: it is polled, blocks time, takes bookings, and the log says so", async () => {
		const context = inboundContext();
		const { connection, email, write } = await connectStaff(context, "google");
		await control("/faults", { provider: "google", endpoint: "events.watch", status: 404, scope: { calendarId: email } });
		const day = workday();
		await createExternalEvent("google", email, { summary: "Dentist", start: at(day, "10:00"), end: at(day, "11:00") });
		const [first] = await runQueuedSyncs(context);
		expect(first).toMatchObject({ outcome: "synced", full: true, blocks: 1 });
		expect(await calendar(write.id)).toMatchObject({ unavailableSince: null, pushChannelId: null });
		expect(await freeSlots("stf_demo_ana", day)).not.toContain(at(day, "10:00"));

		const log = (await logOf(connection.id)) as Array<{ operation: string; outcome: string; message: string | null }>;
		expect(log.some((entry) => entry.operation === "calendar-unavailable")).toBe(false);
		expect(log.filter((entry) => entry.operation === "push").map((entry) => entry.message)).toEqual([
			expect.stringMatching(/push notifications are unavailable \(ProviderError: google 404 .*\); its changes are polled instead$/),
		]);
		// Bookings are still written to it.
		await book();
		expect(await deliver(context)).toEqual(["written"]);
		expect(await connectionById(db, connection.id)).toMatchObject({ status: "active", errorKind: null });
	});

	it("410 on the incremental sync: a full resync of the window", async () => {
		const context = inboundContext();
		const { email, calendarId, connectionId } = await connected(context);
		const day = workday();
		const { push } = await createAndCatchPush(email, { summary: "Physio", start: at(day, "15:00"), end: at(day, "16:00") });
		// Scoped to this calendar: another file's sync must neither take this 410 nor get it.
		await control("/faults", { provider: "google", forceSyncGone: true, scope: { calendarId: email } });
		await receiveGoogleNotification(context, new Headers(push.headers));
		const [report] = await runQueuedSyncs(context);
		expect(report).toMatchObject({ outcome: "synced", full: true, blocks: 1 });
		expect((await blocksOf(calendarId)).map((b) => b.starts_at)).toEqual([Date.parse(at(day, "15:00"))]);
		const log = await env.DB.prepare("select message from connection_log where connection_id = ? and outcome = 'retry'").bind(connectionId).all<{ message: string }>();
		expect(log.results.some((r) => /fullSyncRequired/.test(r.message))).toBe(true);
	});
});

async function logOf(connectionId: string): Promise<unknown[]> {
	return (await env.DB.prepare("select * from connection_log where connection_id = ? order by id").bind(connectionId).all()).results;
}

async function openStrayChannel(email: string): Promise<string> {
	const query = new URLSearchParams({ client_id: "slotline-test-google", redirect_uri: "http://127.0.0.1:9/cb", response_type: "code", scope: "https://www.googleapis.com/auth/calendar", login_hint: email, access_type: "offline", state: "s" });
	const authorized = await fetch(`${sandboxUrl}/google/o/oauth2/v2/auth?${query}`, { redirect: "manual" });
	const code = new URL(authorized.headers.get("location") ?? "http://x/").searchParams.get("code") ?? "";
	const token = (await (
		await fetch(`${sandboxUrl}/google/token`, {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: "http://127.0.0.1:9/cb", client_id: "slotline-test-google", client_secret: "test-google-secret" }),
		})
	).json()) as { access_token: string };
	const google = new GoogleCalendar({ tokens: { get: async () => token.access_token, refresh: async () => token.access_token }, fetch: (input, init) => fetch(input, init), apiBaseUrl: env.GOOGLE_CALENDAR_API });
	const channel = await google.push.watch(email, { address: `${SINK}/webhooks/google`, secret: "not-ours", lifecycleAddress: "", ttlSeconds: 3600 });
	return channel.id;
}

describe("what a Google event blocks", () => {
	it("tentative events are stored as tentative; the merchant's policy decides whether the slot goes", async () => {
		const context = inboundContext();
		const { email, calendarId } = await connected(context);
		const day = workday();
		await createExternalEvent("google", email, { summary: "Maybe", start: at(day, "11:00"), end: at(day, "11:20"), status: "tentative" });
		await createExternalEvent("google", email, { summary: "Free", start: at(day, "13:40"), end: at(day, "14:40"), transparency: "transparent" });
		await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		const blocks = await blocksOf(calendarId);
		expect(blocks.map((b) => [b.starts_at, b.tentative])).toEqual([[Date.parse(at(day, "11:00")), 1]]);
		const slot = at(day, "11:00");
		await setTentativePolicy(true);
		expect(await freeSlots("stf_demo_ana", day)).not.toContain(slot);
		await setTentativePolicy(false);
		expect(await freeSlots("stf_demo_ana", day)).toContain(slot);
		// Transparent time never blocks.
		expect(await freeSlots("stf_demo_ana", day)).toContain(at(day, "14:10"));
	});

	it("all-day events block the staff member's whole local day in the staff zone", async () => {
		const context = inboundContext();
		await db.update(staff).set({ timezone: "America/New_York" }).where(eq(staff.id, "stf_demo_ana"));
		const { email, calendarId } = await connected(context);
		const day = workday(10);
		await createExternalEvent("google", email, { summary: "Holiday", start: day.toString(), end: day.add({ days: 2 }).toString(), allDay: true });
		await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		const ny = (d: Temporal.PlainDate): number => d.toZonedDateTime({ timeZone: "America/New_York" }).epochMilliseconds;
		expect((await blocksOf(calendarId)).map((b) => [b.starts_at, b.ends_at, b.all_day])).toEqual([[ny(day), ny(day.add({ days: 2 })), 1]]);
	});

	it("a weekly series across a DST change keeps its local time; deleting it removes every block", async () => {
		const context = inboundContext();
		const { email, calendarId } = await connected(context);
		// The next spring-forward in Amsterdam: the last Sunday of March.
		const today = Temporal.Now.plainDateISO("Europe/Amsterdam");
		let march = Temporal.PlainDate.from({ year: today.month >= 3 ? today.year + 1 : today.year, month: 3, day: 31 });
		while (march.dayOfWeek !== 7) march = march.subtract({ days: 1 });
		const first = march.subtract({ days: 11 });
		const created = await createExternalEvent("google", email, {
			summary: "Weekly class",
			start: `${first}T10:00:00`,
			end: `${first}T11:00:00`,
			timeZone: "Europe/Amsterdam",
			recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"],
		});
		await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		const starts = (await blocksOf(calendarId)).map((b) => b.starts_at);
		const expected = [0, 7, 14, 21].map((d) => first.add({ days: d }).toZonedDateTime({ timeZone: "Europe/Amsterdam", plainTime: "10:00" }).epochMilliseconds);
		expect(starts).toEqual(expected);
		// Two instances before the change (09:00Z), two after (08:00Z).
		expect(starts.map((s) => new Date(s).getUTCHours())).toEqual([9, 9, 8, 8]);

		await control(`/google/calendars/${encodeURIComponent(email)}/events/${created.id}`, undefined, "DELETE");
		await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "push" });
		expect(await blocksOf(calendarId)).toEqual([]);
	});

	it("Slotline's own events are never imported, and no title is stored anywhere", async () => {
		const context = inboundContext();
		const { email, calendarId } = await connected(context);
		await book({ start: weekdayAt(2, "10:00") });
		const outcomes = await deliver(context);
		expect(outcomes).toContain("written");
		const day = workday();
		await createExternalEvent("google", email, { summary: "Secret surgery appointment", description: "Dr. Who", start: at(day, "16:00"), end: at(day, "17:00") });
		await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		const blocks = await blocksOf(calendarId);
		expect(blocks.map((b) => b.starts_at)).toEqual([Date.parse(at(day, "16:00"))]);

		for (const table of ["connection_calendars", "connection_log", "calendar_connections"]) {
			const rows = await env.DB.prepare(`select * from ${table}`).all();
			expect(JSON.stringify(rows.results)).not.toMatch(/surgery|Dr\. Who/);
		}
		// Nor in the merchant's object, which holds the busy blocks: no such column, and no such text in any table.
		const stored = await runInDurableObject(merchantSchedule(env, "mer_demo"), (_instance: MerchantSchedule, state) => {
			const tables = state.storage.sql.exec<{ name: string }>("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%'").toArray();
			return {
				columns: state.storage.sql.exec<{ name: string }>("select name from pragma_table_info('busy_blocks')").toArray().map((c) => c.name),
				rows: tables.map((t) => JSON.stringify(state.storage.sql.exec(`select * from "${t.name}"`).toArray())),
			};
		});
		expect(stored.columns).toContain("starts_at");
		expect(stored.columns.filter((n) => /title|summary|description|location|attendee|subject/.test(n))).toEqual([]);
		for (const rows of stored.rows) expect(rows).not.toMatch(/surgery|Dr\. Who/);
	});

	it("unchecking a calendar removes its blocks and stops its channel", async () => {
		const context = inboundContext();
		const { email, calendarId } = await connected(context);
		const day = workday();
		await createExternalEvent("google", email, { summary: "x", start: at(day, "09:00"), end: at(day, "10:00") });
		await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" });
		expect(await blocksOf(calendarId)).toHaveLength(1);
		const channelId = (await calendar(calendarId)).pushChannelId;
		await env.DB.prepare("update connection_calendars set check_conflicts = 0 where id = ?").bind(calendarId).run();
		expect((await runCalendarSync(context, { type: "calendar.sync", calendarId, reason: "cron" })).outcome).toBe("unchecked");
		expect(await blocksOf(calendarId)).toEqual([]);
		expect((await calendar(calendarId)).pushChannelId).toBeNull();
		const channels = ((await control("/google/channels")) as { channels: Array<{ id: string }> }).channels;
		expect(channels.some((c) => c.id === channelId)).toBe(false);
	});
});
