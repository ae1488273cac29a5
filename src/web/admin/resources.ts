// Admin: bookable resources such as rooms, which services can require by type. Deleting only
// deactivates, so bookings holding a resource stay intact.
import { Hono } from "hono";
import { z } from "zod";
import { insertResource, listResources, resourceOf, updateResource } from "../../db/queries/admin-catalog";
import type { ResourceRow } from "../../db/queries/catalog";
import type { AppEnv } from "../context";
import { actingMerchantId, anyMember, ownerOnly } from "./guard";
import { valid } from "./validate";

const resourceFields = {
	name: z.string().trim().min(1).max(120),
	type: z.string().trim().min(1).max(40),
};

const createBody = z.strictObject(resourceFields);
const updateBody = z.strictObject({ ...resourceFields, active: z.boolean() }).partial();

function resourceJson(resource: ResourceRow): Record<string, unknown> {
	return { id: resource.id, name: resource.name, type: resource.type, active: resource.active };
}

export const adminResources = new Hono<AppEnv>()
	.get("/resources", anyMember, async (c) => {
		const resources = await listResources(c.var.db, actingMerchantId(c));
		return c.json({ resources: resources.map(resourceJson) });
	})

	.get("/resources/:id", anyMember, async (c) => {
		return c.json({ resource: resourceJson(await resourceOf(c.var.db, actingMerchantId(c), c.req.param("id"))) });
	})

	.post("/resources", ownerOnly, valid("json", createBody), async (c) => {
		const merchantId = actingMerchantId(c);
		const id = await insertResource(c.var.db, merchantId, c.req.valid("json"));
		return c.json({ resource: resourceJson(await resourceOf(c.var.db, merchantId, id)) }, 201);
	})

	.patch("/resources/:id", ownerOnly, valid("json", updateBody), async (c) => {
		const merchantId = actingMerchantId(c);
		await updateResource(c.var.db, merchantId, c.req.param("id"), c.req.valid("json"));
		return c.json({ resource: resourceJson(await resourceOf(c.var.db, merchantId, c.req.param("id"))) });
	})

	.delete("/resources/:id", ownerOnly, async (c) => {
		const merchantId = actingMerchantId(c);
		await updateResource(c.var.db, merchantId, c.req.param("id"), { active: false });
		return c.json({ resource: resourceJson(await resourceOf(c.var.db, merchantId, c.req.param("id"))) });
	});
