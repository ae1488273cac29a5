// Route guards: a signed-in user, or a member of the merchant the request acts on.
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import { findMembership, listMemberships, roleSatisfies } from "../../auth/membership";
import type { MerchantRole } from "../../auth/membership";
import { ForbiddenError, NotFoundError, UnauthorizedError } from "../../errors";
import type { AppEnv } from "../context";

export const requireUser = createMiddleware<AppEnv>(async function requireUser(c, next) {
	if (c.var.user === undefined) throw new UnauthorizedError("Sign in to continue");
	await next();
});

/**
 * Resolves the merchant from the `:merchantId` path parameter, or else the signed-in user's
 * (oldest) membership, and sets c.var.membership. Non-members get 404, exactly like a merchant
 * that does not exist, so other tenants are not revealed. `role` "owner" refuses staff with 403.
 */
export function requireMerchantMember(role: MerchantRole = "staff"): MiddlewareHandler<AppEnv> {
	return createMiddleware<AppEnv>(async function requireMerchantMember(c, next) {
		const user = c.var.user;
		if (user === undefined) throw new UnauthorizedError("Sign in to continue");
		const merchantId = c.req.param("merchantId");
		const membership =
			merchantId === undefined ? ((await listMemberships(c.var.db, user.id))[0] ?? null) : await findMembership(c.var.db, user.id, merchantId);
		if (membership === null) throw new NotFoundError("Merchant");
		if (!roleSatisfies(membership.role, role)) throw new ForbiddenError("Only the merchant's owner can do this");
		c.set("membership", membership);
		await next();
	});
}
