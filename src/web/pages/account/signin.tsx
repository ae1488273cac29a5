// /signin: email and password, Google and Facebook (as the business allows, when opened from its
// booking page), the message of a failed provider sign-in (?error=CODE), and finishing a provider
// login we could not attach (the pending login) by email. The island posts to /auth/signin and
// /auth/pending-login/email; provider buttons are plain links to /auth/{provider}.
import type { Context } from "hono";
import { csrfTokenFor } from "../../../auth/csrf";
import { signInErrorMessage } from "../../../auth/sign-in-errors";
import type { AppEnv } from "../../context";
import { readPendingLogin } from "../../auth/pending-login-cookie";
import { PROVIDER_TITLES } from "../../auth/pending-login-token";
import { AccountLayout, accountPageHeaders } from "./layout";
import { Banner, EmailLinkForm, Field, FormError, NoScript, ProviderButtons } from "./parts";
import { pageScope } from "./scope";

export async function signInPage(c: Context<AppEnv>): Promise<Response> {
	accountPageHeaders(c);
	const scope = await pageScope(c, "/account");
	const code = c.req.query("error") ?? "";
	const error = signInErrorMessage(code);
	const pending = await readPendingLogin(c);
	const user = c.var.user;
	const session = c.var.session;
	const methods = scope.methods;
	const title = scope.merchant === null ? "Sign in" : `Sign in to book with ${scope.merchant.name}`;
	const config = {
		page: "signin",
		returnTo: scope.returnTo,
		// A signed-in browser's POST carries its session cookie, so it needs that session's token.
		csrfToken: session === undefined ? null : csrfTokenFor(c.env.SESSION_SECRET, session.id),
	};
	return c.html(
		<AccountLayout title={title} config={config} merchant={scope.merchant}>
			<h1>{title}</h1>
			{error === null ? null : <Banner kind="error" id="signin-error">{error}</Banner>}
			{user === undefined ? null : (
				<Banner kind="info">
					{`You are signed in as ${user.email}. `}
					<a href={scope.returnTo}>Continue</a>
					{" or sign in with another account below."}
				</Banner>
			)}
			{pending === null ? null : (
				<section class="card" aria-labelledby="pending-title">
					<h2 id="pending-title">{`Finish signing in with ${PROVIDER_TITLES[pending.provider]}`}</h2>
					<p>{signInErrorMessage(pending.reason)}</p>
					<EmailLinkForm form="pending" label="Your email address" value={pending.profile.email} />
					<p class="note">The link works only in this browser, for 30 minutes.</p>
				</section>
			)}
			{methods.password ? (
				<form id="signin-form" method="post" novalidate>
					<Field form="signin" name="email" label="Email" type="email" autocomplete="username" required maxlength={254} />
					<Field form="signin" name="password" label="Password" type="password" autocomplete="current-password" required maxlength={256} />
					<FormError />
					<p class="actions">
						<button type="submit" class="primary">
							Sign in
						</button>
						<a href={`/reset-password${scope.query}`}>Forgot password?</a>
					</p>
				</form>
			) : null}
			<ProviderButtons methods={methods} returnTo={scope.returnTo} verb="Continue" />
			{!methods.password && !methods.google && !methods.facebook ? (
				<p>{`${scope.merchant?.name ?? "This business"} does not offer accounts. You can book as a guest.`}</p>
			) : null}
			{methods.password ? (
				<p>
					{"New here? "}
					<a href={`/signup${scope.query}`}>Create an account</a>
				</p>
			) : null}
			{scope.merchant === null ? (
				<p class="note">
					Run a business on Slotline? <a href="/admin/signin">Sign in to your business</a>.
				</p>
			) : (
				<p>
					<a href={`/b/${encodeURIComponent(scope.merchant.slug)}`}>{`Back to booking with ${scope.merchant.name}`}</a>
				</p>
			)}
			<NoScript />
		</AccountLayout>,
	);
}
