// Test helpers around the demo merchant: seed it and name future wall-clock times in its zone.
import { env, exports } from "cloudflare:workers";
import { Temporal } from "temporal-polyfill";
import type { BookingView, CreateBookingCommand } from "../../src/booking/commands";
import { createBooking } from "../../src/booking/create";
import { database } from "../../src/db/client";
import { DEMO_TIMEZONE, seedDemoCatalogue } from "../../src/demo/seed";

export const BASE = "http://slotline.test";

export async function seedDemo(): Promise<void> {
	await seedDemoCatalogue(database(env.DB));
}

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
 * Books a haircut with Ana (two days ahead, 10:00) straight through the write path, not the Durable
 * Object: nothing relays its outbox rows, so no queue message (and no email) follows on its own.
 */
export async function bookDirectly(overrides: Partial<CreateBookingCommand> = {}): Promise<BookingView[]> {
	return createBooking(database(env.DB), {
		merchantId: "mer_demo",
		serviceId: "svc_demo_cut",
		staffId: "stf_demo_ana",
		start: Date.parse(at(upcoming(2), "10:00")),
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
	});
}

/** Pairs of confirmed bookings whose buffered blocks overlap for one staff member or one resource: 0 means no double booking. */
export async function overlappingPairs(): Promise<number> {
	const row = await env.DB.prepare(
		`select count(*) as n from bookings a join bookings b on a.id < b.id
		 where a.status = 'confirmed' and b.status = 'confirmed'
		   and (a.staff_id = b.staff_id or (a.resource_id is not null and a.resource_id = b.resource_id))
		   and a.block_start < b.block_end and b.block_start < a.block_end`,
	).first<{ n: number }>();
	return row?.n ?? -1;
}
