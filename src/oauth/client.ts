// What every OAuth client in src/oauth shares, on oauth4webapi: the PKCE authorisation URL, the code and
// refresh grants, discovery, the plain-http rule and the one error type. A new provider (HubSpot next)
// is one more file beside google.ts, microsoft.ts, facebook.ts and zoom.ts, built on these.
import * as oauth from "oauth4webapi";

/** What must survive the round trip to the provider (kept by the caller until the callback). */
export interface PkceFlow {
	state: string;
	codeVerifier: string;
}

/** A sign-in's flow: OpenID Connect adds the nonce the ID token must carry. */
export interface NonceFlow extends PkceFlow {
	nonce: string;
}

/** Where to send the browser, and the flow to keep until it comes back. */
export interface Authorization<Flow extends PkceFlow> {
	url: URL;
	flow: Flow;
}

export interface TokenSet {
	accessToken: string;
	/** Null when the provider sent none (a Google refresh keeps the old one). */
	refreshToken: string | null;
	/** UTC epoch ms, or null when the provider did not say. */
	expiresAt: number | null;
	scope: string | null;
}

/** A client that connects an account for lasting access: offline consent, code exchange and refresh. */
export interface ConnectionClient {
	startConnection(loginHint: string | null): Promise<Authorization<PkceFlow>>;
	finishConnection(callbackUrl: URL, flow: PkceFlow, now: number): Promise<TokenSet>;
	refresh(refreshToken: string, now: number): Promise<TokenSet>;
}

/**
 * An OAuth step failed: the person declined ("denied"), or a callback, code or token did not check out
 * or was refused ("invalid"). `code` is the provider's OAuth error ("invalid_grant") or the failed check
 * ("OAUTH_JWT_TIMESTAMP_CHECK_FAILED:exp"); never a message, which may quote a token.
 */
export class OAuthError extends Error {
	override readonly name = "OAuthError";
	constructor(
		readonly provider: string,
		readonly reason: "denied" | "invalid",
		readonly code: string,
		/** The token endpoint's HTTP status; 0 when none answered or the failure was ours. */
		readonly status = 0,
	) {
		super(`${provider} OAuth ${reason} (${code})`);
	}
}

/** The failed check behind an oauth4webapi error, with the claim for JWT timestamp and claim checks. */
function failedCheck(error: unknown): string {
	if (error instanceof oauth.ResponseBodyError) return error.error;
	if (error instanceof oauth.OperationProcessingError) {
		const claim = (error.cause as { claim?: unknown } | undefined)?.claim;
		return typeof claim === "string" ? `${error.code ?? error.name}:${claim}` : (error.code ?? error.name);
	}
	return error instanceof Error ? error.name : "unknown";
}

type HttpOptions = { [oauth.allowInsecureRequests]?: boolean };

/** Plain http only for the local sandbox on loopback; oauth4webapi refuses any other http endpoint. */
export function httpOptions(url: URL): HttpOptions {
	const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]";
	return url.protocol === "http:" && loopback ? { [oauth.allowInsecureRequests]: true } : {};
}

const discovered = new Map<string, Promise<oauth.AuthorizationServer>>();

/** OpenID discovery, once per issuer and isolate; a failure is retried on the next use rather than kept. */
export function discover(issuer: URL): Promise<oauth.AuthorizationServer> {
	let cached = discovered.get(issuer.href);
	if (cached === undefined) {
		cached = oauth.discoveryRequest(issuer, { algorithm: "oidc", ...httpOptions(issuer) }).then((response) => oauth.processDiscoveryResponse(issuer, response));
		cached.catch(() => discovered.delete(issuer.href));
		discovered.set(issuer.href, cached);
	}
	return cached;
}

export interface AuthorizationRequest {
	clientId: string;
	redirectUri: string;
	scope: string;
	loginHint: string | null;
	/** OpenID Connect sign-in: the nonce the ID token must carry. */
	nonce?: string;
	/** Provider-specific parameters (Google's offline access). */
	params?: Record<string, string>;
}

/** The authorisation URL with state and PKCE (S256), and the flow to keep until the callback. */
export async function pkceAuthorization(endpoint: URL, request: AuthorizationRequest): Promise<Authorization<PkceFlow>> {
	const flow: PkceFlow = { state: oauth.generateRandomState(), codeVerifier: oauth.generateRandomCodeVerifier() };
	const url = new URL(endpoint);
	url.searchParams.set("client_id", request.clientId);
	url.searchParams.set("redirect_uri", request.redirectUri);
	url.searchParams.set("response_type", "code");
	url.searchParams.set("scope", request.scope);
	url.searchParams.set("state", flow.state);
	if (request.nonce !== undefined) url.searchParams.set("nonce", request.nonce);
	url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
	url.searchParams.set("code_challenge_method", "S256");
	for (const [key, value] of Object.entries(request.params ?? {})) url.searchParams.set(key, value);
	if (request.loginHint !== null) url.searchParams.set("login_hint", request.loginHint);
	return { url, flow };
}

export interface OAuthServerConfig {
	/** Names the provider in errors. */
	provider: string;
	/** The authorisation server's metadata: by discovery, or from a documented layout. */
	server: () => Promise<oauth.AuthorizationServer>;
	/** The issuer or authority: decides whether plain http is allowed (the local sandbox only). */
	origin: URL;
	clientId: string;
	clientSecret: string;
	redirectUri: string;
	/** How the client authenticates at the token endpoint: in the form body (the default) or HTTP Basic (Zoom). */
	clientAuthentication?: "post" | "basic";
}

/** A standard authorisation server (Google, Microsoft, Zoom): its authorisation URL, code grant and refresh grant. */
export class OAuthServer {
	private readonly client: oauth.Client;
	private readonly auth: oauth.ClientAuth;
	private readonly http: HttpOptions;

	constructor(private readonly config: OAuthServerConfig) {
		this.client = { client_id: config.clientId };
		this.auth = config.clientAuthentication === "basic" ? oauth.ClientSecretBasic(config.clientSecret) : oauth.ClientSecretPost(config.clientSecret);
		this.http = httpOptions(config.origin);
	}

	async authorization(scope: string, loginHint: string | null, params?: Record<string, string>): Promise<Authorization<PkceFlow>> {
		return pkceAuthorization(await this.endpoint(), { clientId: this.config.clientId, redirectUri: this.config.redirectUri, scope, loginHint, params });
	}

	/** An OpenID Connect sign-in's authorisation URL: the flow carries the nonce as well. */
	async signInAuthorization(scope: string, loginHint: string | null): Promise<Authorization<NonceFlow>> {
		const nonce = oauth.generateRandomNonce();
		const { url, flow } = await pkceAuthorization(await this.endpoint(), { clientId: this.config.clientId, redirectUri: this.config.redirectUri, scope, loginHint, nonce });
		return { url, flow: { ...flow, nonce } };
	}

	/** Checks the callback against the flow and redeems its code with the PKCE verifier. */
	async redeem(callbackUrl: URL, flow: PkceFlow, now: number): Promise<TokenSet> {
		const as = await this.config.server();
		const params = this.callbackParams(as, callbackUrl, flow);
		try {
			const response = await this.codeGrant(as, params, flow);
			return tokenSet(await oauth.processAuthorizationCodeResponse(as, this.client, response), now);
		} catch (error) {
			throw new OAuthError(this.config.provider, "invalid", failedCheck(error), statusOf(error));
		}
	}

	/** As redeem, for OpenID Connect: the ID token is required, and its signature, iss, aud, exp and nonce are checked. */
	async redeemIdToken(callbackUrl: URL, flow: NonceFlow): Promise<oauth.IDToken> {
		const as = await this.config.server();
		const params = this.callbackParams(as, callbackUrl, flow);
		try {
			const response = await this.codeGrant(as, params, flow);
			const result = await oauth.processAuthorizationCodeResponse(as, this.client, response, { expectedNonce: flow.nonce, requireIdToken: true });
			// oauth4webapi trusts TLS for the token response; checking the signature as well costs one
			// cached JWKS fetch and also covers the plain-http sandbox.
			await oauth.validateApplicationLevelSignature(as, response, this.http);
			const claims = oauth.getValidatedIdTokenClaims(result);
			if (claims === undefined) throw new Error("no ID token");
			return claims;
		} catch (error) {
			throw new OAuthError(this.config.provider, "invalid", failedCheck(error), statusOf(error));
		}
	}

	/** The refresh_token grant: an `invalid_grant` OAuthError means the person must connect again. */
	async refresh(refreshToken: string, now: number): Promise<TokenSet> {
		const as = await this.config.server();
		try {
			const response = await oauth.refreshTokenGrantRequest(as, this.client, this.auth, refreshToken, this.http);
			return tokenSet(await oauth.processRefreshTokenResponse(as, this.client, response), now);
		} catch (error) {
			if (error instanceof oauth.ResponseBodyError) throw new OAuthError(this.config.provider, "invalid", error.error, error.status);
			throw new OAuthError(this.config.provider, "invalid", "tokenEndpoint");
		}
	}

	private async endpoint(): Promise<URL> {
		const as = await this.config.server();
		if (as.authorization_endpoint === undefined) throw new OAuthError(this.config.provider, "invalid", "noAuthorizationEndpoint");
		return new URL(as.authorization_endpoint);
	}

	private callbackParams(as: oauth.AuthorizationServer, callbackUrl: URL, flow: PkceFlow): URLSearchParams {
		try {
			return oauth.validateAuthResponse(as, this.client, callbackUrl, flow.state);
		} catch (error) {
			if (error instanceof oauth.AuthorizationResponseError) throw new OAuthError(this.config.provider, "denied", error.error);
			throw new OAuthError(this.config.provider, "invalid", "callbackMismatch");
		}
	}

	private codeGrant(as: oauth.AuthorizationServer, params: URLSearchParams, flow: PkceFlow): Promise<Response> {
		return oauth.authorizationCodeGrantRequest(as, this.client, this.auth, params, this.config.redirectUri, flow.codeVerifier, this.http);
	}
}

function statusOf(error: unknown): number {
	return error instanceof oauth.ResponseBodyError ? error.status : 0;
}

function tokenSet(response: oauth.TokenEndpointResponse, now: number): TokenSet {
	return {
		accessToken: response.access_token,
		refreshToken: response.refresh_token ?? null,
		expiresAt: typeof response.expires_in === "number" ? now + response.expires_in * 1000 : null,
		scope: response.scope ?? null,
	};
}
