// The shared OAuth plumbing: what every provider's authorisation URL carries, when plain http is allowed,
// and that an OAuthError names provider and code but never a token.
import * as oauth from "oauth4webapi";
import { describe, expect, it } from "vitest";
import { httpOptions, OAuthError, pkceAuthorization } from "./client";

const request = { clientId: "client-1", redirectUri: "https://app.example/cb", scope: "a b", loginHint: null };

describe("pkceAuthorization", () => {
	it("carries state and an S256 challenge of the flow's verifier, and keeps the endpoint's own query", async () => {
		const { url, flow } = await pkceAuthorization(new URL("https://id.example/authorize?tenant=x"), request);
		expect(url.origin + url.pathname).toBe("https://id.example/authorize");
		expect(Object.fromEntries(url.searchParams)).toEqual({
			tenant: "x",
			client_id: "client-1",
			redirect_uri: "https://app.example/cb",
			response_type: "code",
			scope: "a b",
			state: flow.state,
			code_challenge: await oauth.calculatePKCECodeChallenge(flow.codeVerifier),
			code_challenge_method: "S256",
		});
		expect(flow.codeVerifier.length).toBeGreaterThanOrEqual(43);
	});

	it("adds the nonce, the provider's parameters and the login hint when given", async () => {
		const { url } = await pkceAuthorization(new URL("https://id.example/authorize"), { ...request, loginHint: "ana@example.com", nonce: "n-1", params: { prompt: "consent" } });
		expect(url.searchParams.get("nonce")).toBe("n-1");
		expect(url.searchParams.get("prompt")).toBe("consent");
		expect(url.searchParams.get("login_hint")).toBe("ana@example.com");
	});

	it("starts every flow with fresh state and verifier", async () => {
		const [a, b] = await Promise.all([pkceAuthorization(new URL("https://id.example/a"), request), pkceAuthorization(new URL("https://id.example/a"), request)]);
		expect(a.flow.state).not.toBe(b.flow.state);
		expect(a.flow.codeVerifier).not.toBe(b.flow.codeVerifier);
	});
});

describe("httpOptions", () => {
	it("allows plain http on loopback only", () => {
		for (const url of ["http://127.0.0.1:8788/google", "http://localhost/x", "http://[::1]:9/"]) expect(httpOptions(new URL(url))[oauth.allowInsecureRequests]).toBe(true);
		for (const url of ["https://127.0.0.1/", "http://accounts.example/", "http://127.0.0.1.example/", "https://accounts.google.com"]) expect(httpOptions(new URL(url))).toEqual({});
	});
});

describe("OAuthError", () => {
	it("names provider, reason and code in its message, and nothing else", () => {
		const error = new OAuthError("google", "invalid", "invalid_grant", 400);
		expect(error.message).toBe("google OAuth invalid (invalid_grant)");
		expect(error).toMatchObject({ provider: "google", reason: "invalid", code: "invalid_grant", status: 400, name: "OAuthError" });
		expect(new OAuthError("microsoft", "invalid", "tokenEndpoint").status).toBe(0);
	});
});
