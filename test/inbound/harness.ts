// Helpers for inbound-sync tests: a sync context whose provider notifications go to the sandbox's
// webhook sink (the Worker under test has no port), replay of what the sandbox delivered, busy blocks
// as the merchant's Durable Object stores them, and free slots from the public availability API.
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import type { Temporal } from "temporal-polyfill";
import { calendarById } from "../../src/db/queries/connections";
import type { ConnectionCalendarRow } from "../../src/db/queries/connections";
import { merchants } from "../../src/db/schema";
import { DEMO_MERCHANT_ID, DEMO_TIMEZONE } from "../../src/demo/seed";
import type { CalendarSyncJob, Job } from "../../src/jobs";
import { runCalendarSync } from "../../src/sync/inbound";
import type { SyncReport } from "../../src/sync/inbound";
import type { InboundContext } from "../../src/sync/push-channels";
import { busyBlocksOf, refreshSchedule } from "../support/schedule";
import { upcoming } from "../support/demo";
import { control, sandboxUrl } from "../support/sandbox-control";
import { db, testContext } from "../sync/harness";
import type { TestContext } from "../sync/harness";

export { book, connectStaff, db, deliver, uniqueEmail } from "../sync/harness";

export const SINK = `${sandboxUrl}/_control/webhook-sink`;

export type InboundTestContext = TestContext & InboundContext;

export function inboundContext(now?: () => number): InboundTestContext {
	const context = testContext();
	return { ...context, webhookBaseUrl: SINK, now: now ?? context.now };
}

export interface Delivery {
	provider: string;
	url: string;
	headers: Record<string, string>;
	body: string;
	outcome: number | string;
}

/**
 * Waits for the sandbox's pending deliveries about one sandbox calendar and returns them, oldest first. Only that
 * calendar's: other test files push to the same sandbox at the same time, so the global log is not this test's.
 */
export async function deliveries(provider: "google" | "microsoft", calendarId: string): Promise<Delivery[]> {
	const about = `calendarId=${encodeURIComponent(calendarId)}`;
	await control(`/flush?${about}`, {});
	return ((await control(`/deliveries?provider=${provider}&${about}`)) as { deliveries: Delivery[] }).deliveries;
}

/** The deliveries about `calendarId` that `action` caused. */
export async function deliveriesDuring(provider: "google" | "microsoft", calendarId: string, action: () => Promise<unknown>): Promise<Delivery[]> {
	const before = (await deliveries(provider, calendarId)).length;
	await action();
	return (await deliveries(provider, calendarId)).slice(before);
}

/** Sends a recorded delivery to the Worker under test, as the provider would have. */
export function replay(delivery: Delivery, overrides: Record<string, string> = {}, path?: string): Promise<Response> {
	const url = new URL(delivery.url);
	const target = path ?? url.pathname.replace(/^.*\/webhook-sink/, "") + url.search;
	return exports.default.fetch(`http://slotline.test${target}`, { method: "POST", headers: { ...delivery.headers, ...overrides }, body: delivery.body === "" ? null : delivery.body });
}

/** Runs every calendar.sync the context's queue holds (what the consumer would do), in order. */
export async function runQueuedSyncs(context: InboundTestContext): Promise<SyncReport[]> {
	const reports: SyncReport[] = [];
	for (const job of context.recording.take()) {
		if (job.type === "calendar.sync") reports.push(await runCalendarSync(context, job));
	}
	return reports;
}

export function syncJobs(jobs: Job[]): CalendarSyncJob[] {
	return jobs.filter((j): j is CalendarSyncJob => j.type === "calendar.sync");
}

export interface StoredBlock {
	external_event_id: string;
	external_instance_id: string | null;
	starts_at: number;
	ends_at: number;
	all_day: number;
	tentative: number;
	staff_id: string | null;
}

/** A calendar's busy blocks, from the object of the merchant whose connection it belongs to, by start and end. */
export async function blocksOf(calendarId: string): Promise<StoredBlock[]> {
	const owner = await env.DB.prepare("select c.merchant_id from connection_calendars cc join calendar_connections c on c.id = cc.connection_id where cc.id = ?")
		.bind(calendarId)
		.first<{ merchant_id: string }>();
	if (owner === null) throw new Error(`calendar ${calendarId} is gone`);
	return (await busyBlocksOf(owner.merchant_id))
		.filter((b) => b.calendarId === calendarId)
		.sort((a, b) => a.start - b.start || a.end - b.end)
		.map((b) => ({
			external_event_id: b.eventId,
			external_instance_id: b.instanceId,
			starts_at: b.start,
			ends_at: b.end,
			all_day: b.allDay ? 1 : 0,
			tentative: b.tentative ? 1 : 0,
			staff_id: b.staffId,
		}));
}

export async function calendar(id: string): Promise<ConnectionCalendarRow> {
	const row = await calendarById(db, id);
	if (row === null) throw new Error(`calendar ${id} is gone`);
	return row;
}

/** Start instants (UTC ISO) of the free slots of `serviceId` for `staffId` on `date` (demo zone). */
export async function freeSlots(staffId: string, date: Temporal.PlainDate, serviceId = "svc_demo_consult"): Promise<string[]> {
	const day = date.toString();
	const res = await exports.default.fetch(`http://slotline.test/api/v1/m/demo/availability?serviceId=${serviceId}&staffId=${staffId}&from=${day}&to=${day}&timezone=${DEMO_TIMEZONE}`);
	if (res.status !== 200) throw new Error(`availability answered ${res.status}`);
	const body = await res.json<{ slots: Array<{ start: string }> }>();
	return body.slots.map((s) => s.start);
}

/** A working day of the demo staff (Wednesday: Ana and Ben both work) at least a few days ahead. */
export function workday(daysAhead = 3): Temporal.PlainDate {
	return upcoming(3, daysAhead);
}

export async function setTentativePolicy(tentativeBlocks: boolean): Promise<void> {
	const row = await db.query.merchants.findFirst({ where: eq(merchants.id, DEMO_MERCHANT_ID) });
	if (row === undefined) throw new Error("demo merchant missing");
	await db.update(merchants).set({ settings: { ...row.settings, tentativeBlocks } }).where(eq(merchants.id, DEMO_MERCHANT_ID));
	// The object keeps a copy of the setup, the policy included.
	await refreshSchedule(DEMO_MERCHANT_ID);
}

/** Creates an event in a sandbox calendar the way its owner would (fires pushes). */
export async function createExternalEvent(provider: "google" | "microsoft", calendarId: string, event: Record<string, unknown>): Promise<{ id: string }> {
	return (await control(`/${provider}/calendars/${encodeURIComponent(calendarId)}/events`, event)) as { id: string };
}
