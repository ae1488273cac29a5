// The merchant's business settings: the merchants row plus its JSON settings, read with defaults
// so a row written before a setting existed still answers every field.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../client";
import { merchants } from "../schema";
import type { MerchantSettings } from "../schema";
import { definedOnly } from "./admin-catalog";
import { merchantById } from "./catalog";

export const merchantSettingsSchema = z.object({
	tentativeBlocks: z.boolean().catch(true),
	signIn: z
		.object({
			google: z.boolean().catch(false),
			facebook: z.boolean().catch(false),
			password: z.boolean().catch(true),
		})
		.catch({ google: false, facebook: false, password: true }),
}) satisfies z.ZodType<MerchantSettings>;

export interface BusinessSettings {
	name: string;
	slug: string;
	/** Where "at the business address" services take place. */
	address: string | null;
	timezone: string;
	brandColor: string;
	settings: MerchantSettings;
}

export interface BusinessSettingsChanges {
	name?: string;
	address?: string | null;
	timezone?: string;
	brandColor?: string;
	tentativeBlocks?: boolean;
	signIn?: Partial<MerchantSettings["signIn"]>;
}

export async function businessSettings(db: Database, merchantId: string): Promise<BusinessSettings> {
	const row = await merchantById(db, merchantId);
	return { name: row.name, slug: row.slug, address: row.address, timezone: row.timezone, brandColor: row.brandColor, settings: merchantSettingsSchema.parse(row.settings ?? {}) };
}

/** Merges `changes` into the current settings (unnamed sign-in methods keep their value). */
export async function updateBusinessSettings(db: Database, merchantId: string, changes: BusinessSettingsChanges): Promise<BusinessSettings> {
	const current = await businessSettings(db, merchantId);
	const settings: MerchantSettings = {
		tentativeBlocks: changes.tentativeBlocks ?? current.settings.tentativeBlocks,
		signIn: { ...current.settings.signIn, ...definedOnly(changes.signIn ?? {}) },
	};
	const next: BusinessSettings = {
		...current,
		name: changes.name ?? current.name,
		address: changes.address === undefined ? current.address : changes.address,
		timezone: changes.timezone ?? current.timezone,
		brandColor: changes.brandColor ?? current.brandColor,
		settings,
	};
	await db
		.update(merchants)
		.set({ name: next.name, address: next.address, timezone: next.timezone, brandColor: next.brandColor, settings })
		.where(eq(merchants.id, merchantId));
	return next;
}
