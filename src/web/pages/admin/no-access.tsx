// The admin's answer to a signed-in person who belongs to no business: what happened and the ways on
// (another account, their own account page, sign out), never a dead end back to the sign-in page.
import type { Context } from "hono";
import { csrfTokenFor } from "../../../auth/csrf";
import type { AppEnv } from "../../context";
import { AdminLayout } from "./layout";

export async function noAccessPage(c: Context<AppEnv>): Promise<Response> {
	const user = c.var.user;
	const session = c.var.session;
	const csrfToken = session === undefined ? null : csrfTokenFor(c.env.SESSION_SECRET, session.id);
	return c.html(
		<AdminLayout title="No access" section="signin" config={{ page: "no-access", csrfToken }}>
			<div class="signin-card">
				<h1>No business on this account</h1>
				<p>{`${user?.email ?? "This account"} does not belong to a business on Slotline, or its access was removed.`}</p>
				<p class="actions">
					<a class="button primary" href="/admin/signin?switch=1">
						Sign in with another account
					</a>
					<a class="button" href="/account">
						Your account
					</a>
					<button type="button" class="ghost" data-signout>
						Sign out
					</button>
				</p>
			</div>
		</AdminLayout>,
		403,
	);
}
