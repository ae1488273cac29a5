// /admin/signin: the merchant's sign-in form. The island posts it to POST /auth/signin (the existing
// password sign-in) and then opens the page the person was sent here from.
import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { safeReturnPath } from "./guard";
import { AdminLayout } from "./layout";

export async function signInPage(c: Context<AppEnv>): Promise<Response> {
	c.header("cache-control", "private, no-store");
	const next = safeReturnPath(c.req.query("next"));
	if (c.var.user !== undefined && c.req.query("switch") === undefined) return c.redirect(next, 303);
	return c.html(
		<AdminLayout title="Sign in" section="signin" config={{ page: "signin", next }}>
			<div class="signin-card">
				<h1>Sign in to Slotline</h1>
				<p class="muted">For business owners and staff.</p>
				<form id="signin-form" class="stack" novalidate>
					<div class="field">
						<label for="signin-email">Email</label>
						<input id="signin-email" name="email" type="email" autocomplete="username" required />
					</div>
					<div class="field">
						<label for="signin-password">Password</label>
						<input id="signin-password" name="password" type="password" autocomplete="current-password" required />
					</div>
					<p class="form-error" role="alert"></p>
					<button type="submit" class="primary">
						Sign in
					</button>
				</form>
			</div>
		</AdminLayout>,
	);
}
