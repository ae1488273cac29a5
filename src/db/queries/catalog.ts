// Reads of a merchant's catalogue: the merchant itself, its services, staff and resources.
import { and, asc, eq, getTableColumns, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Database } from "../client";
import { merchants, resources, services, staff, staffServices } from "../schema";
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

/** An active service of this merchant: the only kind customers may see or book. */
export async function activeServiceOf(db: Database, merchantId: string, serviceId: string): Promise<ServiceRow> {
	const row = await db.query.services.findFirst({
		where: and(eq(services.id, serviceId), eq(services.merchantId, merchantId), eq(services.active, true)),
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

/** An active staff member of this merchant: the only kind customers may be offered or assigned. */
export async function activeStaffOf(db: Database, merchantId: string, staffId: string): Promise<StaffRow> {
	const row = await db.query.staff.findFirst({ where: and(eq(staff.id, staffId), eq(staff.merchantId, merchantId), eq(staff.active, true)) });
	if (row === undefined) throw new NotFoundError("Staff member");
	return row;
}

/** Active staff who offer the service, in display order. */
export function staffOffering(db: Database, merchantId: string, serviceId: string) {
	return db
		.select(getTableColumns(staff))
		.from(staff)
		.innerJoin(staffServices, eq(staffServices.staffId, staff.id))
		.where(and(eq(staffServices.serviceId, serviceId), eq(staff.merchantId, merchantId), eq(staff.active, true)))
		.orderBy(asc(staff.position), asc(staff.id));
}

/** The ids of staffOffering, as a subquery (so reads keyed by them can share its batch). */
export function staffOfferingIds(db: Database, merchantId: string, serviceId: string) {
	return db
		.select({ id: staff.id })
		.from(staff)
		.innerJoin(staffServices, eq(staffServices.staffId, staff.id))
		.where(and(eq(staffServices.serviceId, serviceId), eq(staff.merchantId, merchantId), eq(staff.active, true)));
}

/** How long a slot of the service blocks its staff member (duration and both buffers), in ms; NULL for an unknown service. */
export function serviceBlockMs(merchantId: string, serviceId: string): SQL<number | null> {
	return sql<number | null>`(select (${services.durationMinutes} + ${services.bufferBeforeMinutes} + ${services.bufferAfterMinutes}) * 60000 from ${services} where ${services.id} = ${serviceId} and ${services.merchantId} = ${merchantId})`;
}

function serviceResourceCondition(merchantId: string, serviceId: string): SQL | undefined {
	// A service without a required type matches no resource (type = NULL is never true).
	const requiredType = sql`(select ${services.requiredResourceType} from ${services} where ${services.id} = ${serviceId} and ${services.merchantId} = ${merchantId})`;
	return and(eq(resources.merchantId, merchantId), eq(resources.active, true), eq(resources.type, requiredType));
}

/** resourcesOfType for the service's required type, read by service id so it can share a batch. */
export function serviceResources(db: Database, merchantId: string, serviceId: string) {
	return db.select().from(resources).where(serviceResourceCondition(merchantId, serviceId)).orderBy(asc(resources.name), asc(resources.id));
}

/** The ids of serviceResources, as a subquery. */
export function serviceResourceIds(db: Database, merchantId: string, serviceId: string) {
	return db.select({ id: resources.id }).from(resources).where(serviceResourceCondition(merchantId, serviceId));
}

export async function resourcesOfType(db: Database, merchantId: string, type: string): Promise<ResourceRow[]> {
	return db.query.resources.findMany({
		where: and(eq(resources.merchantId, merchantId), eq(resources.type, type), eq(resources.active, true)),
		orderBy: [asc(resources.name), asc(resources.id)],
	});
}
