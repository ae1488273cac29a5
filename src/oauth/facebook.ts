// Facebook's OAuth client for sign-in (Facebook Login: authorization code + PKCE, then Graph /me),
// configured through the constructor: it turns a callback into a profile whose email is never taken as verified.
import { hmac } from "@oslojs/crypto/hmac";
import { SHA256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { Authorization, PkceFlow } from "./client";
import { OAuthError, pkceAuthorization } from "./client";
import type { ProviderProfile } from "./profile";

export interface FacebookOAuthConfig {
	/** https://www.facebook.com/v21.0/dialog/oauth in production; the sandbox's locally. */
	dialogUrl: string;
	/** https://graph.facebook.com/v21.0: the token endpoint and /me live under it. */
	graphApi: string;
	appId: string;
	appSecret: string;
	redirectUri: string;
}

/** Basic profile only: anything more needs Facebook's app review and is more than sign-in needs. */
const SCOPE = "public_profile,email";
const FIELDS = "id,name,email,first_name,last_name,picture";

function optionalString(value: unknown): string | null {
	return typeof value === "string" && value !== "" ? value : null;
}

function sameText(a: string, b: string): boolean {
	const encoder = new TextEncoder();
	return constantTimeEqual(encoder.encode(a), encoder.encode(b));
}

/** picture.data.url, unless it is Facebook's grey silhouette placeholder. */
function pictureUrl(value: unknown): string | null {
	if (typeof value !== "object" || value === null) return null;
	const data = (value as { data?: { url?: unknown; is_silhouette?: unknown } }).data;
	if (data === undefined || data.is_silhouette === true) return null;
	return optionalString(data.url);
}

export class FacebookOAuth {
	private readonly graph: string;

	constructor(private readonly config: FacebookOAuthConfig) {
		this.graph = config.graphApi.replace(/\/+$/, "");
	}

	/** The Facebook dialog URL to send the browser to, and the values to keep until the callback. */
	startSignIn(loginHint: string | null): Promise<Authorization<PkceFlow>> {
		return pkceAuthorization(new URL(this.config.dialogUrl), { clientId: this.config.appId, redirectUri: this.config.redirectUri, scope: SCOPE, loginHint });
	}

	/** Checks state, redeems the code with the PKCE verifier, and reads the profile from /me. */
	async finishSignIn(callbackUrl: URL, flow: PkceFlow): Promise<ProviderProfile> {
		const params = callbackUrl.searchParams;
		const state = params.get("state");
		if (state === null || !sameText(state, flow.state)) throw new OAuthError("facebook", "invalid", "callbackMismatch");
		const error = params.get("error");
		if (error !== null) throw new OAuthError("facebook", error === "access_denied" ? "denied" : "invalid", error);
		const code = params.get("code");
		if (code === null || code === "") throw new OAuthError("facebook", "invalid", "noCode");

		const accessToken = await this.redeem(code, flow.codeVerifier);
		const me = await this.graphGet("/me", accessToken, { fields: FIELDS });
		const subject = optionalString(me["id"]);
		if (subject === null) throw new OAuthError("facebook", "invalid", "noProfileId");
		return {
			subject,
			email: optionalString(me["email"])?.toLowerCase() ?? null,
			// Facebook does not say whether it checked the address, so it proves nothing to us.
			emailVerified: false,
			givenName: optionalString(me["first_name"]),
			familyName: optionalString(me["last_name"]),
			picture: pictureUrl(me["picture"]),
		};
	}

	private async redeem(code: string, codeVerifier: string): Promise<string> {
		// Facebook's token endpoint is a GET with the app secret in the query (server to server only).
		const url = new URL(`${this.graph}/oauth/access_token`);
		url.searchParams.set("client_id", this.config.appId);
		url.searchParams.set("client_secret", this.config.appSecret);
		url.searchParams.set("redirect_uri", this.config.redirectUri);
		url.searchParams.set("code", code);
		url.searchParams.set("code_verifier", codeVerifier);
		const body = await this.fetchJson(url, null);
		const token = optionalString(body["access_token"]);
		if (token === null) throw new OAuthError("facebook", "invalid", "noAccessToken");
		return token;
	}

	private async graphGet(path: string, accessToken: string, query: Record<string, string>): Promise<Record<string, unknown>> {
		const url = new URL(`${this.graph}${path}`);
		for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
		// appsecret_proof: a stolen user token is useless to a caller without our app secret.
		const proof = hmac(SHA256, new TextEncoder().encode(this.config.appSecret), new TextEncoder().encode(accessToken));
		url.searchParams.set("appsecret_proof", encodeHexLowerCase(proof));
		return this.fetchJson(url, accessToken);
	}

	private async fetchJson(url: URL, bearer: string | null): Promise<Record<string, unknown>> {
		let response: Response;
		try {
			response = await fetch(url, { headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
		} catch {
			throw new OAuthError("facebook", "invalid", "unreachable");
		}
		let body: unknown;
		try {
			body = await response.json();
		} catch {
			body = null;
		}
		if (!response.ok || typeof body !== "object" || body === null) {
			// Only Facebook's numeric code: its messages may quote what was sent.
			const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
			throw new OAuthError("facebook", "invalid", typeof code === "number" ? String(code) : "httpError", response.status);
		}
		return body as Record<string, unknown>;
	}
}
