// Zoom's OAuth server (zoom.us/oauth, docs/integrations.md 3.1): authorize with PKCE, a token endpoint that takes
// only HTTP Basic client authentication and rotates refresh tokens, and revoke.
import { Hono } from "hono";
import type { Context } from "hono";
import { faultGuard } from "../faults";
import type { IssuedTokens } from "../oauth/authorization-server";
import { authorizeHandler } from "../oauth/authorize";
import type { OAuthClient } from "../oauth/clients";
import { GrantError } from "../oauth/errors";
import { oauthSubject } from "../oauth/subject";
import type { SandboxState } from "../state";
import { zoomOAuthError, zoomOAuthFaultError } from "./errors";
import { DEFAULT_ZOOM_SCOPES, ensureZoomUser } from "./state";

/** Form body and query string together: Zoom's guides send the grant either way (3.1). */
async function params(c: Context): Promise<URLSearchParams> {
	const merged = new URLSearchParams(new URL(c.req.url).search);
	if (c.req.method === "POST") for (const [key, value] of new URLSearchParams(await c.req.text())) merged.set(key, value);
	return merged;
}

export function zoomOAuthRoutes(state: SandboxState): Hono {
	const app = new Hono();
	const guard = (endpoint: string): ReturnType<typeof faultGuard> => faultGuard(() => state.faults, "zoom", endpoint, zoomOAuthFaultError, oauthSubject(() => state.zoom.auth));

	/** The client of a token or revoke request: Basic credentials only, as Zoom requires. */
	function basicClient(c: Context): OAuthClient {
		const encoded = /^Basic\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
		const decoded = encoded === undefined ? "" : Buffer.from(encoded, "base64").toString("utf8");
		const colon = decoded.indexOf(":");
		// RFC 6749 2.3.1: each part is form-urlencoded before the Base64 (oauth4webapi encodes even "-");
		// Zoom's own ids and secrets are alphanumeric, so decoding changes nothing for them.
		const part = (value: string): string | undefined => {
			try {
				return decodeURIComponent(value.replaceAll("+", " "));
			} catch {
				return undefined;
			}
		};
		const id = colon <= 0 ? undefined : part(decoded.slice(0, colon));
		const client = id === undefined ? undefined : state.zoom.clients.get(id);
		if (client === undefined || client.clientSecret !== part(decoded.slice(colon + 1))) throw zoomOAuthError(401, "invalid_client", "Invalid client_id or client_secret");
		return client;
	}

	const authorize = authorizeHandler({
		providerTitle: "Zoom",
		clients: () => state.zoom.clients,
		users: () => state.zoom.users,
		server: () => state.zoom.auth,
		ensureUser: (email, name) => {
			const [firstName, ...rest] = (name ?? "").split(" ");
			ensureZoomUser(state.zoom, { email, ...(firstName === undefined || firstName === "" ? {} : { firstName, lastName: rest.join(" ") }) }, state.clock.now());
			return state.zoom.users.get(email) ?? state.zoom.users.upsert({ email });
		},
		scopeSeparator: /[ ,]+/,
		defaultScope: DEFAULT_ZOOM_SCOPES,
		issueRefreshToken: () => true,
	});
	app.get("/authorize", guard("authorize"), authorize);
	app.post("/authorize", authorize);

	app.post("/token", guard("token"), async (c) => {
		const client = basicClient(c);
		const form = await params(c);
		const grantType = form.get("grant_type");
		let issued: IssuedTokens;
		try {
			if (grantType === "authorization_code") {
				issued = state.zoom.auth.redeemCode(form.get("code") ?? "", client.clientId, form.get("redirect_uri"), form.get("code_verifier"));
			} else if (grantType === "refresh_token") {
				issued = state.zoom.auth.redeemRefreshToken(form.get("refresh_token") ?? "", client.clientId);
			} else {
				throw zoomOAuthError(400, "unsupported_grant_type", "Unsupported grant type");
			}
		} catch (error) {
			if (!(error instanceof GrantError)) throw error;
			// The words of Zoom's support article for a dead refresh token (3.1); the code failures are the sandbox's own.
			if (grantType === "refresh_token") throw zoomOAuthError(400, "invalid_grant", "Invalid Token!");
			if (error.failure === "redirect_mismatch") throw zoomOAuthError(400, "invalid_grant", "Redirect URI mismatch.");
			if (error.failure === "pkce_missing" || error.failure === "pkce_mismatch") throw zoomOAuthError(400, "invalid_grant", "Invalid code verifier.");
			throw zoomOAuthError(400, "invalid_grant", "Invalid authorization code");
		}
		return c.json(
			{
				access_token: issued.accessToken,
				token_type: "bearer",
				refresh_token: issued.refreshToken,
				// Zoom prints one second less than the hour the token lives (3.1).
				expires_in: issued.expiresIn - 1,
				scope: issued.grant.scope.join(" "),
			},
			200,
			{ "cache-control": "no-store" },
		);
	});

	app.post("/revoke", guard("revoke"), async (c) => {
		basicClient(c);
		const token = (await params(c)).get("token") ?? "";
		if (!state.zoom.auth.revokeToken(token)) throw zoomOAuthError(400, "invalid_request", "Invalid Token!");
		return c.json({ status: "success" });
	});
	return app;
}
