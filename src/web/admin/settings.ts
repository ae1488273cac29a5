// Admin: the merchant's business settings (name, address, zone, brand colour, tentative-event policy and
// which customer sign-in methods the booking page offers).
import { Hono } from "hono";
import { z } from "zod";
import { businessSettings, updateBusinessSettings } from "../../db/queries/admin-settings";
import type { BusinessSettings } from "../../db/queries/admin-settings";
import { followPlaceChange } from "../../meetings/place-change";
import { syncContextFor } from "../../sync/context";
import type { AppEnv } from "../context";
import { forgetMerchant } from "../merchant-directory";
import { actingMerchantId, anyMember, ownerOnly } from "./guard";
import { colour, timeZone } from "./schemas";
import { valid } from "./validate";

const patchBody = z.strictObject({
	name: z.string().trim().min(1).max(120).optional(),
	address: z.string().trim().min(1).max(200).nullable().optional(),
	timezone: timeZone.optional(),
	brandColor: colour.optional(),
	tentativeBlocks: z.boolean().optional(),
	signIn: z.strictObject({ google: z.boolean(), facebook: z.boolean(), password: z.boolean() }).partial().optional(),
});

function settingsJson(settings: BusinessSettings): Record<string, unknown> {
	return {
		name: settings.name,
		slug: settings.slug,
		address: settings.address,
		timezone: settings.timezone,
		brandColor: settings.brandColor,
		tentativeBlocks: settings.settings.tentativeBlocks,
		signIn: settings.settings.signIn,
	};
}

export const adminSettings = new Hono<AppEnv>()
	.get("/settings", anyMember, async (c) => {
		return c.json({ settings: settingsJson(await businessSettings(c.var.db, actingMerchantId(c))) });
	})

	.patch("/settings", ownerOnly, valid("json", patchBody), async (c) => {
		const merchantId = actingMerchantId(c);
		const body = c.req.valid("json");
		const before = body.address === undefined ? null : await businessSettings(c.var.db, merchantId);
		const settings = await updateBusinessSettings(c.var.db, merchantId, body);
		forgetMerchant(merchantId);
		// Staff calendars show in-person bookings at the business address: a business that moved rewrites them.
		if (before !== null && before.address !== settings.address) {
			await followPlaceChange(syncContextFor(c.env, c.var.db, c.var.mailer), merchantId, { businessAddress: true });
		}
		return c.json({ settings: settingsJson(settings) });
	});
