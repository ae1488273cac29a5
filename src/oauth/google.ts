// Google's OAuth client: sign-in (OpenID Connect, with nonce and a checked ID token) and calendar
// connections (offline access, refresh). Configured through the constructor; endpoints by discovery.
import type { Authorization, ConnectionClient, NonceFlow, PkceFlow, TokenSet } from "./client";
import { discover, OAuthServer } from "./client";
import type { ProviderProfile } from "./profile";

export interface GoogleOAuthConfig {
	/** https://accounts.google.com in production; the sandbox's /google locally. */
	issuer: string;
	clientId: string;
	clientSecret: string;
	/** Where Google sends the browser back: the sign-in's or the calendar connection's callback. */
	redirectUri: string;
}

const SIGN_IN_SCOPE = "openid email profile";

/**
 * The smallest scopes that list calendars and write events to one of them (docs/providers.md A7).
 * calendar.events.owned reads only calendars the person owns: others are listed but not offered for
 * conflict checks (calendar.events.readonly would read them, at the cost of every calendar shared with
 * the person).
 */
const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar.events.owned https://www.googleapis.com/auth/calendar.calendarlist.readonly";

/** A refresh token needs access_type=offline; prompt=consent returns one even on a repeat connect. */
const OFFLINE_ACCESS = { access_type: "offline", prompt: "consent", include_granted_scopes: "false" };

function optionalString(value: unknown): string | null {
	return typeof value === "string" && value !== "" ? value : null;
}

export class GoogleOAuth implements ConnectionClient {
	private readonly server: OAuthServer;

	constructor(config: GoogleOAuthConfig) {
		const issuer = new URL(config.issuer);
		this.server = new OAuthServer({ provider: "google", server: () => discover(issuer), origin: issuer, ...config });
	}

	/** The Google URL to send the browser to for sign-in, and the values to keep until the callback. */
	startSignIn(loginHint: string | null): Promise<Authorization<NonceFlow>> {
		return this.server.signInAuthorization(SIGN_IN_SCOPE, loginHint);
	}

	/** Checks state, redeems the code with the PKCE verifier, and verifies the ID token (signature, iss, aud, exp, nonce). */
	async finishSignIn(callbackUrl: URL, flow: NonceFlow): Promise<ProviderProfile> {
		const claims = await this.server.redeemIdToken(callbackUrl, flow);
		return {
			subject: claims.sub,
			email: optionalString(claims["email"])?.toLowerCase() ?? null,
			emailVerified: claims["email_verified"] === true,
			givenName: optionalString(claims["given_name"]),
			familyName: optionalString(claims["family_name"]),
			picture: optionalString(claims["picture"]),
		};
	}

	startConnection(loginHint: string | null): Promise<Authorization<PkceFlow>> {
		return this.server.authorization(CALENDAR_SCOPE, loginHint, OFFLINE_ACCESS);
	}

	finishConnection(callbackUrl: URL, flow: PkceFlow, now: number): Promise<TokenSet> {
		return this.server.redeem(callbackUrl, flow, now);
	}

	/** A Google refresh returns no new refresh token: the caller keeps the old one. */
	refresh(refreshToken: string, now: number): Promise<TokenSet> {
		return this.server.refresh(refreshToken, now);
	}
}
