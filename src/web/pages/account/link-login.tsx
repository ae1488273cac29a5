// /link-login?token=: the emailed link that finishes a pending Google or Facebook login. It says what
// confirming does (which provider account gets into which address's account) and confirms only in
// the browser that started the login (POST /auth/pending-login/confirm checks it again).
import type { Context } from "hono";
import { csrfTokenFor } from "../../../auth/csrf";
import type { AppEnv } from "../../context";
import { describeLinkToken } from "../../auth/pending-login-token";
import { AccountLayout, accountPageHeaders } from "./layout";
import { Banner, FormError, NoScript } from "./parts";

export async function linkLoginPage(c: Context<AppEnv>): Promise<Response> {
	accountPageHeaders(c);
	const token = c.req.query("token") ?? "";
	const link = await describeLinkToken(c, token, Date.now());
	const session = c.var.session;
	const config = {
		page: "link-login",
		token: link?.sameBrowser === true ? token : null,
		returnTo: "/account",
		csrfToken: session === undefined ? null : csrfTokenFor(c.env.SESSION_SECRET, session.id),
	};
	const who = link === null ? "" : link.accountName === null ? `your ${link.providerTitle} account` : `the ${link.providerTitle} account of “${link.accountName}”`;
	return c.html(
		<AccountLayout title="Finish signing in" config={config}>
			<h1>Finish signing in</h1>
			{link === null ? (
				<>
					<Banner kind="error">This link is invalid, has expired or was already used.</Banner>
					<p>
						<a href="/signin">Sign in again</a> to get a new one.
					</p>
				</>
			) : !link.sameBrowser ? (
				<>
					<Banner kind="error">{`Open this link in the browser where you signed in with ${link.providerTitle}.`}</Banner>
					<p>{`The link finishes a ${link.providerTitle} sign-in, and only in the browser where that sign-in was started: this one did not start it (or it took longer than 30 minutes).`}</p>
					<p>{`If you did not sign in with ${link.providerTitle}, ignore the email: nothing changes.`}</p>
					<p>
						<a href="/signin">Start again</a>
					</p>
				</>
			) : (
				<form id="link-form" method="post" novalidate>
					<p>{`Confirm to use ${link.email} with ${who}.`}</p>
					<p>{`${link.providerTitle} then becomes a way into the Slotline account of ${link.email} (one is opened if there is none).`}</p>
					<FormError />
					<button type="submit" class="primary">
						{`Confirm and sign in with ${link.providerTitle}`}
					</button>
				</form>
			)}
			<NoScript />
		</AccountLayout>,
	);
}
