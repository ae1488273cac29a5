// OAuth for calendar connections (Google, Microsoft) through oauth4webapi: the consent URL, the
// code exchange and the refresh_token grant. Errors name the provider and OAuth code, never a token.
import * as oauth from "oauth4webapi";
import { ProviderError, TokenRevokedError } from "../calendars/provider";

export type OAuthProvider = "google" | "microsoft";

/**
 * The smallest scopes that list calendars and write events to one of them (docs/providers.md A7, B7).
 * Google refresh tokens need access_type=offline; Microsoft's need offline_access. Google's
 * calendar.events.owned reads only calendars the person owns: others are listed but not offered for
 * conflict checks (calendar.events.readonly would read them, at the cost of every calendar shared with
 * the person). Outlook colours come from the mailbox's default colour categories, named on the event,
 * so Microsoft needs nothing beyond Calendars.ReadWrite.
 */
export const CONNECT_SCOPES: Record<OAuthProvider, string> = {
	google: "https://www.googleapis.com/auth/calendar.events.owned https://www.googleapis.com/auth/calendar.calendarlist.readonly",
	microsoft: "Calendars.ReadWrite offline_access",
};

export interface TokenSet {
	accessToken: string;
	/** Null when the provider sent none (a Google refresh keeps the old one). */
	refreshToken: string | null;
	/** UTC epoch ms, or null when the provider did not say. */
	expiresAt: number | null;
	scope: string | null;
}

export interface OAuthFlow {
	state: string;
	codeVerifier: string;
}

type OAuthEnv = Pick<Env, "GOOGLE_ISSUER" | "GOOGLE_CLIENT_ID" | "GOOGLE_CLIENT_SECRET" | "MICROSOFT_AUTHORITY" | "MICROSOFT_CLIENT_ID" | "MICROSOFT_CLIENT_SECRET">;

const servers = new Map<string, Promise<oauth.AuthorizationServer>>();

function isLoopback(url: URL): boolean {
	return url.protocol === "http:" && (url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]");
}

/** Plain http only for the local sandbox; oauth4webapi refuses any other http issuer. */
function httpOptions(url: URL): { [oauth.allowInsecureRequests]?: boolean } {
	return isLoopback(url) ? { [oauth.allowInsecureRequests]: true } : {};
}

function issuerUrl(env: OAuthEnv, provider: OAuthProvider): URL {
	return new URL(provider === "google" ? env.GOOGLE_ISSUER : env.MICROSOFT_AUTHORITY);
}

function client(env: OAuthEnv, provider: OAuthProvider): { client: oauth.Client; auth: oauth.ClientAuth } {
	return provider === "google"
		? { client: { client_id: env.GOOGLE_CLIENT_ID }, auth: oauth.ClientSecretPost(env.GOOGLE_CLIENT_SECRET) }
		: { client: { client_id: env.MICROSOFT_CLIENT_ID }, auth: oauth.ClientSecretPost(env.MICROSOFT_CLIENT_SECRET) };
}

/**
 * Google by discovery. Microsoft's multi-tenant authority ("common") publishes a per-tenant issuer
 * that can never match, so its endpoints come from the documented layout under the authority.
 */
function server(env: OAuthEnv, provider: OAuthProvider): Promise<oauth.AuthorizationServer> {
	const issuer = issuerUrl(env, provider);
	const key = `${provider} ${issuer.href}`;
	let cached = servers.get(key);
	if (cached === undefined) {
		if (provider === "google") {
			cached = oauth.discoveryRequest(issuer, { algorithm: "oidc", ...httpOptions(issuer) }).then((response) => oauth.processDiscoveryResponse(issuer, response));
			cached.catch(() => servers.delete(key));
		} else {
			const base = issuer.href.replace(/\/v2\.0\/?$/, "");
			cached = Promise.resolve({
				issuer: issuer.href,
				authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
				token_endpoint: `${base}/oauth2/v2.0/token`,
			});
		}
		servers.set(key, cached);
	}
	return cached;
}

/** The consent URL; prompt=consent (Google) so a refresh token comes back even on a repeat connect. */
export async function authorizationUrl(env: OAuthEnv, provider: OAuthProvider, redirectUri: string, loginHint: string | null): Promise<{ url: URL; flow: OAuthFlow }> {
	const as = await server(env, provider);
	if (as.authorization_endpoint === undefined) throw new ProviderError(provider, 0, "noAuthorizationEndpoint", false, null);
	const flow: OAuthFlow = { state: oauth.generateRandomState(), codeVerifier: oauth.generateRandomCodeVerifier() };
	const url = new URL(as.authorization_endpoint);
	url.searchParams.set("client_id", client(env, provider).client.client_id);
	url.searchParams.set("redirect_uri", redirectUri);
	url.searchParams.set("response_type", "code");
	url.searchParams.set("scope", CONNECT_SCOPES[provider]);
	url.searchParams.set("state", flow.state);
	url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
	url.searchParams.set("code_challenge_method", "S256");
	if (provider === "google") {
		url.searchParams.set("access_type", "offline");
		url.searchParams.set("prompt", "consent");
		url.searchParams.set("include_granted_scopes", "false");
	}
	if (loginHint !== null) url.searchParams.set("login_hint", loginHint);
	return { url, flow };
}

/** Thrown when the person declined or the callback does not belong to the flow. */
export class ConnectFlowError extends Error {
	override readonly name = "ConnectFlowError";
	constructor(readonly reason: "denied" | "invalid") {
		super(`calendar connection ${reason}`);
	}
}

export async function exchangeCode(env: OAuthEnv, provider: OAuthProvider, callbackUrl: URL, flow: OAuthFlow, redirectUri: string, now: number): Promise<TokenSet> {
	const as = await server(env, provider);
	const { client: c, auth } = client(env, provider);
	let params: URLSearchParams;
	try {
		params = oauth.validateAuthResponse(as, c, callbackUrl, flow.state);
	} catch (error) {
		throw new ConnectFlowError(error instanceof oauth.AuthorizationResponseError ? "denied" : "invalid");
	}
	try {
		const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, redirectUri, flow.codeVerifier, httpOptions(issuerUrl(env, provider)));
		return tokenSet(await oauth.processAuthorizationCodeResponse(as, c, response), now);
	} catch {
		// Not the error itself: token endpoint errors can quote the request.
		throw new ConnectFlowError("invalid");
	}
}

/** The refresh_token grant. invalid_grant means the person must connect again. */
export async function refreshGrant(env: OAuthEnv, provider: OAuthProvider, refreshToken: string, now: number): Promise<TokenSet> {
	const as = await server(env, provider);
	const { client: c, auth } = client(env, provider);
	try {
		const response = await oauth.refreshTokenGrantRequest(as, c, auth, refreshToken, httpOptions(issuerUrl(env, provider)));
		return tokenSet(await oauth.processRefreshTokenResponse(as, c, response), now);
	} catch (error) {
		if (error instanceof oauth.ResponseBodyError) {
			if (error.error === "invalid_grant") throw new TokenRevokedError(provider, error.status, "invalid_grant");
			throw new ProviderError(provider, error.status, error.error, error.status === 429 || error.status >= 500, null, "token refresh failed");
		}
		throw new ProviderError(provider, 0, "tokenEndpoint", true, null, "token refresh failed");
	}
}

function tokenSet(response: oauth.TokenEndpointResponse, now: number): TokenSet {
	return {
		accessToken: response.access_token,
		refreshToken: response.refresh_token ?? null,
		expiresAt: typeof response.expires_in === "number" ? now + response.expires_in * 1000 : null,
		scope: response.scope ?? null,
	};
}
