// Route guards: a signed-in user, or a member of the merchant the request acts on.
import type { Context, MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { actingMembershipOf, findMembership, roleSatisfies } from "../../auth/membership";
import type { MerchantMembership, MerchantRole } from "../../auth/membership";
import { AppError, ForbiddenError, NotFoundError, UnauthorizedError } from "../../errors";
import type { AppEnv } from "../context";

/** The admin islands name the business their page was rendered for, so a stale tab never acts on another. */
export const BUSINESS_HEADER = "x-slotline-merchant";

/** 409: the page was rendered for another business than the one the session has switched to since. */
export class BusinessSwitchedError extends AppError {
	readonly status = 409;
	readonly code = "business-switched";
	readonly title = "You switched to another business";

	constructor() {
		super("This page belongs to another business than the one you switched to in another tab. Reload the page; nothing was changed.");
	}
}

export const requireUser = createMiddleware<AppEnv>(async function requireUser(c, next) {
	if (c.var.user === undefined) throw new UnauthorizedError("Sign in to continue");
	await next();
});

/**
 * The membership an admin request acts on: the merchant the session chose with the business
 * switcher while the person still belongs to it, else their oldest. A request from a page rendered
 * for another business (the header above) is refused before it can read or change anything.
 */
export async function membershipForRequest(c: Context<AppEnv>, userId: string): Promise<MerchantMembership | null> {
	const membership = await actingMembershipOf(c.var.db, userId, c.var.session?.merchantId ?? null);
	const named = c.req.header(BUSINESS_HEADER);
	if (membership !== null && named !== undefined && named !== membership.merchantId) throw new BusinessSwitchedError();
	return membership;
}

/**
 * Resolves the merchant from the `:merchantId` path parameter, or else the one the signed-in user
 * acts on (membershipForRequest), and sets c.var.membership. Non-members get 404, exactly like a
 * merchant that does not exist, so other tenants are not revealed. `role` "owner" refuses staff with 403.
 */
export function requireMerchantMember(role: MerchantRole = "staff"): MiddlewareHandler<AppEnv> {
	return createMiddleware<AppEnv>(async function requireMerchantMember(c, next) {
		const user = c.var.user;
		if (user === undefined) throw new UnauthorizedError("Sign in to continue");
		const merchantId = c.req.param("merchantId");
		const membership = merchantId === undefined ? await membershipForRequest(c, user.id) : await findMembership(c.var.db, user.id, merchantId);
		if (membership === null) throw new NotFoundError("Merchant");
		if (!roleSatisfies(membership.role, role)) throw new ForbiddenError("Only the merchant's owner can do this");
		c.set("membership", membership);
		await next();
	});
}
