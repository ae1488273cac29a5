// Sign in with Google (OpenID Connect authorization code + PKCE), through oauth4webapi. Knows
// nothing of our database: it turns a callback into a verified profile.
import * as oauth from "oauth4webapi";
import type { ProviderProfile } from "./provider-profile";

export interface GoogleSignInConfig {
	/** https://accounts.google.com in production; the sandbox's /google locally. */
	issuer: string;
	clientId: string;
	clientSecret: string;
	redirectUri: string;
}

/** What must survive the round trip to Google, kept in a signed HttpOnly cookie. */
export interface GoogleFlowState {
	state: string;
	codeVerifier: string;
	nonce: string;
}

/** Google said no (the person declined, or the code or ID token did not check out). */
export class GoogleSignInError extends Error {
	constructor(
		readonly reason: "denied" | "invalid",
		message: string,
		/**
		 * Which check refused, when one did: Google's error code ("invalid_grant") or oauth4webapi's
		 * ("OAUTH_JWT_TIMESTAMP_CHECK_FAILED:exp"). Never a message, which may quote the response.
		 */
		readonly check: string | null = null,
	) {
		super(message);
		this.name = "GoogleSignInError";
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

const SCOPE = "openid email profile";
const metadataCache = new Map<string, Promise<oauth.AuthorizationServer>>();

function isLoopback(url: URL): boolean {
	return url.protocol === "http:" && (url.hostname === "127.0.0.1" || url.hostname === "localhost" || url.hostname === "[::1]");
}

function optionalString(value: unknown): string | null {
	return typeof value === "string" && value !== "" ? value : null;
}

export class GoogleSignIn {
	private readonly issuer: URL;
	private readonly client: oauth.Client;
	// Plain http is allowed only for the local sandbox; any other http issuer fails in oauth4webapi.
	private readonly http: { [oauth.allowInsecureRequests]?: boolean };

	constructor(private readonly config: GoogleSignInConfig) {
		this.issuer = new URL(config.issuer);
		this.client = { client_id: config.clientId };
		this.http = isLoopback(this.issuer) ? { [oauth.allowInsecureRequests]: true } : {};
	}

	private async server(): Promise<oauth.AuthorizationServer> {
		const key = this.issuer.href;
		let cached = metadataCache.get(key);
		if (cached === undefined) {
			cached = oauth
				.discoveryRequest(this.issuer, { algorithm: "oidc", ...this.http })
				.then((response) => oauth.processDiscoveryResponse(this.issuer, response));
			// A failed discovery is retried on the next sign-in rather than cached.
			cached.catch(() => metadataCache.delete(key));
			metadataCache.set(key, cached);
		}
		return cached;
	}

	/** The Google URL to send the browser to, and the values to keep until the callback. */
	async start(loginHint?: string): Promise<{ url: URL; flow: GoogleFlowState }> {
		const as = await this.server();
		if (as.authorization_endpoint === undefined) throw new Error("Google discovery has no authorization_endpoint");
		const flow: GoogleFlowState = {
			state: oauth.generateRandomState(),
			codeVerifier: oauth.generateRandomCodeVerifier(),
			nonce: oauth.generateRandomNonce(),
		};
		const url = new URL(as.authorization_endpoint);
		url.searchParams.set("client_id", this.config.clientId);
		url.searchParams.set("redirect_uri", this.config.redirectUri);
		url.searchParams.set("response_type", "code");
		url.searchParams.set("scope", SCOPE);
		url.searchParams.set("state", flow.state);
		url.searchParams.set("nonce", flow.nonce);
		url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(flow.codeVerifier));
		url.searchParams.set("code_challenge_method", "S256");
		if (loginHint !== undefined) url.searchParams.set("login_hint", loginHint);
		return { url, flow };
	}

	/** Checks state, redeems the code with the PKCE verifier, and verifies the ID token (signature, iss, aud, exp, nonce). */
	async finish(callbackUrl: URL, flow: GoogleFlowState): Promise<ProviderProfile> {
		const as = await this.server();
		let params: URLSearchParams;
		try {
			params = oauth.validateAuthResponse(as, this.client, callbackUrl, flow.state);
		} catch (error) {
			if (error instanceof oauth.AuthorizationResponseError) throw new GoogleSignInError("denied", `Google answered ${error.error}`);
			throw new GoogleSignInError("invalid", "The callback did not match the sign-in that was started");
		}
		try {
			const response = await oauth.authorizationCodeGrantRequest(
				as,
				this.client,
				oauth.ClientSecretPost(this.config.clientSecret),
				params,
				this.config.redirectUri,
				flow.codeVerifier,
				this.http,
			);
			const result = await oauth.processAuthorizationCodeResponse(as, this.client, response, {
				expectedNonce: flow.nonce,
				requireIdToken: true,
			});
			// oauth4webapi trusts TLS for the token response; checking the signature as well costs one
			// cached JWKS fetch and also covers the plain-http sandbox.
			await oauth.validateApplicationLevelSignature(as, response, this.http);
			const claims = oauth.getValidatedIdTokenClaims(result);
			if (claims === undefined) throw new Error("no ID token");
			return {
				subject: claims.sub,
				email: optionalString(claims["email"])?.toLowerCase() ?? null,
				emailVerified: claims["email_verified"] === true,
				givenName: optionalString(claims["given_name"]),
				familyName: optionalString(claims["family_name"]),
				picture: optionalString(claims["picture"]),
			};
		} catch (error) {
			// Only the error's class and code: messages of token errors can quote the response.
			const check = failedCheck(error);
			throw new GoogleSignInError("invalid", `Google sign-in could not be completed (${check})`, check);
		}
	}
}
