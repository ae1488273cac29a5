// Google's OAuth 2.0 / OpenID Connect endpoints: discovery, authorize+consent, token, userinfo, JWKS, revoke.
import { Hono } from "hono";
import { faultGuard } from "../faults";
import { authorizeHandler } from "../oauth/authorize";
import { oauthError } from "../oauth/errors";
import { oauthSubject } from "../oauth/subject";
import { signJwt } from "../oauth/keys";
import { tokenHandler } from "../oauth/token-endpoint";
import type { SandboxState } from "../state";
import { googleError, googleFaultError } from "./errors";
import { ensureGoogleUser } from "./state";

export function googleIssuer(state: SandboxState): string {
	return `${state.publicUrl}/google`;
}

export function googleOAuthRoutes(state: SandboxState): Hono {
	const app = new Hono();
	const guard = (endpoint: string): ReturnType<typeof faultGuard> =>
		faultGuard(() => state.faults, "google", endpoint, googleFaultError, oauthSubject(() => state.google.auth));

	app.get("/.well-known/openid-configuration", (c) => {
		const issuer = googleIssuer(state);
		return c.json({
			issuer,
			authorization_endpoint: `${issuer}/o/oauth2/v2/auth`,
			token_endpoint: `${issuer}/token`,
			userinfo_endpoint: `${issuer}/v1/userinfo`,
			revocation_endpoint: `${issuer}/revoke`,
			jwks_uri: `${issuer}/oauth2/v3/certs`,
			response_types_supported: ["code"],
			subject_types_supported: ["public"],
			id_token_signing_alg_values_supported: ["RS256"],
			scopes_supported: ["openid", "email", "profile"],
			token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
			claims_supported: ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub", "nonce"],
			code_challenge_methods_supported: ["plain", "S256"],
			grant_types_supported: ["authorization_code", "refresh_token"],
		});
	});
	app.get("/oauth2/v3/certs", (c) => c.json(state.keys.jwks));

	const authorize = authorizeHandler({
		providerTitle: "Google",
		clients: () => state.google.clients,
		users: () => state.google.users,
		server: () => state.google.auth,
		ensureUser: (email, name) => ensureGoogleUser(state.google, name === undefined ? { email } : { email, name }),
		scopeSeparator: " ",
		// Google issues a refresh token for offline access only on first consent or with prompt=consent.
		issueRefreshToken: (params, user) =>
			params.get("access_type") === "offline" &&
			((params.get("prompt") ?? "").split(" ").includes("consent") || !state.google.auth.hasConsented(user.email, params.get("client_id") ?? "")),
	});
	app.get("/o/oauth2/v2/auth", guard("authorize"), authorize);
	app.post("/o/oauth2/v2/auth", authorize);

	app.post(
		"/token",
		guard("token"),
		tokenHandler({
			clients: () => state.google.clients,
			server: () => state.google.auth,
			idToken: async (grant) => {
				if (!grant.scope.includes("openid")) return null;
				const user = state.google.users.get(grant.userEmail);
				if (user === undefined) return null;
				const iat = Math.floor(state.clock.now() / 1000);
				return signJwt(state.keys, {
					iss: googleIssuer(state),
					aud: grant.clientId,
					azp: grant.clientId,
					sub: user.sub,
					email: user.email,
					email_verified: user.emailVerified,
					name: user.name,
					given_name: user.givenName,
					family_name: user.familyName,
					picture: user.picture,
					iat,
					exp: iat + 3600,
					...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
				});
			},
		}),
	);

	app.on(["GET", "POST"], "/v1/userinfo", guard("userinfo"), (c) => {
		const token = c.req.header("authorization")?.replace(/^Bearer\s+/i, "") ?? "";
		const access = state.google.auth.verifyAccessToken(token);
		const user = access === null ? undefined : state.google.users.get(access.userEmail);
		if (user === undefined) throw googleError(401, "authError", "Invalid Credentials", {}, { "www-authenticate": 'Bearer error="invalid_token"' });
		return c.json({
			sub: user.sub,
			name: user.name,
			given_name: user.givenName,
			family_name: user.familyName,
			picture: user.picture,
			email: user.email,
			email_verified: user.emailVerified,
		});
	});

	app.post("/revoke", guard("revoke"), async (c) => {
		const form = new URLSearchParams(await c.req.text());
		const token = form.get("token") ?? c.req.query("token");
		if (token === undefined || !state.google.auth.revokeToken(token)) {
			throw oauthError(400, "invalid_token", "Token expired or revoked");
		}
		return c.json({});
	});
	return app;
}
