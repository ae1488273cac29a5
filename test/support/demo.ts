// Test helpers around the demo merchant (seeded by test/support/seed.ts): future wall-clock times in its zone, requests, direct bookings.
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { Temporal } from "temporal-polyfill";
import type { BookingView, CreateBookingCommand } from "../../src/booking/commands";
import { createBooking } from "../../src/booking/create";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { MerchantSchedule } from "../../src/booking/merchant-schedule";
import { readModelStatements } from "../../src/booking/read-model";
import { ScheduleStore } from "../../src/booking/schedule-store";
import type { SetupState } from "../../src/booking/schedule-store";
import { DEMO_MERCHANT_ID, DEMO_TIMEZONE } from "../../src/demo/seed";

export const BASE = "http://slotline.test";

/** The date of the next `weekday` (1 = Monday) at least `minDaysAhead` days from today, in the demo zone. */
export function upcoming(weekday: number, minDaysAhead = 2): Temporal.PlainDate {
	let date = Temporal.Now.plainDateISO(DEMO_TIMEZONE).add({ days: minDaysAhead });
	while (date.dayOfWeek !== weekday) date = date.add({ days: 1 });
	return date;
}

/** UTC ISO string of a wall-clock time on `date` in the demo zone. */
export function at(date: Temporal.PlainDate, time: string, zone = DEMO_TIMEZONE): string {
	return date.toZonedDateTime({ timeZone: zone, plainTime: Temporal.PlainTime.from(time) }).toInstant().toString();
}

/** Epoch ms of `time` (demo zone) on the next `weekday` at least `daysAhead` days from today: a booking command's start. */
export function weekdayAt(weekday: number, time: string, daysAhead = 2): number {
	return Date.parse(at(upcoming(weekday, daysAhead), time));
}

export function api(path: string, init?: RequestInit): Promise<Response> {
	return exports.default.fetch(`${BASE}${path}`, init);
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
	return api(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

export function bookingBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		serviceId: "svc_demo_cut",
		staffId: "stf_demo_ana",
		start: at(upcoming(2), "10:00"),
		timezone: "Europe/Amsterdam",
		customer: { name: "Test Customer", email: "test@example.com" },
		...overrides,
	};
}

/**
 * Runs `work` on the demo merchant's schedule inside its Durable Object (as its RPC methods do, but
 * without them) and writes what changed into D1's read model, without relaying: the object's outbox
 * rows stay unsent, so no queue message (and no email) follows on its own, until the object relays
 * its outbox for another write or from its alarm.
 */
export async function inDemoSchedule<T>(work: (store: ScheduleStore, setup: SetupState) => T): Promise<T> {
	return runInDurableObject(merchantSchedule(env, DEMO_MERCHANT_ID), async (instance: MerchantSchedule, state) => {
		const store = new ScheduleStore(state.storage);
		if (store.setupState() === null) await instance.refreshSetup();
		const setup = store.setupState();
		if (setup === null) throw new Error("the demo merchant is not seeded");
		const result = work(store, setup);
		const statements = readModelStatements(store, env.DB, DEMO_MERCHANT_ID, store.unsentOutbox(1_000));
		if (statements.length > 0) await env.DB.batch(statements);
		return result;
	});
}

/**
 * Books a haircut with Ana (two days ahead, 10:00) through the write path inside the Durable Object
 * but around its relay (inDemoSchedule): D1's read model has the booking and its customer, and no
 * queue message (and no email) follows on its own.
 */
export async function bookDirectly(overrides: Partial<CreateBookingCommand> = {}): Promise<BookingView[]> {
	const command: CreateBookingCommand = {
		merchantId: DEMO_MERCHANT_ID,
		serviceId: "svc_demo_cut",
		staffId: "stf_demo_ana",
		start: weekdayAt(2, "10:00"),
		timezone: "Europe/Amsterdam",
		customer: { name: "Direct Customer", email: "direct@example.com", phone: null },
		userId: null,
		customerNotes: null,
		merchantNotes: null,
		recurrence: null,
		source: "public",
		idempotency: null,
		now: Date.now(),
		...overrides,
	};
	return inDemoSchedule((store, setup) => createBooking(store, setup, command));
}

/**
 * Pairs of confirmed bookings whose buffered blocks overlap for one staff member or one resource: 0 means
 * no double booking. Read from D1's read model, so flush the merchants' objects first (support/schedule.ts).
 */
export async function overlappingPairs(): Promise<number> {
	const row = await env.DB.prepare(
		`select count(*) as n from bookings a join bookings b on a.id < b.id
		 where a.status = 'confirmed' and b.status = 'confirmed'
		   and (a.staff_id = b.staff_id or (a.resource_id is not null and a.resource_id = b.resource_id))
		   and a.block_start < b.block_end and b.block_start < a.block_end`,
	).first<{ n: number }>();
	return row?.n ?? -1;
}
