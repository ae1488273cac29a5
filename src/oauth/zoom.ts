// Zoom's OAuth client for a user-managed app (video meetings on bookings): authorization code with PKCE,
// HTTP Basic client authentication at the token endpoint (Zoom's documented form), and refresh tokens
// that rotate on every refresh, the previous one dying at once (docs/integrations.md 3.1).
import type { AuthorizationServer } from "oauth4webapi";
import type { Authorization, ConnectionClient, PkceFlow, TokenSet } from "./client";
import { OAuthError, OAuthServer } from "./client";

export interface ZoomOAuthConfig {
	/** https://zoom.us/oauth in production; the sandbox's /zoom/oauth locally. */
	base: string;
	clientId: string;
	clientSecret: string;
	redirectUri: string;
}

/**
 * Granular scopes (new app registrations cannot ask for the classic bundles): who the account is, and
 * creating, reading, updating, deleting and listing its meetings; the list is how a meeting whose
 * creation lost its answer is found again instead of created twice.
 */
const MEETING_SCOPE = ["user:read:user", "meeting:write:meeting", "meeting:read:meeting", "meeting:update:meeting", "meeting:delete:meeting", "meeting:read:list_meetings"].join(" ");

/** Zoom publishes no discovery document: the endpoints are the documented ones under the base. */
function documentedServer(base: URL): AuthorizationServer {
	const root = base.href.replace(/\/$/, "");
	return { issuer: root, authorization_endpoint: `${root}/authorize`, token_endpoint: `${root}/token` };
}

export class ZoomOAuth implements ConnectionClient {
	private readonly server: OAuthServer;

	constructor(private readonly config: ZoomOAuthConfig) {
		const base = new URL(config.base);
		const server = Promise.resolve(documentedServer(base));
		this.server = new OAuthServer({ provider: "zoom", server: () => server, origin: base, clientAuthentication: "basic", ...config });
	}

	/** Zoom has no login hint; the person signs in to the account they mean. */
	startConnection(): Promise<Authorization<PkceFlow>> {
		return this.server.authorization(MEETING_SCOPE, null);
	}

	finishConnection(callbackUrl: URL, flow: PkceFlow, now: number): Promise<TokenSet> {
		return this.server.redeem(callbackUrl, flow, now);
	}

	/**
	 * Every refresh returns a new refresh token and ends the old one: the caller must store the new pair
	 * before using it, and never run two refreshes of one connection at once.
	 */
	refresh(refreshToken: string, now: number): Promise<TokenSet> {
		return this.server.refresh(refreshToken, now);
	}

	/**
	 * Ends the grant (Disconnect): POST {base}/revoke with the token and the client's Basic credentials,
	 * answered {"status":"success"}. Any refusal is an OAuthError carrying Zoom's error code and status.
	 */
	async revoke(token: string): Promise<void> {
		const basic = btoa(`${encodeURIComponent(this.config.clientId)}:${encodeURIComponent(this.config.clientSecret)}`);
		const response = await fetch(`${this.config.base.replace(/\/$/, "")}/revoke`, {
			method: "POST",
			headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ token }),
		}).catch(() => null);
		if (response === null) throw new OAuthError("zoom", "invalid", "revokeEndpoint");
		const body = (await response.json().catch(() => ({}))) as { error?: unknown };
		if (!response.ok) throw new OAuthError("zoom", "invalid", typeof body.error === "string" ? body.error : "revokeRefused", response.status);
	}
}
