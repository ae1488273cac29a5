// Admin: the merchant's services, who offers each and the resource type it needs. Deleting only
// deactivates, so bookings that refer to the service stay intact.
import { Hono } from "hono";
import { z } from "zod";
import { assertServicePlace } from "../../booking/place-check";
import { followPlaceChange } from "../../meetings/place-change";
import { syncContextFor } from "../../sync/context";
import { insertService, listServices, serviceRecord, updateService } from "../../db/queries/admin-catalog";
import type { ServiceChanges, ServiceRecord } from "../../db/queries/admin-catalog";
import { placeColumns, placeOf, placeSchema } from "../../place";
import type { Place } from "../../place";
import type { AppEnv } from "../context";
import { actingMerchantId, anyMember, ownerOnly } from "./guard";
import { colour, entityId } from "./schemas";
import { valid } from "./validate";

const price = z.object({
	amountCents: z.number().int().min(0).max(100_000_000),
	currency: z.string().regex(/^[A-Z]{3}$/, "Must be an ISO 4217 code such as EUR"),
});

const serviceFields = {
	name: z.string().trim().min(1).max(120),
	durationMinutes: z.number().int().min(5).max(720),
	color: colour,
	bufferBeforeMinutes: z.number().int().min(0).max(240),
	bufferAfterMinutes: z.number().int().min(0).max(240),
	minNoticeMinutes: z.number().int().min(0).max(525_600),
	horizonDays: z.number().int().min(1).max(730),
	slotIntervalMinutes: z.number().int().min(5).max(240),
	place: placeSchema,
	price: price.nullable(),
	requiredResourceType: z.string().trim().min(1).max(40).nullable(),
	staffIds: z.array(entityId).max(200),
};

const createBody = z.strictObject({
	...serviceFields,
	bufferBeforeMinutes: serviceFields.bufferBeforeMinutes.default(0),
	bufferAfterMinutes: serviceFields.bufferAfterMinutes.default(0),
	minNoticeMinutes: serviceFields.minNoticeMinutes.default(0),
	horizonDays: serviceFields.horizonDays.default(60),
	slotIntervalMinutes: serviceFields.slotIntervalMinutes.default(15),
	place: serviceFields.place.default({ kind: "in_person_business" }),
	price: serviceFields.price.default(null),
	requiredResourceType: serviceFields.requiredResourceType.default(null),
	staffIds: serviceFields.staffIds.default([]),
});

const updateBody = z.strictObject({ ...serviceFields, active: z.boolean() }).partial();

function serviceJson(service: ServiceRecord): Record<string, unknown> {
	return {
		id: service.id,
		name: service.name,
		durationMinutes: service.durationMinutes,
		color: service.color,
		bufferBeforeMinutes: service.bufferBeforeMinutes,
		bufferAfterMinutes: service.bufferAfterMinutes,
		minNoticeMinutes: service.minNoticeMinutes,
		horizonDays: service.horizonDays,
		slotIntervalMinutes: service.slotIntervalMinutes,
		place: servicePlace(service),
		price: service.priceCents === null || service.currency === null ? null : { amountCents: service.priceCents, currency: service.currency },
		requiredResourceType: service.requiredResourceType,
		active: service.active,
		staffIds: service.staffIds,
	};
}

function servicePlace(service: ServiceRecord): Place {
	return placeOf(service) ?? { kind: "in_person_business" };
}

/** A service's place kind is never null (placeOf reads null as "no place of one's own", which only staff have). */
function servicePlaceColumns(place: Place): Required<Pick<ServiceChanges, "placeKind" | "placeAddress" | "placePhone" | "placeUrl">> {
	const columns = placeColumns(place);
	return { ...columns, placeKind: place.kind };
}

/** Body fields to columns; `price` and `place` map onto several columns. */
function serviceColumns(body: z.infer<typeof updateBody>): ServiceChanges {
	const { price: priceValue, staffIds: _staffIds, place, ...rest } = body;
	const columns: ServiceChanges = { ...rest, ...(place === undefined ? {} : servicePlaceColumns(place)) };
	if (priceValue !== undefined) {
		columns.priceCents = priceValue?.amountCents ?? null;
		columns.currency = priceValue?.currency ?? null;
	}
	return columns;
}

export const adminServices = new Hono<AppEnv>()
	.get("/services", anyMember, async (c) => {
		const services = await listServices(c.var.db, actingMerchantId(c));
		return c.json({ services: services.map(serviceJson) });
	})

	.get("/services/:id", anyMember, async (c) => {
		return c.json({ service: serviceJson(await serviceRecord(c.var.db, actingMerchantId(c), c.req.param("id"))) });
	})

	.post("/services", ownerOnly, valid("json", createBody), async (c) => {
		const merchantId = actingMerchantId(c);
		const body = c.req.valid("json");
		const { staffIds, price: priceValue, place, ...rest } = body;
		await assertServicePlace(c.var.db, merchantId, place, staffIds, "body.place.kind");
		const id = await insertService(
			c.var.db,
			merchantId,
			{ ...rest, ...servicePlaceColumns(place), priceCents: priceValue?.amountCents ?? null, currency: priceValue?.currency ?? null },
			staffIds,
		);
		return c.json({ service: serviceJson(await serviceRecord(c.var.db, merchantId, id)) }, 201);
	})

	.patch("/services/:id", ownerOnly, valid("json", updateBody), async (c) => {
		const merchantId = actingMerchantId(c);
		const body = c.req.valid("json");
		if (body.place !== undefined || body.staffIds !== undefined) {
			const current = await serviceRecord(c.var.db, merchantId, c.req.param("id"));
			const field = body.place === undefined ? "body.staffIds" : "body.place.kind";
			await assertServicePlace(c.var.db, merchantId, body.place ?? servicePlace(current), body.staffIds ?? current.staffIds, field);
		}
		await updateService(c.var.db, merchantId, c.req.param("id"), serviceColumns(body), body.staffIds);
		if (body.place !== undefined) await followPlaceChange(syncContextFor(c.env, c.var.db, c.var.mailer), merchantId, { serviceId: c.req.param("id") });
		return c.json({ service: serviceJson(await serviceRecord(c.var.db, merchantId, c.req.param("id"))) });
	})

	// Soft delete: existing bookings keep pointing at the service; it is no longer offered.
	.delete("/services/:id", ownerOnly, async (c) => {
		const merchantId = actingMerchantId(c);
		await updateService(c.var.db, merchantId, c.req.param("id"), { active: false }, undefined);
		return c.json({ service: serviceJson(await serviceRecord(c.var.db, merchantId, c.req.param("id"))) });
	});
