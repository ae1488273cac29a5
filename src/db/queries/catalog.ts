// Reads of a merchant's catalogue: the merchant itself, its services, staff and resources.
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../client";
import { merchants, resources, services, staff } from "../schema";
import { NotFoundError } from "../../errors";

export type MerchantRow = typeof merchants.$inferSelect;
export type ServiceRow = typeof services.$inferSelect;
export type StaffRow = typeof staff.$inferSelect;
export type ResourceRow = typeof resources.$inferSelect;

export async function merchantBySlug(db: Database, slug: string): Promise<MerchantRow> {
	const row = await db.query.merchants.findFirst({ where: eq(merchants.slug, slug) });
	if (row === undefined) throw new NotFoundError("Merchant");
	return row;
}

export async function merchantById(db: Database, id: string): Promise<MerchantRow> {
	const row = await db.query.merchants.findFirst({ where: eq(merchants.id, id) });
	if (row === undefined) throw new NotFoundError("Merchant");
	return row;
}

export async function activeServices(db: Database, merchantId: string): Promise<ServiceRow[]> {
	return db.query.services.findMany({
		where: and(eq(services.merchantId, merchantId), eq(services.active, true)),
		orderBy: [asc(services.name)],
	});
}

/** A service of this merchant; another merchant's id is "not found", never "forbidden". */
export async function serviceOf(db: Database, merchantId: string, serviceId: string): Promise<ServiceRow> {
	const row = await db.query.services.findFirst({
		where: and(eq(services.id, serviceId), eq(services.merchantId, merchantId)),
	});
	if (row === undefined) throw new NotFoundError("Service");
	return row;
}

export async function activeStaff(db: Database, merchantId: string): Promise<StaffRow[]> {
	return db.query.staff.findMany({
		where: and(eq(staff.merchantId, merchantId), eq(staff.active, true)),
		orderBy: [asc(staff.position), asc(staff.id)],
	});
}

export async function staffOf(db: Database, merchantId: string, staffId: string): Promise<StaffRow> {
	const row = await db.query.staff.findFirst({ where: and(eq(staff.id, staffId), eq(staff.merchantId, merchantId)) });
	if (row === undefined) throw new NotFoundError("Staff member");
	return row;
}
