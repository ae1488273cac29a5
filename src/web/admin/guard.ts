// Who may call an admin route: any member of the merchant reads the calendar; only owners change
// the catalogue. The merchant acted on is always the caller's own, never one named in the request.
import type { Context } from "hono";
import type { MerchantMembership } from "../../auth/membership";
import type { AppEnv } from "../context";
import { requireMerchantMember } from "../auth/require";

/** Owners and staff: reading the calendar and working with bookings (staff only their own: see src/booking/permissions.ts). */
export const anyMember = requireMerchantMember("staff");

/** Owners only: the catalogue, hours and business settings. */
export const ownerOnly = requireMerchantMember("owner");

/** The merchant the request acts on; set by the guards above. */
export function actingMerchantId(c: Context<AppEnv>): string {
	const membership = c.var.membership;
	// Reaching a handler without a guard is a programming error, not a client one.
	if (membership === undefined) throw new Error("admin route without a membership guard");
	return membership.merchantId;
}

/** The caller's membership of the merchant acted on (role and staff record); set by the guards above. */
export function actingMembership(c: Context<AppEnv>): MerchantMembership {
	const membership = c.var.membership;
	if (membership === undefined) throw new Error("admin route without a membership guard");
	return membership;
}
