// Microsoft identity platform's OAuth client for calendar connections (offline access, rotating refresh
// tokens). Configured through the constructor; endpoints from the documented layout under the authority.
import type { AuthorizationServer } from "oauth4webapi";
import type { Authorization, ConnectionClient, PkceFlow, TokenSet } from "./client";
import { OAuthServer } from "./client";

export interface MicrosoftOAuthConfig {
	/** https://login.microsoftonline.com/common/v2.0 in production; the sandbox's locally. */
	authority: string;
	clientId: string;
	clientSecret: string;
	redirectUri: string;
}

/**
 * Calendars.ReadWrite lists calendars and writes events (docs/providers.md B7); Outlook colours come from
 * the mailbox's default colour categories, named on the event, so nothing more is needed. offline_access
 * is what returns a refresh token.
 */
const CALENDAR_SCOPE = "Calendars.ReadWrite offline_access";

/**
 * Not by discovery: the multi-tenant authority ("common") publishes a per-tenant issuer that can never
 * match, so the endpoints come from the documented layout under the authority.
 */
function documentedServer(authority: URL): AuthorizationServer {
	const base = authority.href.replace(/\/v2\.0\/?$/, "");
	return { issuer: authority.href, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, token_endpoint: `${base}/oauth2/v2.0/token` };
}

export class MicrosoftOAuth implements ConnectionClient {
	private readonly server: OAuthServer;

	constructor(config: MicrosoftOAuthConfig) {
		const authority = new URL(config.authority);
		const server = Promise.resolve(documentedServer(authority));
		this.server = new OAuthServer({ provider: "microsoft", server: () => server, origin: authority, ...config });
	}

	startConnection(loginHint: string | null): Promise<Authorization<PkceFlow>> {
		return this.server.authorization(CALENDAR_SCOPE, loginHint);
	}

	finishConnection(callbackUrl: URL, flow: PkceFlow, now: number): Promise<TokenSet> {
		return this.server.redeem(callbackUrl, flow, now);
	}

	/** Microsoft rotates refresh tokens: the caller stores the new one. */
	refresh(refreshToken: string, now: number): Promise<TokenSet> {
		return this.server.refresh(refreshToken, now);
	}
}
