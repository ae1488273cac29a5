// The Zoom stand-in's OAuth server (docs/integrations.md 3.1): Basic client auth, PKCE, 5-minute codes, 1-hour
// access tokens on the sandbox clock, refresh tokens that rotate and die on first reuse, revoke.
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { pkcePair, postJson, REDIRECT_URI, sandboxPerFile } from "./helpers";
import { basicAuth, createMeeting, ZOOM_CLIENT, zoomApi, zoomCode, zoomSignIn, zoomToken } from "./zoom-helpers";

let sandbox: Sandbox;
sandboxPerFile((started) => {
	sandbox = started;
});

async function refresh(refreshToken: string): Promise<Response> {
	return zoomToken(sandbox, { grant_type: "refresh_token", refresh_token: refreshToken });
}

describe("Zoom OAuth", () => {
	it("connects with PKCE and Basic client auth, granting the app's registered scopes", async () => {
		const tokens = await zoomSignIn(sandbox, "zed@example.com", { firstName: "Zed", lastName: "Moreno", timezone: "Europe/Berlin" });
		expect(tokens).toMatchObject({ token_type: "bearer", expires_in: 3599 });
		expect(tokens.refresh_token).toEqual(expect.any(String));
		expect(tokens.scope.split(" ")).toContain("meeting:write:meeting");
		const me = await zoomApi(sandbox, tokens.access_token, "GET", "/users/me");
		expect(me.status).toBe(200);
		expect(await me.json()).toMatchObject({ email: "zed@example.com", first_name: "Zed", last_name: "Moreno", type: 2, timezone: "Europe/Berlin", status: "active", account_id: expect.any(String), id: expect.any(String) });
	});

	it("refuses client credentials that are not in a Basic header, or a wrong secret", async () => {
		await postJson(`${sandbox.url}/_control/zoom/users`, { email: "zed@example.com" });
		const code = await zoomCode(sandbox, "zed@example.com");
		const inBody = await zoomToken(sandbox, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: ZOOM_CLIENT.id, client_secret: ZOOM_CLIENT.secret }, {});
		expect(inBody.status).toBe(401);
		expect(await inBody.json()).toMatchObject({ error: "invalid_client" });
		const wrong = await zoomToken(sandbox, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI }, basicAuth(ZOOM_CLIENT.id, "nope"));
		expect(wrong.status).toBe(401);
		// Neither attempt used the code up.
		const ok = await zoomToken(sandbox, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI });
		expect(ok.status).toBe(200);
	});

	it("checks the PKCE verifier and lets a code live 5 minutes on the sandbox clock", async () => {
		await postJson(`${sandbox.url}/_control/zoom/users`, { email: "zed@example.com" });
		const { challenge } = pkcePair();
		const code = await zoomCode(sandbox, "zed@example.com", { code_challenge: challenge, code_challenge_method: "S256" });
		const wrong = await zoomToken(sandbox, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: pkcePair().verifier });
		expect(wrong.status).toBe(400);
		expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });

		const late = await zoomCode(sandbox, "zed@example.com");
		await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 301 });
		const expired = await zoomToken(sandbox, { grant_type: "authorization_code", code: late, redirect_uri: REDIRECT_URI });
		expect(expired.status).toBe(400);
		expect(await expired.json()).toMatchObject({ error: "invalid_grant" });
	});

	it("rotates the refresh token on every refresh; the old one dies at once", async () => {
		const first = await zoomSignIn(sandbox, "zed@example.com");
		const res = await refresh(first.refresh_token);
		expect(res.status).toBe(200);
		const second = (await res.json()) as { access_token: string; refresh_token: string };
		expect(second.refresh_token).not.toBe(first.refresh_token);
		const reused = await refresh(first.refresh_token);
		expect(reused.status).toBe(400);
		expect(await reused.json()).toEqual({ reason: "Invalid Token!", error: "invalid_grant" });
		expect((await zoomApi(sandbox, second.access_token, "GET", "/users/me")).status).toBe(200);
		expect((await refresh(second.refresh_token)).status).toBe(200);
	});

	it("strands a client whose refresh response was lost: the refresh happened, the old token is dead", async () => {
		const tokens = await zoomSignIn(sandbox, "lost@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "zoom", endpoint: "token", status: 503, afterSuccess: true, count: 1, scope: { account: "lost@example.com" } });
		const lost = await refresh(tokens.refresh_token);
		expect(lost.status).toBe(503);
		const retry = await refresh(tokens.refresh_token);
		expect(retry.status).toBe(400);
		expect(await retry.json()).toMatchObject({ error: "invalid_grant", reason: "Invalid Token!" });
	});

	it("expires access tokens after an hour (401, code 124) and tells them from made-up ones", async () => {
		const tokens = await zoomSignIn(sandbox, "zed@example.com");
		await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 3600 });
		const expired = await zoomApi(sandbox, tokens.access_token, "GET", "/users/me");
		expect(expired.status).toBe(401);
		expect(await expired.json()).toEqual({ code: 124, message: "Access token is expired." });
		const invented = await zoomApi(sandbox, "not-a-token", "GET", "/users/me");
		expect(invented.status).toBe(401);
		expect(await invented.json()).toEqual({ code: 124, message: "Invalid access token." });
		const renewed = (await (await refresh(tokens.refresh_token)).json()) as { access_token: string };
		expect((await zoomApi(sandbox, renewed.access_token, "GET", "/users/me")).status).toBe(200);
	});

	it("revokes a token and the grant behind it", async () => {
		const tokens = await zoomSignIn(sandbox, "zed@example.com");
		const res = await fetch(`${sandbox.url}/zoom/oauth/revoke?token=${encodeURIComponent(tokens.access_token)}`, { method: "POST", headers: basicAuth() });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ status: "success" });
		expect((await zoomApi(sandbox, tokens.access_token, "GET", "/users/me")).status).toBe(401);
		expect((await refresh(tokens.refresh_token)).status).toBe(400);
	});

	it("ends an earlier connection's tokens when the same user authorizes the app again", async () => {
		const earlier = await zoomSignIn(sandbox, "zed@example.com");
		const later = await zoomSignIn(sandbox, "zed@example.com");
		expect((await refresh(earlier.refresh_token)).status).toBe(400);
		expect((await zoomApi(sandbox, earlier.access_token, "GET", "/users/me")).status).toBe(401);
		expect((await refresh(later.refresh_token)).status).toBe(200);
	});

	it("answers 4711 when the token lacks the call's scope", async () => {
		await postJson(`${sandbox.url}/_control/zoom/users`, { email: "zed@example.com" });
		const code = await zoomCode(sandbox, "zed@example.com", { scope: "user:read:user" });
		const tokens = (await (await zoomToken(sandbox, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI })).json()) as { access_token: string };
		expect((await zoomApi(sandbox, tokens.access_token, "GET", "/users/me")).status).toBe(200);
		await expect(createMeeting(sandbox, tokens.access_token)).rejects.toThrow(/4711/);
	});

	it("takes the shared token switches: revoked refresh tokens and expired access tokens, scoped to one account", async () => {
		const mine = await zoomSignIn(sandbox, "zed@example.com");
		const other = await zoomSignIn(sandbox, "ola@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "zoom", revokeRefreshTokens: true, expireAccessTokens: true, scope: { account: "zed@example.com" } });
		expect((await refresh(mine.refresh_token)).status).toBe(400);
		expect((await zoomApi(sandbox, mine.access_token, "GET", "/users/me")).status).toBe(401);
		expect((await zoomApi(sandbox, other.access_token, "GET", "/users/me")).status).toBe(200);
		expect((await refresh(other.refresh_token)).status).toBe(200);
	});
});
