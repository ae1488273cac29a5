// /admin/signin: the merchant's sign-in page. The island posts the password form to POST /auth/signin
// (the existing password sign-in) and then opens the page the person was sent here from; Google goes
// through /auth/google, and "Forgot password" to the shared reset page.
import type { Context } from "hono";
import { csrfTokenFor } from "../../../auth/csrf";
import { listMemberships } from "../../../auth/membership";
import type { AppEnv } from "../../context";
import { safeReturnPath } from "./guard";
import { AdminLayout } from "./layout";

export async function signInPage(c: Context<AppEnv>): Promise<Response> {
	c.header("cache-control", "private, no-store");
	const next = safeReturnPath(c.req.query("next"), c.env.APP_URL);
	const user = c.var.user;
	const session = c.var.session;
	// Someone who already belongs to a business goes straight on, unless they asked to switch
	// accounts; someone who belongs to none would only be sent back here, so they get the form.
	const member = user === undefined ? false : (await listMemberships(c.var.db, user.id)).length > 0;
	if (member && c.req.query("switch") === undefined) return c.redirect(next, 303);
	// A signed-in browser's sign-in POST carries its session cookie, so it needs that session's CSRF token.
	const csrfToken = session === undefined ? null : csrfTokenFor(c.env.SESSION_SECRET, session.id);
	const encodedNext = encodeURIComponent(next);
	return c.html(
		<AdminLayout title="Sign in" section="signin" config={{ page: "signin", next, csrfToken }}>
			<div class="signin-card">
				<h1>Sign in to Slotline</h1>
				<p class="muted">For business owners and staff.</p>
				{user === undefined ? null : (
					<p class="banner ok" id="signed-in-as">
						{member
							? `You are signed in as ${user.email}. Sign in below to use another account.`
							: `You are signed in as ${user.email}, which does not belong to a business on Slotline. Sign in with the account your business invited.`}
					</p>
				)}
				<form id="signin-form" class="stack" method="post" novalidate>
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
				<p class="actions">
					<a class="button" href={`/auth/google?returnTo=${encodedNext}`} id="signin-google">
						Sign in with Google
					</a>
				</p>
				<p>
					<a href={`/reset-password?returnTo=${encodedNext}`}>Forgot password?</a>
				</p>
				<noscript>
					<p>Signing in with a password needs JavaScript. Please enable it, or sign in with Google.</p>
				</noscript>
			</div>
		</AdminLayout>,
	);
}
