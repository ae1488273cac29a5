// Admin reads and writes of a merchant's catalogue: services (with who offers them), staff and
// resources. Every function takes the merchant id and matches on it, so another tenant's id is
// simply "not found".
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Database } from "../client";
import { resources, services, staff, staffServices } from "../schema";
import { NotFoundError } from "../../errors";
import { newId } from "../../ids";
import { serviceOf, staffOf } from "./catalog";
import type { ResourceRow, ServiceRow, StaffRow } from "./catalog";

export interface ServiceRecord extends ServiceRow {
	staffIds: string[];
}

export interface StaffRecord extends StaffRow {
	serviceIds: string[];
}

/** Writable service columns; undefined leaves a column as it is. */
export type ServiceChanges = Partial<Omit<typeof services.$inferInsert, "id" | "merchantId" | "createdAt">>;
export type StaffChanges = Partial<Omit<typeof staff.$inferInsert, "id" | "merchantId" | "createdAt">>;
export type ResourceChanges = Partial<Omit<typeof resources.$inferInsert, "id" | "merchantId" | "createdAt">>;

type Statement = BatchItem<"sqlite">;

/** Drops undefined members: in a PATCH, an absent field leaves its column as it is. */
export function definedOnly<T extends object>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Runs the statements as one D1 batch (all or nothing); nothing to run is fine. */
async function runBatch(db: Database, statements: Statement[]): Promise<void> {
	const [first, ...rest] = statements;
	if (first !== undefined) await db.batch([first, ...rest]);
}

function linksOfMerchant(db: Database, merchantId: string) {
	return db
		.select({ staffId: staffServices.staffId, serviceId: staffServices.serviceId })
		.from(staffServices)
		.innerJoin(staff, eq(staff.id, staffServices.staffId))
		.where(eq(staff.merchantId, merchantId))
		.orderBy(asc(staff.position), asc(staff.id));
}

/** Throws 404 unless every id names a staff member of this merchant. */
export async function assertOwnStaff(db: Database, merchantId: string, staffIds: string[]): Promise<void> {
	const wanted = [...new Set(staffIds)];
	if (wanted.length === 0) return;
	const found = await db.select({ id: staff.id }).from(staff).where(and(eq(staff.merchantId, merchantId), inArray(staff.id, wanted)));
	if (found.length !== wanted.length) throw new NotFoundError("Staff member");
}

/** Throws 404 unless every id names a service of this merchant. */
export async function assertOwnServices(db: Database, merchantId: string, serviceIds: string[]): Promise<void> {
	const wanted = [...new Set(serviceIds)];
	if (wanted.length === 0) return;
	const found = await db
		.select({ id: services.id })
		.from(services)
		.where(and(eq(services.merchantId, merchantId), inArray(services.id, wanted)));
	if (found.length !== wanted.length) throw new NotFoundError("Service");
}

// ---------------------------------------------------------------------------------------------
// Services

export async function listServices(db: Database, merchantId: string): Promise<ServiceRecord[]> {
	const [rows, links] = await db.batch([
		db.select().from(services).where(eq(services.merchantId, merchantId)).orderBy(asc(services.name), asc(services.id)),
		linksOfMerchant(db, merchantId),
	]);
	return rows.map((row) => ({ ...row, staffIds: links.filter((l) => l.serviceId === row.id).map((l) => l.staffId) }));
}

export async function serviceRecord(db: Database, merchantId: string, serviceId: string): Promise<ServiceRecord> {
	const row = await serviceOf(db, merchantId, serviceId);
	const links = await linksOfMerchant(db, merchantId);
	return { ...row, staffIds: links.filter((l) => l.serviceId === row.id).map((l) => l.staffId) };
}

/** The insert of staff_services rows (none for an empty list: drizzle refuses empty values). */
function linkInserts(db: Database, links: Array<{ staffId: string; serviceId: string }>): Statement[] {
	const unique = [...new Map(links.map((l) => [`${l.staffId} ${l.serviceId}`, l])).values()];
	return unique.length === 0 ? [] : [db.insert(staffServices).values(unique)];
}

export async function insertService(
	db: Database,
	merchantId: string,
	values: Omit<typeof services.$inferInsert, "id" | "merchantId" | "createdAt">,
	staffIds: string[],
): Promise<string> {
	await assertOwnStaff(db, merchantId, staffIds);
	const id = newId("svc");
	await db.batch([db.insert(services).values({ ...values, id, merchantId }), ...linkInserts(db, staffIds.map((staffId) => ({ staffId, serviceId: id })))]);
	return id;
}

/** Applies `changes`, and replaces who offers the service when `staffIds` is given. */
export async function updateService(
	db: Database,
	merchantId: string,
	serviceId: string,
	changes: ServiceChanges,
	staffIds: string[] | undefined,
): Promise<void> {
	await serviceOf(db, merchantId, serviceId);
	if (staffIds !== undefined) await assertOwnStaff(db, merchantId, staffIds);
	const columns = definedOnly(changes);
	const statements: Statement[] = [];
	if (Object.keys(columns).length > 0) {
		statements.push(db.update(services).set(columns).where(and(eq(services.id, serviceId), eq(services.merchantId, merchantId))));
	}
	if (staffIds !== undefined) {
		statements.push(
			db.delete(staffServices).where(eq(staffServices.serviceId, serviceId)),
			...linkInserts(db, staffIds.map((staffId) => ({ staffId, serviceId }))),
		);
	}
	await runBatch(db, statements);
}

// ---------------------------------------------------------------------------------------------
// Staff

export async function listStaff(db: Database, merchantId: string): Promise<StaffRecord[]> {
	const [rows, links] = await db.batch([
		db.select().from(staff).where(eq(staff.merchantId, merchantId)).orderBy(asc(staff.position), asc(staff.id)),
		linksOfMerchant(db, merchantId),
	]);
	return rows.map((row) => ({ ...row, serviceIds: links.filter((l) => l.staffId === row.id).map((l) => l.serviceId) }));
}

export async function staffRecord(db: Database, merchantId: string, staffId: string): Promise<StaffRecord> {
	const row = await staffOf(db, merchantId, staffId);
	const links = await db.select({ serviceId: staffServices.serviceId }).from(staffServices).where(eq(staffServices.staffId, row.id));
	return { ...row, serviceIds: links.map((l) => l.serviceId) };
}

export async function insertStaff(
	db: Database,
	merchantId: string,
	values: Omit<typeof staff.$inferInsert, "id" | "merchantId" | "createdAt" | "position"> & { position?: number },
	serviceIds: string[],
): Promise<string> {
	await assertOwnServices(db, merchantId, serviceIds);
	const id = newId("stf");
	// A new member goes last unless a position is given.
	const position =
		values.position ?? sql<number>`(select coalesce(max(${staff.position}) + 1, 0) from ${staff} where ${staff.merchantId} = ${merchantId})`;
	await db.batch([db.insert(staff).values({ ...values, position, id, merchantId }), ...linkInserts(db, serviceIds.map((serviceId) => ({ staffId: id, serviceId })))]);
	return id;
}

export async function updateStaff(
	db: Database,
	merchantId: string,
	staffId: string,
	changes: StaffChanges,
	serviceIds: string[] | undefined,
): Promise<void> {
	await staffOf(db, merchantId, staffId);
	if (serviceIds !== undefined) await assertOwnServices(db, merchantId, serviceIds);
	const columns = definedOnly(changes);
	const statements: Statement[] = [];
	if (Object.keys(columns).length > 0) {
		statements.push(db.update(staff).set(columns).where(and(eq(staff.id, staffId), eq(staff.merchantId, merchantId))));
	}
	if (serviceIds !== undefined) {
		statements.push(
			db.delete(staffServices).where(eq(staffServices.staffId, staffId)),
			...linkInserts(db, serviceIds.map((serviceId) => ({ staffId, serviceId }))),
		);
	}
	await runBatch(db, statements);
}

// ---------------------------------------------------------------------------------------------
// Resources

export async function listResources(db: Database, merchantId: string): Promise<ResourceRow[]> {
	return db.query.resources.findMany({ where: eq(resources.merchantId, merchantId), orderBy: [asc(resources.type), asc(resources.name), asc(resources.id)] });
}

export async function resourceOf(db: Database, merchantId: string, resourceId: string): Promise<ResourceRow> {
	const row = await db.query.resources.findFirst({ where: and(eq(resources.id, resourceId), eq(resources.merchantId, merchantId)) });
	if (row === undefined) throw new NotFoundError("Resource");
	return row;
}

export async function insertResource(db: Database, merchantId: string, values: { name: string; type: string }): Promise<string> {
	const id = newId("res");
	await db.insert(resources).values({ ...values, id, merchantId });
	return id;
}

export async function updateResource(db: Database, merchantId: string, resourceId: string, changes: ResourceChanges): Promise<void> {
	await resourceOf(db, merchantId, resourceId);
	const columns = definedOnly(changes);
	if (Object.keys(columns).length === 0) return;
	await db.update(resources).set(columns).where(and(eq(resources.id, resourceId), eq(resources.merchantId, merchantId)));
}
