// Test world for the admin API: the demo merchant with an owner and a staff-role user, and a rival
// merchant with its own owner and catalogue. Sessions are created directly (no password hashing),
// so per-test setup stays cheap.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { csrfTokenFor } from "../../src/auth/csrf";
import { createSession } from "../../src/auth/session";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { BookingRecord } from "../../src/booking/schedule-store";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { bookings, memberships, resources, timeOff, users } from "../../src/db/schema";
import { importSchedule } from "../support/schedule";
import { insertMerchant, seedDemo } from "../support/seed";
import { db, harness } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";

export const RIVAL = {
	merchantId: "mer_rival",
	staffId: "stf_rival",
	serviceId: "svc_rival",
	resourceId: "res_rival",
	bookingId: "bkg_rival",
	timeOffId: "off_rival",
} as const;

export interface AdminWorld {
	h: Harness;
	/** Owner of the demo merchant. */
	owner: Browser;
	/** Staff-role member of the demo merchant (Ana). */
	staffMember: Browser;
	/** Owner of the rival merchant. */
	rival: Browser;
}

export interface Problem {
	status: number;
	type: string;
	detail: string;
	errors?: Array<{ field: string; message: string }>;
}

async function browserFor(h: Harness, userId: string): Promise<Browser> {
	const { token, session } = await createSession(db(), userId, Date.now());
	return { ...h.browser(), cookie: token, csrfToken: csrfTokenFor(env.SESSION_SECRET, session.id) };
}

async function seedRival(): Promise<void> {
	const start = Date.now() + 3 * 86_400_000;
	await insertMerchant({
		id: RIVAL.merchantId,
		slug: "rival",
		name: "Rival Salon",
		timezone: "Europe/London",
		settings: { tentativeBlocks: false, signIn: { google: false, facebook: false, password: true } },
		staff: [{ id: RIVAL.staffId, name: "Rita Rival", email: "rita@rival.test", color: "#111111" }],
		services: [{ id: RIVAL.serviceId, name: "Rival cut", durationMinutes: 30, color: "#222222", staff: [RIVAL.staffId] }],
		owner: { id: "usr_rival_owner", email: "owner@rival.test", password: null, emailVerifiedAt: null },
	});
	await db().batch([
		db().insert(resources).values({ id: RIVAL.resourceId, merchantId: RIVAL.merchantId, name: "Rival room", type: "room" }),
		db()
			.insert(bookings)
			.values({
				id: RIVAL.bookingId,
				merchantId: RIVAL.merchantId,
				serviceId: RIVAL.serviceId,
				staffId: RIVAL.staffId,
				startsAt: start,
				endsAt: start + 30 * 60_000,
				blockStart: start,
				blockEnd: start + 30 * 60_000,
				timezone: "Europe/London",
				status: "confirmed",
				merchantNotes: "rival secret",
				updatedAt: start,
			}),
		db().insert(timeOff).values({ id: RIVAL.timeOffId, staffId: RIVAL.staffId, startsAt: start, endsAt: start + 3_600_000 }),
	]);
	// Its booking goes where a deployment's bookings live: the merchant's object.
	await importSchedule(RIVAL.merchantId);
}

/** Seeds both merchants and signs in the three people. Call in beforeEach (storage resets per test). */
export async function adminWorld(): Promise<AdminWorld> {
	const h = harness();
	await seedDemo({ owner: { password: null } });
	await seedRival();
	await db().batch([
		db().insert(users).values({ id: "usr_demo_ana", email: "ana@demo.test" }),
		db().insert(memberships).values({ userId: "usr_demo_ana", merchantId: DEMO_MERCHANT_ID, role: "staff", staffId: "stf_demo_ana" }),
	]);
	const [owner, staffMember, rival] = await Promise.all([
		browserFor(h, "usr_demo_owner"),
		browserFor(h, "usr_demo_ana"),
		browserFor(h, "usr_rival_owner"),
	]);
	return { h, owner, staffMember, rival };
}

/** Every booking of a merchant as its object holds them (the record: D1's read model follows in the background). */
export async function scheduleBookings(merchantId: string = DEMO_MERCHANT_ID): Promise<BookingRecord[]> {
	return (await merchantSchedule(env, merchantId).scheduleBetween(0, Number.MAX_SAFE_INTEGER)).bookings;
}

/** Sends a request as `browser` and parses the JSON answer. */
export async function call<T = Record<string, unknown>>(
	world: AdminWorld,
	browser: Browser,
	method: string,
	path: string,
	json?: unknown,
): Promise<{ status: number; body: T }> {
	const response = await world.h.request(`/admin/api${path}`, { method, browser, ...(json === undefined ? {} : { json }) });
	const text = await response.text();
	return { status: response.status, body: (text === "" ? {} : JSON.parse(text)) as T };
}

/** The sorted field names of a 400 problem. */
export function fieldsOf(problem: unknown): string[] {
	const errors = (problem as Problem).errors ?? [];
	return [...new Set(errors.map((e) => e.field))].sort();
}

/** Asserts a 404 problem that leaks nothing of the rival's data. */
export function expectHidden(result: { status: number; body: unknown }): void {
	expect(result.status).toBe(404);
	const text = JSON.stringify(result.body);
	for (const secret of ["rival secret", "Rita Rival", "Rival cut", "Rival room", "rita@rival.test"]) expect(text).not.toContain(secret);
}
