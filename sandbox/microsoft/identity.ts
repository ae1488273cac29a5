// Microsoft identity platform v2 stand-in: discovery, authorize+consent, token (rotating refresh tokens), keys.
import { Hono } from "hono";
import type { Context } from "hono";
import { faultGuard } from "../faults";
import { SandboxHttpError } from "../http-error";
import { authorizeHandler } from "../oauth/authorize";
import { signJwt } from "../oauth/keys";
import { tokenHandler } from "../oauth/token-endpoint";
import type { SandboxState } from "../state";
import { graphFaultError } from "./errors";
import { ensureMicrosoftUser } from "./state";
import { SANDBOX_TENANT_ID } from "./subscriptions";

export function microsoftIssuer(state: SandboxState): string {
	return `${state.publicUrl}/microsoft/${SANDBOX_TENANT_ID}/v2.0`;
}

export function microsoftIdentityRoutes(state: SandboxState): Hono {
	const app = new Hono();
	const guard = (endpoint: string): ReturnType<typeof faultGuard> => faultGuard(() => state.faults, "microsoft", endpoint, graphFaultError);

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
			// Entra reports revoked grants as AADSTS50173.
			if (error instanceof SandboxHttpError && (error.body as { error?: string }).error === "invalid_grant") {
				throw new SandboxHttpError(400, { error: "invalid_grant", error_description: "AADSTS50173: The provided grant has expired due to it being revoked.", error_codes: [50173] }, error.headers);
			}
			throw error;
		}
	});
	return app;
}
