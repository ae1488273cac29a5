// /: a small front door. Who is signed in (with their account and business), or the ways to sign in
// and sign up; and the outcome of an email confirmation link (/auth/verify-email ends here).
import type { Context } from "hono";
import { csrfTokenFor } from "../../../auth/csrf";
import { listMemberships } from "../../../auth/membership";
import type { AppEnv } from "../../context";
import { AccountLayout, accountPageHeaders } from "./layout";
import { Banner } from "./parts";

export async function homePage(c: Context<AppEnv>): Promise<Response> {
	accountPageHeaders(c);
	const user = c.var.user;
	const session = c.var.session;
	const verified = c.req.query("email-verified");
	const member = user === undefined ? false : (await listMemberships(c.var.db, user.id)).length > 0;
	const config = { page: "home", csrfToken: session === undefined ? null : csrfTokenFor(c.env.SESSION_SECRET, session.id) };
	return c.html(
		<AccountLayout title="Welcome" config={config}>
			<h1>Slotline</h1>
			{verified === "1" ? <Banner kind="ok">Your email address is confirmed. Thank you!</Banner> : null}
			{verified === "0" ? (
				<Banner kind="error">That confirmation link is invalid, has expired or was already used. Sign in and send a new one from your account page.</Banner>
			) : null}
			<p>Book appointments with the businesses that use Slotline, and keep your bookings in one place.</p>
			{user === undefined ? (
				<p class="actions">
					<a class="button primary" href="/signin">
						Sign in
					</a>
					<a class="button secondary" href="/signup">
						Create an account
					</a>
				</p>
			) : (
				<>
					<p>{`You are signed in as ${user.email}.`}</p>
					<p class="actions">
						<a class="button primary" href="/account">
							Your account and bookings
						</a>
						{member ? (
							<a class="button secondary" href="/admin">
								Your business
							</a>
						) : null}
						<button type="button" id="signout">
							Sign out
						</button>
					</p>
					<p class="form-error" id="signout-error" role="alert"></p>
				</>
			)}
			<p class="note">
				Run a business? <a href="/admin/signin">Sign in to Slotline for business</a>.
			</p>
		</AccountLayout>,
	);
}
