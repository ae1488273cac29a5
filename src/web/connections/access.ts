// Who may manage which calendar connections: the owner all of the merchant's, staff only their own.
import type { Context } from "hono";
import { connectionOf } from "../../db/queries/connections";
import type { ConnectionRow } from "../../db/queries/connections";
import { NotFoundError } from "../../errors";
import type { AppEnv } from "../context";
import type { MerchantMembership } from "../../auth/membership";

export function membershipOf(c: Context<AppEnv>): MerchantMembership {
	const membership = c.var.membership;
	if (membership === undefined) throw new NotFoundError("Merchant");
	return membership;
}

/** Whose calendars a request may connect: staff only themselves; the owner anyone of theirs, or the business (null). */
export function allowedOwner(membership: MerchantMembership, requested: string | null | undefined): string | null {
	if (membership.role === "owner") return requested === undefined ? membership.staffId : requested;
	if (membership.staffId === null || (requested !== undefined && requested !== membership.staffId)) throw new NotFoundError("Staff member");
	return membership.staffId;
}

/** A connection the caller may manage; anything else (another tenant's, a colleague's) is 404. */
export async function manageableConnection(c: Context<AppEnv>, id: string): Promise<ConnectionRow> {
	const membership = membershipOf(c);
	const connection = await connectionOf(c.var.db, membership.merchantId, id);
	if (membership.role !== "owner" && connection.staffId !== membership.staffId) throw new NotFoundError("Connection");
	return connection;
}
