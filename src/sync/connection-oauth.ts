// The OAuth client of a calendar connection (Google, Microsoft), built from env: the one place that
// reads a connection's OAuth configuration, for the consent, the callback and every token refresh.
import type { ConnectionClient } from "../oauth/client";
import { GoogleOAuth } from "../oauth/google";
import { MicrosoftOAuth } from "../oauth/microsoft";

/** The calendar providers connected through OAuth (the others take a password or a feed URL). */
export type OAuthProvider = "google" | "microsoft";

type ConnectionOAuthEnv = Pick<Env, "APP_URL" | "GOOGLE_ISSUER" | "GOOGLE_CLIENT_ID" | "GOOGLE_CLIENT_SECRET" | "MICROSOFT_AUTHORITY" | "MICROSOFT_CLIENT_ID" | "MICROSOFT_CLIENT_SECRET">;

export function connectionOAuth(env: ConnectionOAuthEnv, provider: OAuthProvider): ConnectionClient {
	const redirectUri = new URL(`/connect/${provider}/callback`, env.APP_URL).toString();
	return provider === "google"
		? new GoogleOAuth({ issuer: env.GOOGLE_ISSUER, clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET, redirectUri })
		: new MicrosoftOAuth({ authority: env.MICROSOFT_AUTHORITY, clientId: env.MICROSOFT_CLIENT_ID, clientSecret: env.MICROSOFT_CLIENT_SECRET, redirectUri });
}
