// /signup: an email-and-password account (POST /auth/signup), which mails a confirmation link. Opened
// from a business that offers no password accounts, it offers that business's providers instead.
import type { Context } from "hono";
import { csrfTokenFor } from "../../../auth/csrf";
import { PASSWORD_MIN_LENGTH } from "../../../auth/password";
import type { AppEnv } from "../../context";
import { AccountLayout, accountPageHeaders } from "./layout";
import { DonePanel, Field, FormError, NoScript, ProviderButtons } from "./parts";
import { pageScope } from "./scope";

export async function signUpPage(c: Context<AppEnv>): Promise<Response> {
	accountPageHeaders(c);
	const scope = await pageScope(c, "/account");
	const session = c.var.session;
	const config = { page: "signup", returnTo: scope.returnTo, csrfToken: session === undefined ? null : csrfTokenFor(c.env.SESSION_SECRET, session.id) };
	return c.html(
		<AccountLayout title="Create an account" config={config} merchant={scope.merchant}>
			<h1>Create an account</h1>
			{scope.methods.password ? (
				<>
					<form id="signup-form" method="post" novalidate>
						<Field form="signup" name="firstName" label="First name (optional)" autocomplete="given-name" maxlength={100} />
						<Field form="signup" name="lastName" label="Last name (optional)" autocomplete="family-name" maxlength={100} />
						<Field form="signup" name="email" label="Email" type="email" autocomplete="email" required maxlength={254} />
						<Field
							form="signup"
							name="password"
							label="Password"
							type="password"
							autocomplete="new-password"
							required
							minlength={PASSWORD_MIN_LENGTH}
							maxlength={256}
							hint={`At least ${PASSWORD_MIN_LENGTH} characters. A few unrelated words make a good one.`}
						/>
						<FormError />
						<button type="submit" class="primary">
							Create account
						</button>
					</form>
					<DonePanel id="signup-done" title="Check your email" continueTo={scope.returnTo}>
						<p id="signup-done-text">We have sent you a link to confirm your address.</p>
					</DonePanel>
				</>
			) : (
				<p>{`${scope.merchant?.name ?? "This business"} offers accounts through these sign-ins:`}</p>
			)}
			<ProviderButtons methods={scope.methods} returnTo={scope.returnTo} verb="Sign up" />
			<p>
				{"Already have an account? "}
				<a href={`/signin${scope.query}`}>Sign in</a>
			</p>
			<NoScript />
		</AccountLayout>,
	);
}
