// Microsoft identity platform v2 stand-in: discovery, authorize+consent, token (rotating refresh tokens), keys.
import { Hono } from "hono";
import type { Context } from "hono";
import { faultGuard } from "../faults";
import { SandboxHttpError } from "../http-error";
import { authorizeHandler } from "../oauth/authorize";
import type { GrantFailure } from "../oauth/errors";
import { GrantError } from "../oauth/errors";
import { signJwt } from "../oauth/keys";
import { oauthSubject } from "../oauth/subject";
import { tokenHandler } from "../oauth/token-endpoint";
import type { SandboxState } from "../state";
import { graphError, graphFaultError } from "./errors";
import { ensureMicrosoftUser } from "./state";
import { SANDBOX_TENANT_ID } from "./subscriptions";

/** Entra's AADSTS number and wording for each refused grant (docs/providers.md B7, [X23]). */
const AADSTS: Record<GrantFailure, { code: number; message: string }> = {
	unknown_code: { code: 70000, message: "The provided value for the 'code' parameter is not valid." },
	client_mismatch: { code: 70000, message: "The provided authorization code was issued to a different client." },
	code_replayed: { code: 54005, message: "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token." },
	code_expired: { code: 70008, message: "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource." },
	redirect_mismatch: { code: 500112, message: "The reply address does not match the reply address provided when requesting Authorization code." },
	pkce_missing: { code: 501481, message: "The Code_Verifier does not match the code_challenge supplied in the authorization request." },
	pkce_mismatch: { code: 501481, message: "The Code_Verifier does not match the code_challenge supplied in the authorization request." },
	unknown_refresh_token: { code: 9002313, message: "Invalid request. Request is malformed or invalid." },
	refresh_revoked: { code: 50173, message: "The provided grant has expired due to it being revoked, a fresh auth token is needed." },
	refresh_expired: { code: 700082, message: "The refresh token has expired due to inactivity. The token was issued on a date more than 90 days ago." },
	refresh_inactive: { code: 700082, message: "The refresh token has expired due to inactivity. The token was issued on a date more than 90 days ago." },
};

function entraGrantError(failure: GrantFailure): SandboxHttpError {
	const { code, message } = AADSTS[failure];
	return new SandboxHttpError(
		400,
		{ error: "invalid_grant", error_description: `AADSTS${code}: ${message}`, error_codes: [code], timestamp: new Date().toISOString().replace("T", " ").slice(0, 19) + "Z" },
		{ "cache-control": "no-store" },
	);
}

export function microsoftIssuer(state: SandboxState): string {
	return `${state.publicUrl}/microsoft/${SANDBOX_TENANT_ID}/v2.0`;
}

export function microsoftIdentityRoutes(state: SandboxState): Hono {
	const app = new Hono();
	const guard = (endpoint: string): ReturnType<typeof faultGuard> =>
		faultGuard(() => state.faults, "microsoft", endpoint, graphFaultError, oauthSubject(() => state.microsoft.auth));

	// Every tenant path (common, organizations, consumers, a GUID) answers for the one sandbox tenant.
	app.get("/:tenant/v2.0/.well-known/openid-configuration", (c) => {
		const base = `${state.publicUrl}/microsoft/${c.req.param("tenant")}`;
		return c.json({
			issuer: microsoftIssuer(state),
			authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
			token_endpoint: `${base}/oauth2/v2.0/token`,
			jwks_uri: `${base}/discovery/v2.0/keys`,
			userinfo_endpoint: `${state.publicUrl}/microsoft/graph/oidc/userinfo`,
			response_types_supported: ["code"],
			subject_types_supported: ["pairwise"],
			id_token_signing_alg_values_supported: ["RS256"],
			scopes_supported: ["openid", "profile", "email", "offline_access"],
			token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
			code_challenge_methods_supported: ["plain", "S256"],
		});
	});
	app.get("/:tenant/discovery/v2.0/keys", (c) => c.json(state.keys.jwks));

	// The userinfo endpoint the discovery document advertises (Graph's /oidc/userinfo): the ID token's
	// subject and profile claims for a Graph access token; email only with the email scope.
	app.on(["GET", "POST"], "/graph/oidc/userinfo", guard("userinfo"), (c) => {
		const token = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
		const access = state.microsoft.auth.verifyAccessToken(token);
		const user = access === null ? undefined : state.microsoft.users.get(access.userEmail);
		if (access === null || user === undefined) throw graphError(401, "InvalidAuthenticationToken", "Access token is empty or invalid.", { "www-authenticate": 'Bearer error="invalid_token"' });
		if (!access.scope.includes("openid")) throw graphError(403, "Authorization_RequestDenied", "The access token was not issued for the openid scope.");
		const body: Record<string, unknown> = { sub: user.sub, name: user.name, family_name: user.familyName, given_name: user.givenName, picture: user.picture };
		if (access.scope.includes("email")) body.email = user.email;
		return c.json(body);
	});

	const authorize = authorizeHandler({
		providerTitle: "Microsoft",
		clients: () => state.microsoft.clients,
		users: () => state.microsoft.users,
		server: () => state.microsoft.auth,
		ensureUser: (email, name) => ensureMicrosoftUser(state.microsoft, name === undefined ? { email } : { email, name }),
		scopeSeparator: " ",
		// A refresh token only comes with the offline_access scope.
		issueRefreshToken: (params) => (params.get("scope") ?? "").split(" ").includes("offline_access"),
	});
	app.get("/:tenant/oauth2/v2.0/authorize", guard("authorize"), authorize);
	app.post("/:tenant/oauth2/v2.0/authorize", authorize);

	const token = tokenHandler({
		clients: () => state.microsoft.clients,
		server: () => state.microsoft.auth,
		extraFields: { ext_expires_in: 3600 },
		idToken: async (grant) => {
			const user = state.microsoft.users.get(grant.userEmail);
			if (!grant.scope.includes("openid") || user === undefined) return null;
			const iat = Math.floor(state.clock.now() / 1000);
			return signJwt(state.keys, {
				ver: "2.0",
				iss: microsoftIssuer(state),
				aud: grant.clientId,
				sub: user.sub,
				oid: user.sub,
				tid: SANDBOX_TENANT_ID,
				name: user.name,
				preferred_username: user.email,
				email: user.email,
				iat,
				nbf: iat,
				exp: iat + 3600,
				...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
			});
		},
	});
	app.post("/:tenant/oauth2/v2.0/token", guard("token"), async (c: Context) => {
		try {
			return await token(c);
		} catch (error) {
			if (error instanceof GrantError) throw entraGrantError(error.failure);
			throw error;
		}
	});
	return app;
}
