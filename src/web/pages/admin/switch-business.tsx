// POST /admin/switch-business: which of the person's businesses the admin acts on, remembered in the
// session (sessions.merchant_id) until they switch again or sign out. Only a business the person
// belongs to: anything else is 404, exactly like a business that does not exist, and the choice
// stays as it was. CSRF-protected like every cookie-authenticated change (the global middleware:
// the x-csrf-token header from the island, or the form's _csrf field without JavaScript).
import type { Context } from "hono";
import { z } from "zod";
import { findMembership } from "../../../auth/membership";
import { setSessionMerchant } from "../../../auth/session";
import { NotFoundError, UnauthorizedError, ValidationError } from "../../../errors";
import type { AppEnv } from "../../context";
import { zodFieldProblems } from "../../problem";
import { AdminLayout } from "./layout";

const FORM_TYPES = /^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;
const switchBody = z.object({ merchantId: z.string({ error: "Choose a business" }).trim().min(1, "Choose a business").max(64) });

/** The plain form's answer to a business the person does not (or no longer) belong to. */
function unavailablePage(c: Context<AppEnv>): Response | Promise<Response> {
	return c.html(
		<AdminLayout title="Business not available" section="signin" config={{ page: "none" }}>
			<div class="signin-card">
				<h1>That business is not available</h1>
				<p>Your account does not belong to that business, or its access was removed. Nothing was switched.</p>
				<p class="actions">
					<a class="button primary" href="/admin">
						Back to the admin
					</a>
				</p>
			</div>
		</AdminLayout>,
		404,
	);
}

export async function switchBusiness(c: Context<AppEnv>): Promise<Response> {
	// Never cached: the answer depends on the session.
	c.header("cache-control", "private, no-store");
	const user = c.var.user;
	const session = c.var.session;
	const form = FORM_TYPES.test(c.req.header("content-type") ?? "");
	if (user === undefined || session === undefined) {
		if (form) return c.redirect("/admin/signin?next=%2Fadmin", 303);
		throw new UnauthorizedError("Sign in to continue");
	}
	let raw: unknown;
	try {
		raw = form ? await c.req.parseBody() : await c.req.json();
	} catch {
		throw new ValidationError([{ field: "(root)", message: "The body must be a JSON object or a form" }]);
	}
	const parsed = switchBody.safeParse(raw);
	if (!parsed.success) throw new ValidationError(zodFieldProblems(parsed.error, "body"));
	const membership = await findMembership(c.var.db, user.id, parsed.data.merchantId);
	if (membership === null) {
		if (form) return unavailablePage(c);
		throw new NotFoundError("Merchant");
	}
	await setSessionMerchant(c.var.db, session.id, membership.merchantId);
	// The dashboard, not the page the switch came from: its ids (a booking, a date) were the other business's.
	if (form) return c.redirect("/admin", 303);
	return c.json({ merchantId: membership.merchantId, role: membership.role });
}
