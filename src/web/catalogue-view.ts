// What the public API and the booking pages tell the browser about a merchant: public catalogue
// fields only, never staff emails, customers or bookings.
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { activeServices, activeStaff } from "../db/queries/catalog";
import type { MerchantRow } from "../db/queries/catalog";
import { staff, staffServices } from "../db/schema";
import { placeOf } from "../place";
import type { PlaceColumns } from "../place";
import { publicPlace } from "../place-view";
import type { OfferedSignIn, Place, Service, Staff } from "./api/schemas";

export async function catalogueView(db: Database, merchant: { id: string; address: string | null }): Promise<{ services: Service[]; staff: Staff[] }> {
	const merchantId = merchant.id;
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
			place: publicPlace(placeOf(s) ?? { kind: "in_person_business" }, merchant.address),
			price: s.priceCents === null || s.currency === null ? null : { amountCents: s.priceCents, currency: s.currency },
			requiresResource: s.requiredResourceType !== null,
			staffIds: links.filter((l) => l.serviceId === s.id).map((l) => l.staffId),
		})),
		staff: members.map((m) => ({
			id: m.id,
			name: m.name,
			color: m.color,
			timezone: m.timezone,
			place: ownPlace(m, merchant.address),
			serviceIds: links.filter((l) => l.staffId === m.id).map((l) => l.serviceId),
		})),
	};
}

/** A staff member's own place for all their services, as anyone may see it; null: each service's. */
function ownPlace(member: PlaceColumns, businessAddress: string | null): Place | null {
	const place = placeOf(member);
	return place === null ? null : publicPlace(place, businessAddress);
}

/** The sign-in methods the merchant offers customers; settings written before the switch existed offer every method. */
export function signInMethods(merchant: MerchantRow): OfferedSignIn {
	const signIn = (merchant.settings as { signIn?: Partial<OfferedSignIn> } | null)?.signIn ?? {};
	return { google: signIn.google ?? true, facebook: signIn.facebook ?? true, password: signIn.password ?? true };
}
