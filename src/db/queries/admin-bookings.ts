// D1 reads behind the admin's view of bookings (src/booking/calendar-view.ts): the catalogue names a
// booking shows (service, staff member, room), the merchant's customer records by address, and which
// staff members were deactivated. The bookings themselves live in the merchant's object.
import { and, asc, eq, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Database } from "../client";
import { customers, resources, services, staff } from "../schema";

export interface CatalogueRefs {
	serviceIds: string[];
	staffIds: string[];
	resourceIds: string[];
	/** Lower-cased, as bookings and customer records keep them. */
	customerEmails: string[];
}

export interface BookingCatalogue {
	services: Map<string, { id: string; name: string; color: string; durationMinutes: number }>;
	staff: Map<string, { id: string; name: string; color: string }>;
	resources: Map<string, { id: string; name: string }>;
	/** The merchant's customer records, by email. */
	customers: Map<string, { id: string; name: string; email: string; phone: string | null }>;
}

/** `column` is one of `values`. The list travels as one JSON parameter, so no length meets D1's limit on bound parameters. */
function oneOf(column: SQLiteColumn, values: string[]): SQL {
	return sql`${column} in (select value from json_each(${JSON.stringify(values)}))`;
}

/** The named services, staff members, rooms and customers of `merchantId` (others' ids are absent), in one round trip. */
export async function bookingCatalogue(db: Database, merchantId: string, refs: CatalogueRefs): Promise<BookingCatalogue> {
	const [serviceRows, staffRows, resourceRows, customerRows] = await db.batch([
		db
			.select({ id: services.id, name: services.name, color: services.color, durationMinutes: services.durationMinutes })
			.from(services)
			.where(and(eq(services.merchantId, merchantId), oneOf(services.id, refs.serviceIds))),
		db
			.select({ id: staff.id, name: staff.name, color: staff.color })
			.from(staff)
			.where(and(eq(staff.merchantId, merchantId), oneOf(staff.id, refs.staffIds))),
		db
			.select({ id: resources.id, name: resources.name })
			.from(resources)
			.where(and(eq(resources.merchantId, merchantId), oneOf(resources.id, refs.resourceIds))),
		db
			.select({ id: customers.id, name: customers.name, email: customers.email, phone: customers.phone })
			.from(customers)
			.where(and(eq(customers.merchantId, merchantId), oneOf(customers.email, refs.customerEmails))),
	]);
	return {
		services: new Map(serviceRows.map((row) => [row.id, row])),
		staff: new Map(staffRows.map((row) => [row.id, row])),
		resources: new Map(resourceRows.map((row) => [row.id, row])),
		customers: new Map(customerRows.map((row) => [row.email, row])),
	};
}

/** Deactivated staff members of `merchantId` (with `staffId`, only that one if deactivated), by name. */
export async function inactiveStaff(db: Database, merchantId: string, staffId?: string): Promise<Array<{ id: string; name: string }>> {
	return db
		.select({ id: staff.id, name: staff.name })
		.from(staff)
		.where(and(eq(staff.merchantId, merchantId), eq(staff.active, false), staffId === undefined ? undefined : eq(staff.id, staffId)))
		.orderBy(asc(staff.name), asc(staff.id))
		.all();
}
