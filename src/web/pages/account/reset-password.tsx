// /reset-password: without a token, ask for a reset link (POST /auth/password/forgot); with the
// emailed one-time token, choose a new password (POST /auth/password/reset). The token is only
// peeked at here (mail scanners open links too); it is used up by the POST.
import type { Context } from "hono";
import { csrfTokenFor } from "../../../auth/csrf";
import { PASSWORD_MIN_LENGTH } from "../../../auth/password";
import { peekEmailToken } from "../../../auth/tokens";
import type { AppEnv } from "../../context";
import { AccountLayout, accountPageHeaders } from "./layout";
import { Banner, DonePanel, EmailLinkForm, Field, FormError, NoScript } from "./parts";
import { pageScope } from "./scope";

export async function resetPasswordPage(c: Context<AppEnv>): Promise<Response> {
	accountPageHeaders(c);
	const scope = await pageScope(c, "/account");
	const token = c.req.query("token") ?? "";
	const live = token !== "" && token.length <= 200 && (await peekEmailToken(c.var.db, token, "reset-password", Date.now())) !== null;
	const session = c.var.session;
	const config = {
		page: "reset-password",
		returnTo: scope.returnTo,
		token: live ? token : null,
		csrfToken: session === undefined ? null : csrfTokenFor(c.env.SESSION_SECRET, session.id),
	};
	return c.html(
		<AccountLayout title={live ? "Choose a new password" : "Reset your password"} config={config} merchant={scope.merchant}>
			{live ? (
				<>
					<h1>Choose a new password</h1>
					<form id="reset-form" method="post" novalidate>
						<Field
							form="reset"
							name="password"
							label="New password"
							type="password"
							autocomplete="new-password"
							required
							minlength={PASSWORD_MIN_LENGTH}
							maxlength={256}
							hint={`At least ${PASSWORD_MIN_LENGTH} characters. Saving it signs you out on every other device.`}
						/>
						<FormError />
						<button type="submit" class="primary">
							Save new password
						</button>
					</form>
					<DonePanel id="reset-done" title="Your password is changed" continueTo={scope.returnTo}>
						<p>You are signed in, and signed out everywhere else.</p>
					</DonePanel>
				</>
			) : (
				<>
					<h1>Reset your password</h1>
					{token === "" ? null : <Banner kind="error">This link is invalid, has expired or was already used. Ask for a new one below.</Banner>}
					<p>Enter the address of your account and we will email you a link to choose a new password.</p>
					<EmailLinkForm form="forgot" label="Email" />
					<p>
						<a href={`/signin${scope.query}`}>Back to sign in</a>
					</p>
				</>
			)}
			<NoScript />
		</AccountLayout>,
	);
}
