// The demo merchant `npm start` seeds (and tests reuse): three staff with different hours and
// colours, four services (one needs a room), two rooms, an owner account and a few bookings.
// Seeded once: an existing demo merchant is left exactly as its admin left it, so a restart never
// brings back hours, services or links the admin removed.
import { eq } from "drizzle-orm";
import { Temporal } from "temporal-polyfill";
import type { Database } from "../db/client";
import { setPasswordHash, userByEmail } from "../db/queries/users";
import { bookings, memberships, merchants, resources, services, staff, staffServices, users, workingHours } from "../db/schema";
import type { CreateBookingCommand } from "../booking/commands";
import { isUniqueViolation } from "../booking/sqlite-errors";

export const DEMO_MERCHANT_ID = "mer_demo";
export const DEMO_SLUG = "demo";
export const DEMO_OWNER_EMAIL = "owner@demo.slotline.test";
export const DEMO_TIMEZONE = "Europe/Amsterdam";

export const demoStaff = [
	{ id: "stf_demo_ana", name: "Ana Jansen", email: "ana@demo.slotline.test", color: "#e11d48", position: 0 },
	{ id: "stf_demo_ben", name: "Ben Okafor", email: "ben@demo.slotline.test", color: "#0284c7", position: 1 },
	{ id: "stf_demo_chloe", name: "Chloé Martin", email: "chloe@demo.slotline.test", color: "#16a34a", position: 2 },
] as const;

/** Weekly hours per staff member: [ISO weekday, start, end]; two rows a day make a break. */
const demoHours: Record<string, Array<[number, string, string]>> = {
	stf_demo_ana: [1, 2, 3, 4, 5].flatMap((d): Array<[number, string, string]> => [
		[d, "09:00", "12:30"],
		[d, "13:30", "17:30"],
	]),
	stf_demo_ben: [2, 3, 4, 5, 6].flatMap((d): Array<[number, string, string]> => [
		[d, "10:00", "14:00"],
		[d, "14:30", "18:00"],
	]),
	stf_demo_chloe: [1, 3, 5].map((d): [number, string, string] => [d, "12:00", "20:00"]),
};

export const demoServices = [
	{ id: "svc_demo_cut", name: "Haircut", durationMinutes: 45, color: "#f97316", bufferAfterMinutes: 15, minNoticeMinutes: 60, slotIntervalMinutes: 15, priceCents: 3500, staff: ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"] },
	{ id: "svc_demo_colour", name: "Colour treatment", durationMinutes: 90, color: "#a855f7", bufferBeforeMinutes: 10, bufferAfterMinutes: 10, minNoticeMinutes: 120, slotIntervalMinutes: 30, priceCents: 8500, staff: ["stf_demo_ana", "stf_demo_ben"] },
	{ id: "svc_demo_consult", name: "Consultation", durationMinutes: 20, color: "#22c55e", slotIntervalMinutes: 20, staff: ["stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"] },
	{ id: "svc_demo_massage", name: "Massage", durationMinutes: 60, color: "#0ea5e9", bufferAfterMinutes: 15, minNoticeMinutes: 60, slotIntervalMinutes: 30, priceCents: 6000, requiredResourceType: "room", staff: ["stf_demo_ben", "stf_demo_chloe"] },
] as const;

export interface DemoSeedResult {
	merchantId: string;
	merchantSlug: string;
	ownerEmail: string;
	bookingsCreated: number;
}

/**
 * Writes the merchant, staff, hours, services and rooms in one D1 batch (all or nothing) unless the
 * demo merchant exists; returns whether it created them.
 */
export async function seedDemoCatalogue(db: Database): Promise<boolean> {
	const existing = await db.query.merchants.findFirst({ where: eq(merchants.id, DEMO_MERCHANT_ID), columns: { id: true } });
	if (existing !== undefined) return false;
	const merchant = db.insert(merchants).values({
		id: DEMO_MERCHANT_ID,
		slug: DEMO_SLUG,
		name: "Demo Studio",
		// Its services take place here (the default place: at the business address).
		address: "Demo Studio, Keizersgracht 1, Amsterdam",
		timezone: DEMO_TIMEZONE,
		brandColor: "#4f46e5",
		settings: { tentativeBlocks: true, signIn: { google: true, facebook: true, password: true } },
	});
	const people = demoStaff.flatMap((member) => [
		db.insert(staff).values({ ...member, merchantId: DEMO_MERCHANT_ID, timezone: DEMO_TIMEZONE }),
		db
			.insert(workingHours)
			.values((demoHours[member.id] ?? []).map(([weekday, startTime, endTime]) => ({ id: `wh_${member.id}_${weekday}_${startTime.replace(":", "")}`, staffId: member.id, weekday, startTime, endTime }))),
	]);
	const catalogue = demoServices.flatMap(({ staff: offeredBy, ...service }) => [
		db.insert(services).values({ ...service, merchantId: DEMO_MERCHANT_ID, currency: "priceCents" in service ? "EUR" : null }),
		db.insert(staffServices).values(offeredBy.map((staffId) => ({ staffId, serviceId: service.id }))),
	]);
	const rooms = db.insert(resources).values([
		{ id: "res_demo_room1", merchantId: DEMO_MERCHANT_ID, name: "Treatment room 1", type: "room" },
		{ id: "res_demo_room2", merchantId: DEMO_MERCHANT_ID, name: "Treatment room 2", type: "room" },
	]);
	try {
		await db.batch([merchant, ...people, ...catalogue, rooms]);
	} catch (error) {
		// A concurrent seed created it first, which is all this wanted.
		if (isUniqueViolation(error)) return false;
		throw error;
	}
	return true;
}

/**
 * The owner account (with `passwordHash` when created now; an existing password is kept) and its
 * membership. Returns whether the account was created.
 */
export async function seedDemoOwner(db: Database, passwordHash: string): Promise<boolean> {
	const existing = await userByEmail(db, DEMO_OWNER_EMAIL);
	const userId = existing?.id ?? "usr_demo_owner";
	if (existing === undefined) {
		await db.insert(users).values({ id: userId, email: DEMO_OWNER_EMAIL, emailVerifiedAt: Date.now(), passwordHash, firstName: "Demo", lastName: "Owner" });
	}
	await db.insert(memberships).values({ userId, merchantId: DEMO_MERCHANT_ID, role: "owner" }).onConflictDoNothing();
	return existing === undefined;
}

/**
 * Sets the demo owner's password. `npm start` calls this once for local state whose password it
 * does not know (state from before it kept one), so the password it prints always works.
 */
export async function resetDemoOwnerPassword(db: Database, passwordHash: string): Promise<void> {
	const owner = await userByEmail(db, DEMO_OWNER_EMAIL);
	if (owner !== undefined) await setPasswordHash(db, owner.id, passwordHash);
}

/**
 * A few bookings on the coming working days, so the calendar is not empty; none if any exist. Asked of
 * D1's read model of bookings, which the seed route brings up to date before it answers.
 */
export async function demoBookingCommands(db: Database, now: number): Promise<CreateBookingCommand[]> {
	const existing = await db.select({ id: bookings.id }).from(bookings).where(eq(bookings.merchantId, DEMO_MERCHANT_ID)).limit(1);
	if (existing.length > 0) return [];
	const today = Temporal.Instant.fromEpochMilliseconds(now).toZonedDateTimeISO(DEMO_TIMEZONE).toPlainDate();
	/** The next date after today falling on `weekday`. */
	const next = (weekday: number): Temporal.PlainDate => today.add({ days: ((weekday - today.dayOfWeek + 7) % 7) + 7 * Number(weekday === today.dayOfWeek) });
	const at = (date: Temporal.PlainDate, time: string): number =>
		date.toZonedDateTime({ timeZone: DEMO_TIMEZONE, plainTime: Temporal.PlainTime.from(time) }).epochMilliseconds;
	const base = {
		merchantId: DEMO_MERCHANT_ID,
		timezone: DEMO_TIMEZONE,
		userId: null,
		merchantNotes: null,
		recurrence: null,
		source: "admin" as const,
		idempotency: null,
		now,
	};
	return [
		{ ...base, serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(next(2), "10:00"), customer: { name: "Sam de Vries", email: "sam@example.com", phone: null }, customerNotes: "Short on the sides, please." },
		{ ...base, serviceId: "svc_demo_colour", staffId: "stf_demo_ben", start: at(next(3), "11:00"), customer: { name: "Priya Shah", email: "priya@example.com", phone: "+31 6 1234 5678" }, customerNotes: null },
		{ ...base, serviceId: "svc_demo_massage", staffId: "stf_demo_chloe", start: at(next(5), "15:00"), customer: { name: "Lucas Bakker", email: "lucas@example.com", phone: null }, customerNotes: null },
		{ ...base, serviceId: "svc_demo_consult", staffId: "stf_demo_ana", start: at(next(4), "14:00"), customer: null, customerNotes: null, merchantNotes: "Walk-in from the street" },
	];
}
