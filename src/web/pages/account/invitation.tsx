// /invitations/accept?token=: a staff invitation. The invitee joins with a new password, with the
// password of their existing (verified) account, or with the Google account of the invited address;
// the island posts to /auth/invitations/accept, and Google goes through /auth/google?invitation=.
import type { Context } from "hono";
import { csrfTokenFor } from "../../../auth/csrf";
import { PASSWORD_MIN_LENGTH } from "../../../auth/password";
import { UnprocessableError } from "../../../errors";
import type { AppEnv } from "../../context";
import { invitationView } from "../../auth/invitations";
import type { InvitationView } from "../../auth/invitations";
import { AccountLayout, accountPageHeaders } from "./layout";
import { Banner, Field, FormError, NoScript } from "./parts";

export async function invitationPage(c: Context<AppEnv>): Promise<Response> {
	accountPageHeaders(c);
	const token = c.req.query("token") ?? "";
	let invitation: InvitationView | null = null;
	try {
		invitation = token.length > 200 ? null : await invitationView(c.var.db, token, Date.now());
	} catch (error) {
		if (!(error instanceof UnprocessableError)) throw error;
	}
	const session = c.var.session;
	const config = { page: "invitation", token: invitation === null ? null : token, csrfToken: session === undefined ? null : csrfTokenFor(c.env.SESSION_SECRET, session.id) };
	if (invitation === null) {
		return c.html(
			<AccountLayout title="Invitation" config={config}>
				<h1>Join a business on Slotline</h1>
				<Banner kind="error">This invitation link is invalid, has expired or was already used. Ask the business to send you a new one.</Banner>
			</AccountLayout>,
		);
	}
	const google = `/auth/google?invitation=${encodeURIComponent(token)}&login_hint=${encodeURIComponent(invitation.email)}`;
	return c.html(
		<AccountLayout title={`Join ${invitation.merchantName}`} config={config}>
			<h1>{`Join ${invitation.merchantName}`}</h1>
			<p>{`${invitation.merchantName} invited ${invitation.email} to manage ${invitation.staffName}'s bookings and calendar on Slotline.`}</p>
			<form id="invitation-form" method="post" novalidate>
				{invitation.passwordRequired ? (
					<>
						<p>{`You already have a Slotline account with ${invitation.email}. Enter its password to join.`}</p>
						<Field form="invitation" name="password" label="Your password" type="password" autocomplete="current-password" required maxlength={256} />
					</>
				) : (
					<>
						{invitation.accountExists ? null : (
							<>
								<Field form="invitation" name="firstName" label="First name (optional)" autocomplete="given-name" maxlength={100} />
								<Field form="invitation" name="lastName" label="Last name (optional)" autocomplete="family-name" maxlength={100} />
							</>
						)}
						<Field
							form="invitation"
							name="password"
							label="Choose a password"
							type="password"
							autocomplete="new-password"
							required
							minlength={PASSWORD_MIN_LENGTH}
							maxlength={256}
							hint={`At least ${PASSWORD_MIN_LENGTH} characters. You will sign in with ${invitation.email} and this password.`}
						/>
					</>
				)}
				<FormError />
				<button type="submit" class="primary">
					Accept the invitation
				</button>
			</form>
			{invitation.passwordRequired ? (
				<p>
					<a href="/reset-password">Forgot your password?</a>
				</p>
			) : null}
			<p class="actions providers">
				<a class="button secondary" href={google}>
					Accept with Google
				</a>
			</p>
			<p class="note">{`With Google, use the Google account of ${invitation.email}.`}</p>
			<NoScript />
		</AccountLayout>,
	);
}
