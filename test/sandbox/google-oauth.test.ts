import { createLocalJWKSet, jwtVerify } from "jose";
import type { JSONWebKeySet } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { authorizeCode, bearer, CALENDAR_SCOPE, GOOGLE_CLIENT, googleSignIn, pkcePair, postJson, REDIRECT_URI, sandboxPerFile, tokenRequest } from "./helpers";

let sandbox: Sandbox;
sandboxPerFile((started) => {
	sandbox = started;
});
beforeEach(async () => {
	await postJson(`${sandbox.url}/_control/google/users`, { email: "ana@example.com", name: "Ana Lima", emailVerified: true });
});

describe("Google OpenID Connect", () => {
	it("publishes a discovery document whose issuer is the sandbox's /google", async () => {
		const doc = (await (await fetch(`${sandbox.url}/google/.well-known/openid-configuration`)).json()) as Record<string, string>;
		expect(doc.issuer).toBe(`${sandbox.url}/google`);
		expect(doc.token_endpoint).toBe(`${sandbox.url}/google/token`);
		const jwks = await fetch(doc.jwks_uri ?? "");
		expect(jwks.status).toBe(200);
	});

	it("issues an ID token that verifies against the JWKS and carries the nonce", async () => {
		const { verifier, challenge } = pkcePair();
		const code = await authorizeCode(sandbox, { email: "ana@example.com", scope: "openid email profile", challenge, nonce: "n-123" });
		const res = await tokenRequest(sandbox, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
		expect(res.status).toBe(200);
		const body = (await res.json()) as { id_token: string; expires_in: number; refresh_token?: string };
		expect(body.expires_in).toBe(3600);
		expect(body.refresh_token).toBeUndefined();
		const jwks = (await (await fetch(`${sandbox.url}/google/oauth2/v3/certs`)).json()) as JSONWebKeySet;
		const { payload } = await jwtVerify(body.id_token, createLocalJWKSet(jwks), { issuer: `${sandbox.url}/google`, audience: GOOGLE_CLIENT.id });
		expect(payload).toMatchObject({ email: "ana@example.com", email_verified: true, name: "Ana Lima", given_name: "Ana", family_name: "Lima", nonce: "n-123" });
		expect(typeof payload.sub).toBe("string");
		expect(typeof payload.picture).toBe("string");
	});

	it("rejects a missing or wrong PKCE verifier with invalid_grant", async () => {
		const { challenge } = pkcePair();
		const missing = await authorizeCode(sandbox, { email: "ana@example.com", scope: "openid", challenge });
		const r1 = await tokenRequest(sandbox, { grant_type: "authorization_code", code: missing, redirect_uri: REDIRECT_URI });
		expect(r1.status).toBe(400);
		expect(await r1.json()).toMatchObject({ error: "invalid_grant" });
		const wrong = await authorizeCode(sandbox, { email: "ana@example.com", scope: "openid", challenge });
		const r2 = await tokenRequest(sandbox, { grant_type: "authorization_code", code: wrong, redirect_uri: REDIRECT_URI, code_verifier: pkcePair().verifier });
		expect(r2.status).toBe(400);
		expect(await r2.json()).toMatchObject({ error: "invalid_grant" });
	});

	it("accepts a code once; a replay is invalid_grant and revokes what it issued", async () => {
		const { verifier, challenge } = pkcePair();
		const code = await authorizeCode(sandbox, { email: "ana@example.com", scope: `openid ${CALENDAR_SCOPE}`, challenge });
		const form = { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
		const first = (await (await tokenRequest(sandbox, form)).json()) as { access_token: string };
		const replay = await tokenRequest(sandbox, form);
		expect(replay.status).toBe(400);
		expect(await replay.json()).toMatchObject({ error: "invalid_grant" });
		const api = await fetch(`${sandbox.url}/google/calendar/v3/users/me/calendarList`, { headers: bearer(first.access_token) });
		expect(api.status).toBe(401);
	});

	it("requires the exact redirect_uri at the token endpoint", async () => {
		const code = await authorizeCode(sandbox, { email: "ana@example.com", scope: "openid" });
		const res = await tokenRequest(sandbox, { grant_type: "authorization_code", code, redirect_uri: `${REDIRECT_URI}/` });
		expect(res.status).toBe(400);
		expect(await res.json()).toMatchObject({ error: "invalid_grant" });
	});

	it("authenticates clients with client_secret_basic and rejects a wrong secret", async () => {
		const code = await authorizeCode(sandbox, { email: "ana@example.com", scope: "openid" });
		const basic = `Basic ${Buffer.from(`${GOOGLE_CLIENT.id}:${GOOGLE_CLIENT.secret}`).toString("base64")}`;
		const ok = await fetch(`${sandbox.url}/google/token`, {
			method: "POST",
			headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI }),
		});
		expect(ok.status).toBe(200);
		const bad = await tokenRequest(sandbox, { grant_type: "refresh_token", refresh_token: "x", client_secret: "nope" });
		expect(bad.status).toBe(401);
		expect(await bad.json()).toMatchObject({ error: "invalid_client" });
	});

	it("refreshes with a refresh token until the grant is revoked through the control API", async () => {
		const tokens = await googleSignIn(sandbox, "ana@example.com");
		expect(tokens.refresh_token).toBeDefined();
		const refreshed = await tokenRequest(sandbox, { grant_type: "refresh_token", refresh_token: tokens.refresh_token ?? "" });
		expect(refreshed.status).toBe(200);
		const body = (await refreshed.json()) as Record<string, unknown>;
		expect(body.access_token).toBeTypeOf("string");
		expect(body.refresh_token).toBeUndefined();

		await postJson(`${sandbox.url}/_control/faults`, { provider: "google", revokeRefreshTokens: true });
		const revoked = await tokenRequest(sandbox, { grant_type: "refresh_token", refresh_token: tokens.refresh_token ?? "" });
		expect(revoked.status).toBe(400);
		expect(await revoked.json()).toMatchObject({ error: "invalid_grant" });
	});

	it("expires access tokens after the configured lifetime", async () => {
		await postJson(`${sandbox.url}/_control/google/config`, { accessTokenTtlSeconds: 60 });
		const tokens = await googleSignIn(sandbox, "ana@example.com");
		expect(tokens.expires_in).toBe(60);
		const before = await fetch(`${sandbox.url}/google/v1/userinfo`, { headers: bearer(tokens.access_token) });
		expect(await before.json()).toMatchObject({ email: "ana@example.com", name: "Ana Lima" });
		await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 61 });
		const after = await fetch(`${sandbox.url}/google/v1/userinfo`, { headers: bearer(tokens.access_token) });
		expect(after.status).toBe(401);
	});

	it("revokes a token at the revocation endpoint", async () => {
		const tokens = await googleSignIn(sandbox, "ana@example.com");
		const res = await fetch(`${sandbox.url}/google/revoke`, {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ token: tokens.refresh_token ?? "" }),
		});
		expect(res.status).toBe(200);
		const refresh = await tokenRequest(sandbox, { grant_type: "refresh_token", refresh_token: tokens.refresh_token ?? "" });
		expect(refresh.status).toBe(400);
	});

	it("shows a consent page listing scopes; Deny redirects with access_denied", async () => {
		const params = new URLSearchParams({ client_id: GOOGLE_CLIENT.id, redirect_uri: REDIRECT_URI, response_type: "code", scope: `openid ${CALENDAR_SCOPE}`, state: "s1" });
		const page = await fetch(`${sandbox.url}/google/o/oauth2/v2/auth?${params}`);
		const html = await page.text();
		expect(html).toContain(CALENDAR_SCOPE);
		expect(html).toContain('value="deny"');
		const form = new URLSearchParams(params);
		form.set("decision", "deny");
		const denied = await fetch(`${sandbox.url}/google/o/oauth2/v2/auth`, { method: "POST", body: form, redirect: "manual" });
		const location = new URL(denied.headers.get("location") ?? "");
		expect(location.searchParams.get("error")).toBe("access_denied");
		expect(location.searchParams.get("state")).toBe("s1");

		form.set("decision", "allow");
		form.set("account", "new");
		form.set("new_email", "newcomer@example.com");
		const allowed = await fetch(`${sandbox.url}/google/o/oauth2/v2/auth`, { method: "POST", body: form, redirect: "manual" });
		expect(new URL(allowed.headers.get("location") ?? "").searchParams.get("code")).toBeTruthy();
		const users = (await (await fetch(`${sandbox.url}/_control/google/users`)).json()) as Array<{ email: string }>;
		expect(users.map((u) => u.email)).toContain("newcomer@example.com");
	});

	it("refuses unknown clients without redirecting", async () => {
		const params = new URLSearchParams({ client_id: "stranger", redirect_uri: REDIRECT_URI, response_type: "code", scope: "openid" });
		const res = await fetch(`${sandbox.url}/google/o/oauth2/v2/auth?${params}`, { redirect: "manual" });
		expect(res.status).toBe(400);
	});
});

describe("Google refresh-token lifetime (docs/providers.md A7)", () => {
	async function advanceDays(days: number): Promise<void> {
		await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: days * 86_400 });
	}
	async function refresh(refreshToken: string | undefined, client = GOOGLE_CLIENT): Promise<Response> {
		return fetch(`${sandbox.url}/google/token`, {
			method: "POST",
			headers: { "content-type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams({ client_id: client.id, client_secret: client.secret, grant_type: "refresh_token", refresh_token: refreshToken ?? "" }),
		});
	}
	async function offlineSignIn(client: { id: string; secret: string }, scope: string): Promise<string | undefined> {
		const { verifier, challenge } = pkcePair();
		const params = new URLSearchParams({ client_id: client.id, redirect_uri: REDIRECT_URI, response_type: "code", scope, login_hint: "ana@example.com", access_type: "offline", prompt: "consent", code_challenge: challenge, code_challenge_method: "S256" });
		const location = (await fetch(`${sandbox.url}/google/o/oauth2/v2/auth?${params}`, { redirect: "manual" })).headers.get("location") ?? "";
		const code = new URL(location).searchParams.get("code") ?? "";
		const res = await fetch(`${sandbox.url}/google/token`, {
			method: "POST",
			body: new URLSearchParams({ client_id: client.id, client_secret: client.secret, grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
		});
		return ((await res.json()) as { refresh_token?: string }).refresh_token;
	}

	it("gives a Testing-status client 7-day refresh tokens, unless it asked only for sign-in scopes", async () => {
		const testing = { id: "testing-client", secret: "testing-secret" };
		expect((await postJson(`${sandbox.url}/_control/google/clients`, { clientId: testing.id, clientSecret: testing.secret, testing: true })).status).toBe(201);
		const calendar = await offlineSignIn(testing, `openid email ${CALENDAR_SCOPE}`);
		const signInOnly = await offlineSignIn(testing, "openid email profile");
		const published = await offlineSignIn(GOOGLE_CLIENT, `openid email ${CALENDAR_SCOPE}`);
		await advanceDays(6);
		expect((await refresh(calendar, testing)).status).toBe(200);
		await advanceDays(2);
		const expired = await refresh(calendar, testing);
		expect(expired.status).toBe(400);
		expect(await expired.json()).toMatchObject({ error: "invalid_grant", error_description: "Token has been expired or revoked." });
		expect((await refresh(signInOnly, testing)).status).toBe(200);
		expect((await refresh(published)).status).toBe(200);
	});

	it("kills a refresh token unused for six months", async () => {
		const used = await offlineSignIn(GOOGLE_CLIENT, `openid ${CALENDAR_SCOPE}`);
		const idle = await offlineSignIn(GOOGLE_CLIENT, `openid ${CALENDAR_SCOPE}`);
		await advanceDays(120);
		expect((await refresh(used)).status).toBe(200);
		await advanceDays(70);
		expect((await refresh(idle)).status).toBe(400);
		expect((await refresh(used)).status).toBe(200);
	});

	it("keeps at most 100 live refresh tokens per account and client, silently dropping the oldest", async () => {
		const tokens: Array<string | undefined> = [];
		for (let i = 0; i < 101; i++) tokens.push(await offlineSignIn(GOOGLE_CLIENT, `openid ${CALENDAR_SCOPE}`));
		expect((await refresh(tokens[0])).status).toBe(400);
		expect((await refresh(tokens[1])).status).toBe(200);
		expect((await refresh(tokens[100])).status).toBe(200);
	});
});
