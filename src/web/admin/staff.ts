// Admin: the merchant's staff members and which services each offers. Deleting only deactivates:
// their bookings stay (upcoming ones are flagged for the owner to move or cancel), their calendar
// connections are disconnected, and the person's access to the merchant ends.
import { Hono } from "hono";
import { z } from "zod";
import { revokeStaffAccess } from "../../auth/membership";
import { insertStaff, listStaff, staffRecord, updateStaff } from "../../db/queries/admin-catalog";
import type { StaffRecord } from "../../db/queries/admin-catalog";
import { upcomingWithInactiveStaff } from "../../booking/calendar-view";
import { assertStaffPlace } from "../../booking/place-check";
import { followPlaceChange } from "../../meetings/place-change";
import { placeColumns, placeOf, placeSchema } from "../../place";
import { resyncMatchedByAddress } from "../../sync/connection-jobs";
import { disconnectStaffConnections } from "../../sync/connection-lifecycle";
import { syncContextFor } from "../../sync/context";
import type { Context } from "hono";
import type { AppEnv } from "../context";
import { actingMerchantId, anyMember, ownerOnly } from "./guard";
import { colour, entityId, timeZone } from "./schemas";
import { valid } from "./validate";

const address = z
	.email()
	.max(254)
	.transform((value) => value.toLowerCase());

const staffFields = {
	name: z.string().trim().min(1).max(120),
	email: address,
	/** Their other addresses in calendars, whose declined invitations free the time too. */
	calendarAddresses: z
		.array(address)
		.max(20)
		.transform((values) => [...new Set(values)]),
	timezone: timeZone,
	color: colour,
	position: z.number().int().min(0).max(10_000),
	/** Where they work for all their services when not where each service says (null: each service's place). */
	place: placeSchema.nullable(),
	serviceIds: z.array(entityId).max(200),
};

const createBody = z.strictObject({
	...staffFields,
	calendarAddresses: staffFields.calendarAddresses.default([]),
	position: staffFields.position.optional(),
	place: staffFields.place.default(null),
	serviceIds: staffFields.serviceIds.default([]),
});
const updateBody = z.strictObject({ ...staffFields, active: z.boolean() }).partial();

function staffJson(member: StaffRecord): Record<string, unknown> {
	return {
		id: member.id,
		name: member.name,
		email: member.email,
		calendarAddresses: member.calendarAddresses,
		timezone: member.timezone,
		color: member.color,
		position: member.position,
		active: member.active,
		place: placeOf(member),
		serviceIds: member.serviceIds,
	};
}

/**
 * What deactivation does besides `active: false`: the person loses the merchant (revokeStaffAccess)
 * and their calendars stop syncing (the Disconnect path). Answers with what the owner should know:
 * how many upcoming bookings still need a colleague, and how many connections were disconnected.
 */
async function deactivated(c: Context<AppEnv>, merchantId: string, staffId: string): Promise<Response> {
	await revokeStaffAccess(c.var.db, merchantId, staffId);
	const disconnectedConnections = await disconnectStaffConnections(syncContextFor(c.env, c.var.db, c.var.mailer), merchantId, staffId);
	const [upcoming] = await upcomingWithInactiveStaff(c.env, c.var.db, merchantId, Date.now(), staffId);
	return c.json({ staff: staffJson(await staffRecord(c.var.db, merchantId, staffId)), upcomingBookings: upcoming?.count ?? 0, disconnectedConnections });
}

export const adminStaff = new Hono<AppEnv>()
	.get("/staff", anyMember, async (c) => {
		const members = await listStaff(c.var.db, actingMerchantId(c));
		return c.json({ staff: members.map(staffJson) });
	})

	.get("/staff/:id", anyMember, async (c) => {
		return c.json({ staff: staffJson(await staffRecord(c.var.db, actingMerchantId(c), c.req.param("id"))) });
	})

	.post("/staff", ownerOnly, valid("json", createBody), async (c) => {
		const merchantId = actingMerchantId(c);
		const { serviceIds, place, ...values } = c.req.valid("json");
		await assertStaffPlace(c.var.db, merchantId, { id: null, name: values.name }, place, serviceIds, place === null ? "body.serviceIds" : "body.place.kind");
		const id = await insertStaff(c.var.db, merchantId, { ...values, ...placeColumns(place) }, serviceIds);
		return c.json({ staff: staffJson(await staffRecord(c.var.db, merchantId, id)) }, 201);
	})

	.patch("/staff/:id", ownerOnly, valid("json", updateBody), async (c) => {
		const merchantId = actingMerchantId(c);
		const { serviceIds, place, ...changes } = c.req.valid("json");
		if (changes.active !== false && (place !== undefined || serviceIds !== undefined)) {
			const current = await staffRecord(c.var.db, merchantId, c.req.param("id"));
			const field = place === undefined ? "body.serviceIds" : "body.place.kind";
			await assertStaffPlace(c.var.db, merchantId, current, place === undefined ? placeOf(current) : place, serviceIds ?? current.serviceIds, field);
		}
		await updateStaff(c.var.db, merchantId, c.req.param("id"), { ...changes, ...(place === undefined ? {} : placeColumns(place)) }, serviceIds);
		// Reactivating (active: true) gives nothing back: the person needs a new invitation, and
		// their calendars a new connection.
		if (changes.active === false) return deactivated(c, merchantId, c.req.param("id"));
		if (place !== undefined) await followPlaceChange(syncContextFor(c.env, c.var.db, c.var.mailer), merchantId, { staffId: c.req.param("id") });
		if (changes.email !== undefined || changes.calendarAddresses !== undefined) {
			await resyncMatchedByAddress(syncContextFor(c.env, c.var.db, c.var.mailer), merchantId, c.req.param("id"));
		}
		return c.json({ staff: staffJson(await staffRecord(c.var.db, merchantId, c.req.param("id"))) });
	})

	// Soft delete: no longer bookable, but existing bookings keep their staff member (see deactivated).
	.delete("/staff/:id", ownerOnly, async (c) => {
		const merchantId = actingMerchantId(c);
		await updateStaff(c.var.db, merchantId, c.req.param("id"), { active: false }, undefined);
		return deactivated(c, merchantId, c.req.param("id"));
	});
