// Test world for the security suite: the admin world (the demo merchant and a rival merchant) plus a
// customer account on each side, the rival's customer booking, login and calendar connection, so every
// route can be tried with the other tenant's and the other customer's ids.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import { csrfTokenFor } from "../../src/auth/csrf";
import { createSession } from "../../src/auth/session";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { bookings, calendarConnections, connectionCalendars, customers, identities, users } from "../../src/db/schema";
import { db } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";
import { RIVAL, adminWorld } from "../admin/support";
import type { AdminWorld } from "../admin/support";
import type { LeakGuard } from "./leak-guard";

export const OTHER = {
	...RIVAL,
	ownerId: "usr_rival_owner",
	customerUserId: "usr_rival_customer",
	customerId: "cus_rival",
	identityId: "idn_rival_google",
	connectionId: "con_rival",
	calendarId: "cal_rival",
} as const;

/** Names, addresses and notes of the other tenant and its customer: none may ever reach the caller. */
export const OTHER_TEXTS = [
	"Rival Salon",
	"Rita Rival",
	"Rival cut",
	"Rival room",
	"rival secret",
	"rita@rival.test",
	"owner@rival.test",
	"Carla Rivalcustomer",
	"carla@customer.rival.test",
	"rita@gmail.rival.test",
	"Rita's work calendar",
] as const;

export interface SecurityWorld extends AdminWorld {
	/** A signed-in customer with no business, with a booking of their own at the demo merchant. */
	customer: Browser;
	/** The other customer (of the rival merchant), signed in. */
	otherCustomer: Browser;
}

export async function browserFor(h: Harness, userId: string): Promise<Browser> {
	const { token, session } = await createSession(db(), userId, Date.now());
	return { ...h.browser(), cookie: token, csrfToken: csrfTokenFor(env.SESSION_SECRET, session.id) };
}

export async function securityWorld(guard?: LeakGuard): Promise<SecurityWorld> {
	const world = await adminWorld();
	const now = Date.now();
	await db().batch([
		db().insert(users).values({ id: OTHER.customerUserId, email: "carla@customer.rival.test", emailVerifiedAt: now, firstName: "Carla", lastName: "Rivalcustomer" }),
		db().insert(customers).values({ id: OTHER.customerId, merchantId: OTHER.merchantId, userId: OTHER.customerUserId, name: "Carla Rivalcustomer", email: "carla@customer.rival.test" }),
		db().update(bookings).set({ customerId: OTHER.customerId }).where(eq(bookings.id, OTHER.bookingId)),
		db().insert(identities).values({ id: OTHER.identityId, userId: OTHER.customerUserId, provider: "google", subject: "rival-google-subject", email: "carla@customer.rival.test", emailVerified: true }),
		db()
			.insert(calendarConnections)
			.values({ id: OTHER.connectionId, merchantId: OTHER.merchantId, staffId: OTHER.staffId, provider: "google", accountLabel: "rita@gmail.rival.test", status: "active", updatedAt: now }),
		db().insert(connectionCalendars).values({ id: OTHER.calendarId, connectionId: OTHER.connectionId, externalId: "rita@gmail.rival.test", name: "Rita's work calendar", writable: true, isWriteTarget: true, checkConflicts: true }),
		db().insert(users).values({ id: "usr_demo_customer", email: "dora@customer.demo.test", emailVerifiedAt: now }),
	]);
	// The rival's booking is the object's record (D1's row above is its read model): it carries the customer too.
	await runInDurableObject(merchantSchedule(env, OTHER.merchantId), (_instance, state) => {
		state.storage.sql.exec(
			"update bookings set customer_email = 'carla@customer.rival.test', customer_name = 'Carla Rivalcustomer', user_id = ? where id = ?",
			OTHER.customerUserId,
			OTHER.bookingId,
		);
	});
	const [customer, otherCustomer] = await Promise.all([browserFor(world.h, "usr_demo_customer"), browserFor(world.h, OTHER.customerUserId)]);
	for (const browser of [world.owner, world.staffMember, world.rival, customer, otherCustomer]) guard?.addSecret("session token", browser.cookie);
	return { ...world, customer, otherCustomer };
}

/** All of the other tenant's ids that the request itself did not name. */
function unnamedIds(requestText: string): string[] {
	const ids = [OTHER.merchantId, OTHER.staffId, OTHER.serviceId, OTHER.resourceId, OTHER.bookingId, OTHER.timeOffId, OTHER.ownerId, OTHER.customerUserId, OTHER.customerId, OTHER.identityId, OTHER.connectionId, OTHER.calendarId];
	return ids.filter((id) => !requestText.includes(id));
}

/** Asserts `body` holds nothing of the other tenant beyond the ids the request named itself. */
export function expectNothingOfOther(label: string, body: string, requestText: string): void {
	const leaked = [...OTHER_TEXTS, ...unnamedIds(requestText)].filter((text) => body.includes(text));
	expect({ label, leaked }).toEqual({ label, leaked: [] });
}

/** The other tenant's rows as they must stay: a fingerprint compared before and after the attempts. */
export async function otherTenantState(): Promise<unknown> {
	const row = await env.DB.prepare(
		`select (select json_object('name', name, 'settings', settings, 'timezone', timezone) from merchants where id = ?1) as merchant,
		        (select json_group_array(json_array(id, name, active, email)) from staff where merchant_id = ?1) as staff,
		        (select json_group_array(json_array(id, name, active, duration_minutes)) from services where merchant_id = ?1) as services,
		        (select json_group_array(json_array(id, name, active)) from resources where merchant_id = ?1) as resources,
		        (select json_group_array(json_array(id, status, starts_at, staff_id, merchant_notes, version)) from bookings where merchant_id = ?1) as bookings,
		        (select count(*) from time_off where staff_id = ?2) as timeOff,
		        (select count(*) from working_hours where staff_id = ?2) as hours,
		        (select count(*) from date_overrides where staff_id = ?2) as overrides,
		        (select json_group_array(json_array(service_id)) from staff_services where staff_id = ?2) as links,
		        (select json_group_array(json_array(id, status, staff_id)) from calendar_connections where merchant_id = ?1) as connections,
		        (select json_group_array(json_array(id, is_write_target, check_conflicts)) from connection_calendars where connection_id = ?3) as calendars,
		        (select count(*) from identities where user_id = ?4) as identities,
		        (select count(*) from memberships where merchant_id = ?1) as memberships,
		        (select count(*) from email_tokens) as emailTokens`,
	)
		.bind(OTHER.merchantId, OTHER.staffId, OTHER.connectionId, OTHER.customerUserId)
		.first();
	// Its schedule as its object holds it: a write there reaches D1's read model only a moment later.
	const schedule = await runInDurableObject(merchantSchedule(env, OTHER.merchantId), (_instance, state) => ({
		bookings: state.storage.sql.exec("select id, status, starts_at, staff_id, merchant_notes, version from bookings order by id").toArray(),
		outbox: state.storage.sql.exec<{ n: number }>("select count(*) as n from outbox").one().n,
	}));
	return { ...row, schedule };
}
