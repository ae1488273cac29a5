// What the public API and the booking pages tell the browser about a merchant: public catalogue
// fields only, never staff emails, customers or bookings.
import { and, eq } from "drizzle-orm";
import type { Database } from "../../db/client";
import { activeServices, activeStaff } from "../../db/queries/catalog";
import type { MerchantRow } from "../../db/queries/catalog";
import { staff, staffServices } from "../../db/schema";

export interface PublicService {
	id: string;
	name: string;
	durationMinutes: number;
	color: string;
	location: string | null;
	price: { amountCents: number; currency: string } | null;
	requiresResource: boolean;
	staffIds: string[];
}

export interface PublicStaff {
	id: string;
	name: string;
	color: string;
	timezone: string;
	serviceIds: string[];
}

export interface SignInMethods {
	google: boolean;
	facebook: boolean;
	password: boolean;
}

export async function catalogueView(db: Database, merchantId: string): Promise<{ services: PublicService[]; staff: PublicStaff[] }> {
	const [services, members, links] = await Promise.all([
		activeServices(db, merchantId),
		activeStaff(db, merchantId),
		db
			.select({ staffId: staffServices.staffId, serviceId: staffServices.serviceId })
			.from(staffServices)
			.innerJoin(staff, eq(staff.id, staffServices.staffId))
			.where(and(eq(staff.merchantId, merchantId), eq(staff.active, true))),
	]);
	return {
		services: services.map((s) => ({
			id: s.id,
			name: s.name,
			durationMinutes: s.durationMinutes,
			color: s.color,
			location: s.location,
			price: s.priceCents === null || s.currency === null ? null : { amountCents: s.priceCents, currency: s.currency },
			requiresResource: s.requiredResourceType !== null,
			staffIds: links.filter((l) => l.serviceId === s.id).map((l) => l.staffId),
		})),
		staff: members.map((m) => ({
			id: m.id,
			name: m.name,
			color: m.color,
			timezone: m.timezone,
			serviceIds: links.filter((l) => l.staffId === m.id).map((l) => l.serviceId),
		})),
	};
}

/** The sign-in methods the merchant offers customers; settings written before the switch existed offer every method. */
export function signInMethods(merchant: MerchantRow): SignInMethods {
	const signIn = (merchant.settings as { signIn?: Partial<SignInMethods> } | null)?.signIn ?? {};
	return { google: signIn.google ?? true, facebook: signIn.facebook ?? true, password: signIn.password ?? true };
}
