// Test data in D1, one home for every suite: the demo merchant (with its owner when a test needs one) and
// further merchants described by options (staff, hours, services, an owner).
import { env } from "cloudflare:workers";
import type { BatchItem } from "drizzle-orm/batch";
import { hashPassword } from "../../src/auth/password";
import { database } from "../../src/db/client";
import { memberships, merchants, services, staff, staffServices, users, workingHours } from "../../src/db/schema";
import type { MerchantSettings } from "../../src/db/schema";
import { seedDemoCatalogue, seedDemoOwner } from "../../src/demo/seed";

export interface DemoSeed {
	/**
	 * The demo owner (DEMO_OWNER_EMAIL, who gets the owner's emails such as "re-authorise"), when a test needs
	 * one. With `password: null` the owner cannot sign in with a password, and seeding skips hashing one
	 * (100,000 PBKDF2 iterations, in every test's setup).
	 */
	owner?: { password: string | null };
}

/** The demo merchant, its staff, hours, services and rooms (src/demo/seed.ts), and its owner if asked. */
export async function seedDemo(options: DemoSeed = {}): Promise<void> {
	const db = database(env.DB);
	await seedDemoCatalogue(db);
	if (options.owner !== undefined) await seedDemoOwner(db, options.owner.password === null ? "unused-hash" : await hashPassword(options.owner.password));
}

export interface StaffSeed {
	id: string;
	name: string;
	email: string;
	color: string;
	/** Weekly hours as [ISO weekday, "HH:MM", "HH:MM"], in the merchant's zone. */
	hours?: Array<[number, string, string]>;
}

export interface ServiceSeed {
	id: string;
	name: string;
	durationMinutes: number;
	color: string;
	/** Ids of the staff who offer it. */
	staff: string[];
}

export interface OwnerSeed {
	id: string;
	email: string;
	/** Signs in with this password when given; null for an account without one. */
	password: string | null;
	emailVerifiedAt: number | null;
}

export interface MerchantSeed {
	id: string;
	slug: string;
	name: string;
	timezone: string;
	settings: MerchantSettings;
	staff: StaffSeed[];
	services: ServiceSeed[];
	owner: OwnerSeed | null;
}

/** Writes a merchant with its staff (in the merchant's zone), their hours, services and owner in one D1 batch. */
export async function insertMerchant(seed: MerchantSeed): Promise<void> {
	const db = database(env.DB);
	const statements: BatchItem<"sqlite">[] = [
		db.insert(merchants).values({ id: seed.id, slug: seed.slug, name: seed.name, timezone: seed.timezone, settings: seed.settings }),
	];
	for (const member of seed.staff) {
		statements.push(db.insert(staff).values({ id: member.id, merchantId: seed.id, name: member.name, email: member.email, timezone: seed.timezone, color: member.color }));
		for (const [weekday, startTime, endTime] of member.hours ?? []) {
			statements.push(db.insert(workingHours).values({ id: `wh_${member.id}_${weekday}_${startTime.replace(":", "")}`, staffId: member.id, weekday, startTime, endTime }));
		}
	}
	for (const { staff: offeredBy, ...service } of seed.services) {
		statements.push(db.insert(services).values({ ...service, merchantId: seed.id }));
		if (offeredBy.length > 0) statements.push(db.insert(staffServices).values(offeredBy.map((staffId) => ({ staffId, serviceId: service.id }))));
	}
	if (seed.owner !== null) {
		const { id, email, password, emailVerifiedAt } = seed.owner;
		statements.push(db.insert(users).values({ id, email, emailVerifiedAt, passwordHash: password === null ? null : await hashPassword(password) }));
		statements.push(db.insert(memberships).values({ userId: id, merchantId: seed.id, role: "owner" }));
	}
	await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}
