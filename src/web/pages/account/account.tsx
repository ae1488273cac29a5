// /account: the signed-in person's profile (name, photo), address (confirmed or not, a change waiting
// for its link), password (add or change), linked logins (link Google or Facebook, unlink while
// another way in remains), their own bookings with manage links, and signing out here or everywhere.
// Everything it changes goes through the existing APIs (/api/v1/me, /auth/*) from the account island.
import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { csrfTokenFor } from "../../../auth/csrf";
import { PASSWORD_MIN_LENGTH } from "../../../auth/password";
import type { AppEnv } from "../../context";
import { listOwnBookings, profileView } from "../../api/me";
import type { OwnBooking } from "../../api/me";
import { PROVIDER_TITLES } from "../../auth/pending-login-token";
import { providerStart } from "./scope";
import { AccountLayout, accountPageHeaders } from "./layout";
import { Banner, Field, FormError, NoScript } from "./parts";

function when(booking: OwnBooking): string {
	const start = new Date(booking.start);
	const text = new Intl.DateTimeFormat("en-GB", { dateStyle: "full", timeStyle: "short", timeZone: booking.timezone }).format(start);
	return `${text} (${booking.timezone.replaceAll("_", " ")})`;
}

function BookingList(props: { bookings: OwnBooking[]; empty: string }): Child {
	if (props.bookings.length === 0) return <p class="note">{props.empty}</p>;
	return (
		<ul class="bookings">
			{props.bookings.map((b) => (
				<li class={`booking ${b.status}`} data-booking={b.id}>
					<strong>{`${b.service.name} with ${b.staff.name}`}</strong>
					<span>{b.merchant.name}</span>
					<span>{when(b)}</span>
					{b.status === "cancelled" ? <span class="pill">Cancelled</span> : null}
					{b.meeting === null ? null : b.meeting.joinUrl !== null ? (
						<a class="join" href={b.meeting.joinUrl} target="_blank" rel="noopener noreferrer" aria-label={`Join the video meeting for ${b.service.name}`}>
							Join
						</a>
					) : (
						<span class="note">Meeting link pending: it will be emailed to you</span>
					)}
					<a href={b.manageUrl}>{b.status === "cancelled" ? "View" : "Change or cancel"}</a>
				</li>
			))}
		</ul>
	);
}

export async function accountPage(c: Context<AppEnv>): Promise<Response> {
	const user = c.var.user;
	const session = c.var.session;
	if (user === undefined || session === undefined) return c.redirect(`/signin?returnTo=${encodeURIComponent("/account")}`, 303);
	accountPageHeaders(c, { photos: true });
	const now = Date.now();
	const [profile, bookings] = await Promise.all([profileView(c.var.db, user.id, now), listOwnBookings(c.env, c.var.db, user.id)]);
	const me = profile.user;
	const { password, logins } = profile.signIn;
	const waysIn = (password ? 1 : 0) + logins.length;
	const upcoming = bookings.filter((b) => b.status === "confirmed" && Date.parse(b.end) > now);
	const past = bookings.filter((b) => !upcoming.includes(b)).reverse();
	const name = [me.firstName, me.lastName].filter((part) => part !== null).join(" ");
	const config = { page: "account", csrfToken: csrfTokenFor(c.env.SESSION_SECRET, session.id) };
	return c.html(
		<AccountLayout title="Your account" config={config}>
			<div class="profile-head">
				{me.photoUrl === null ? null : <img class="avatar" src={me.photoUrl} alt="" width="64" height="64" referrerpolicy="no-referrer" />}
				<div>
					<h1>{name === "" ? "Your account" : name}</h1>
					<p class="note" id="account-email">
						{me.email}
					</p>
				</div>
			</div>
			{profile.memberships.length > 0 ? (
				<p>
					<a href="/admin">Go to your business on Slotline</a>
				</p>
			) : null}

			<section class="card" aria-labelledby="bookings-title">
				<h2 id="bookings-title">Your bookings</h2>
				<BookingList bookings={upcoming} empty="No upcoming bookings." />
				{past.length > 0 ? (
					<details>
						<summary>{`Past and cancelled (${past.length})`}</summary>
						<BookingList bookings={past} empty="" />
					</details>
				) : null}
			</section>

			<section class="card" aria-labelledby="profile-title">
				<h2 id="profile-title">Profile</h2>
				<form id="profile-form" method="post" novalidate>
					<Field form="profile" name="firstName" label="First name" autocomplete="given-name" value={me.firstName} maxlength={100} />
					<Field form="profile" name="lastName" label="Last name" autocomplete="family-name" value={me.lastName} maxlength={100} />
					<Field form="profile" name="photoUrl" label="Photo URL (optional)" type="url" value={me.photoUrl} maxlength={2048} hint="An https:// address of a picture of you." />
					<FormError />
					<p class="form-done" role="status"></p>
					<button type="submit" class="primary">
						Save profile
					</button>
				</form>
			</section>

			<section class="card" aria-labelledby="email-title">
				<h2 id="email-title">Email address</h2>
				<p>
					{`${me.email} `}
					{me.emailVerified ? <span class="pill ok">Confirmed</span> : <span class="pill">Not confirmed yet</span>}
				</p>
				{me.emailVerified ? null : (
					<form id="resend-form" method="post" novalidate>
						<p>Open the link we emailed you to confirm it. Bookings made as a guest with this address join your account once it is confirmed.</p>
						<FormError />
						<p class="form-done" role="status"></p>
						<button type="submit">Send the link again</button>
					</form>
				)}
				{me.pendingEmail === null ? null : <Banner kind="info">{`Waiting for you to open the link we sent to ${me.pendingEmail}; until then your address stays ${me.email}.`}</Banner>}
				<form id="email-form" method="post" novalidate>
					<Field form="email" name="email" label="New email address" type="email" autocomplete="email" required maxlength={254} />
					<FormError />
					<p class="form-done" role="status"></p>
					<button type="submit">Change email address</button>
				</form>
			</section>

			<section class="card" aria-labelledby="password-title">
				<h2 id="password-title">{password ? "Password" : "Add a password"}</h2>
				<form id="password-form" method="post" novalidate data-has-password={password ? "true" : "false"}>
					{password ? (
						<Field form="password" name="currentPassword" label="Current password" type="password" autocomplete="current-password" required maxlength={256} />
					) : (
						<p>Add a password to sign in with your email address too, for example if you lose access to Google or Facebook.</p>
					)}
					<Field
						form="password"
						name="password"
						label={password ? "New password" : "Password"}
						type="password"
						autocomplete="new-password"
						required
						minlength={PASSWORD_MIN_LENGTH}
						maxlength={256}
						hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
					/>
					<p class="check">
						<input id="password-signout" name="signOutOtherDevices" type="checkbox" checked={password} />
						<label for="password-signout">Sign out on every other device</label>
					</p>
					<FormError />
					<p class="form-done" role="status"></p>
					<button type="submit" class="primary">
						{password ? "Change password" : "Add password"}
					</button>
				</form>
			</section>

			<section class="card" aria-labelledby="logins-title">
				<h2 id="logins-title">Ways to sign in</h2>
				<ul class="logins">
					{password ? <li>Email and password</li> : null}
					{logins.map((login) => (
						<li data-login={login.id}>
							<span>{`${PROVIDER_TITLES[login.provider]}${login.email === null ? "" : ` (${login.email})`}`}</span>
							<button type="button" class="ghost" data-unlink={login.id} data-provider={PROVIDER_TITLES[login.provider]} disabled={waysIn <= 1} aria-describedby={waysIn <= 1 ? "logins-last" : undefined}>
								{`Unlink ${PROVIDER_TITLES[login.provider]}`}
							</button>
						</li>
					))}
				</ul>
				{waysIn <= 1 && logins.length > 0 ? (
					<p class="note" id="logins-last">
						This is your only way to sign in. Add a password or link another login before removing it.
					</p>
				) : null}
				<p class="form-error" id="logins-error" role="alert"></p>
				<p class="actions">
					<a class="button secondary" href={`${providerStart("google", "/account")}&link=1`}>
						Link a Google account
					</a>
					<a class="button secondary" href={`${providerStart("facebook", "/account")}&link=1`}>
						Link a Facebook account
					</a>
				</p>
			</section>

			<section class="card" aria-labelledby="signout-title">
				<h2 id="signout-title">Sign out</h2>
				<p class="form-error" id="signout-error" role="alert"></p>
				<p class="actions">
					<button type="button" id="signout">
						Sign out
					</button>
					<button type="button" id="signout-all" class="danger">
						Sign out from every device
					</button>
				</p>
			</section>
			<NoScript />
		</AccountLayout>,
	);
}
