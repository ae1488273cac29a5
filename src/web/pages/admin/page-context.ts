// What every admin page starts from: the merchant acted on, who is looking (and as what), the CSRF
// token the islands send back, and "now".
import type { Context } from "hono";
import { csrfTokenFor } from "../../../auth/csrf";
import { businessesOf } from "../../../auth/membership";
import type { MerchantMembership } from "../../../auth/membership";
import { merchantById } from "../../../db/queries/catalog";
import type { MerchantRow } from "../../../db/queries/catalog";
import type { AppEnv } from "../../context";
import type { AdminLayoutProps } from "./layout";

export interface AdminPageContext {
	merchant: MerchantRow;
	membership: MerchantMembership;
	viewer: NonNullable<AdminLayoutProps["viewer"]>;
	/** Session-bound; the islands send it as x-csrf-token. */
	csrfToken: string;
	now: number;
}

export async function adminPageContext(c: Context<AppEnv>): Promise<AdminPageContext> {
	const membership = c.var.membership;
	const user = c.var.user;
	const session = c.var.session;
	// The gate runs first on every admin page; reaching here without it is a programming error.
	if (membership === undefined || user === undefined || session === undefined) throw new Error("admin page without the page gate");
	const [merchant, businesses] = await Promise.all([merchantById(c.var.db, membership.merchantId), businessesOf(c.var.db, user.id)]);
	const csrfToken = csrfTokenFor(c.env.SESSION_SECRET, session.id);
	return {
		merchant,
		membership,
		viewer: {
			email: user.email,
			role: membership.role,
			merchantId: merchant.id,
			merchantName: merchant.name,
			businesses: businesses.map((b) => ({ merchantId: b.merchantId, name: b.merchantName, role: b.role })),
			csrfToken,
		},
		csrfToken,
		now: Date.now(),
	};
}

export function isOwner(page: AdminPageContext): boolean {
	return page.membership.role === "owner";
}
