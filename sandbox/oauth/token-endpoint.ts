// Token endpoint shared by the sandbox providers: authorization_code (with PKCE) and refresh_token grants.
import type { Context } from "hono";
import type { AuthorizationServer, Grant } from "./authorization-server";
import type { ClientRegistry } from "./clients";
import { oauthError } from "./errors";

export interface TokenEndpointOptions {
	clients: () => ClientRegistry;
	server: () => AuthorizationServer;
	/** Builds the provider's ID token when the grant asked for `openid`; null otherwise. */
	idToken: (grant: Grant) => Promise<string | null>;
	extraFields?: Record<string, unknown>;
}

export function tokenHandler(options: TokenEndpointOptions): (c: Context) => Promise<Response> {
	return async function token(c: Context): Promise<Response> {
		const form = new URLSearchParams(await c.req.text());
		const client = options.clients().authenticate(form, c.req.header("authorization"));
		const grantType = form.get("grant_type");
		let issued;
		if (grantType === "authorization_code") {
			const code = form.get("code");
			if (code === null) throw oauthError(400, "invalid_request", "Missing required parameter: code");
			issued = options.server().redeemCode(code, client.clientId, form.get("redirect_uri"), form.get("code_verifier"));
		} else if (grantType === "refresh_token") {
			const refreshToken = form.get("refresh_token");
			if (refreshToken === null) throw oauthError(400, "invalid_request", "Missing required parameter: refresh_token");
			issued = options.server().redeemRefreshToken(refreshToken, client.clientId);
		} else {
			throw oauthError(400, "unsupported_grant_type", `Unsupported grant type: ${grantType ?? "(none)"}`);
		}
		const body: Record<string, unknown> = {
			access_token: issued.accessToken,
			expires_in: issued.expiresIn,
			token_type: "Bearer",
			scope: issued.grant.scope.join(" "),
			...options.extraFields,
		};
		if (issued.refreshToken !== undefined) body.refresh_token = issued.refreshToken;
		const idToken = await options.idToken(issued.grant);
		if (idToken !== null) body.id_token = idToken;
		return c.json(body, 200, { "cache-control": "no-store", pragma: "no-cache" });
	};
}
