// The OAuth client of a connection (Google, Microsoft calendars; Zoom meetings), built from env: the one
// place that reads a connection's OAuth configuration, for the consent, the callback and every token refresh.
import type { ConnectionClient } from "../oauth/client";
import { GoogleOAuth } from "../oauth/google";
import { MicrosoftOAuth } from "../oauth/microsoft";
import { ZoomOAuth } from "../oauth/zoom";

/** The calendar providers connected through OAuth (the others take a password or a feed URL). */
export type OAuthProvider = "google" | "microsoft";

/** Every provider connected through OAuth: the calendar ones, and Zoom. */
export type OAuthConnectionProvider = OAuthProvider | "zoom";

type ConnectionOAuthEnv = Pick<
	Env,
	"APP_URL" | "GOOGLE_ISSUER" | "GOOGLE_CLIENT_ID" | "GOOGLE_CLIENT_SECRET" | "MICROSOFT_AUTHORITY" | "MICROSOFT_CLIENT_ID" | "MICROSOFT_CLIENT_SECRET" | "ZOOM_OAUTH_URL" | "ZOOM_CLIENT_ID" | "ZOOM_CLIENT_SECRET"
>;

export function connectionOAuth(env: ConnectionOAuthEnv, provider: OAuthConnectionProvider): ConnectionClient {
	const redirectUri = new URL(`/connect/${provider}/callback`, env.APP_URL).toString();
	switch (provider) {
		case "google":
			return new GoogleOAuth({ issuer: env.GOOGLE_ISSUER, clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET, redirectUri });
		case "microsoft":
			return new MicrosoftOAuth({ authority: env.MICROSOFT_AUTHORITY, clientId: env.MICROSOFT_CLIENT_ID, clientSecret: env.MICROSOFT_CLIENT_SECRET, redirectUri });
		case "zoom":
			return zoomOAuth(env);
	}
}

/** Zoom's client itself, for what only Zoom's has (revoking a grant on Disconnect). */
export function zoomOAuth(env: Pick<ConnectionOAuthEnv, "APP_URL" | "ZOOM_OAUTH_URL" | "ZOOM_CLIENT_ID" | "ZOOM_CLIENT_SECRET">): ZoomOAuth {
	const redirectUri = new URL("/connect/zoom/callback", env.APP_URL).toString();
	return new ZoomOAuth({ base: env.ZOOM_OAUTH_URL, clientId: env.ZOOM_CLIENT_ID, clientSecret: env.ZOOM_CLIENT_SECRET, redirectUri });
}
