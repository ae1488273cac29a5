import { beforeEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { bearer, MICROSOFT_CLIENT, microsoftSignIn, pkcePair, postJson, REDIRECT_URI, sandboxPerFile } from "./helpers";

let sandbox: Sandbox;
sandboxPerFile((started) => {
	sandbox = started;
});
beforeEach(async () => {
	await postJson(`${sandbox.url}/_control/microsoft/users`, { email: "ines@example.com", name: "Ines Ruiz" });
});

const tokenUrl = (): string => `${sandbox.url}/microsoft/common/oauth2/v2.0/token`;

async function code(challenge: string, scope = "openid offline_access Calendars.ReadWrite"): Promise<string> {
	const params = new URLSearchParams({ client_id: MICROSOFT_CLIENT.client_id, redirect_uri: REDIRECT_URI, response_type: "code", scope, login_hint: "ines@example.com", code_challenge: challenge, code_challenge_method: "S256" });
	const res = await fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/authorize?${params}`, { redirect: "manual" });
	return new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";
}

async function token(form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
	const res = await fetch(tokenUrl(), { method: "POST", body: new URLSearchParams({ ...MICROSOFT_CLIENT, ...form }) });
	return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function advanceDays(days: number): Promise<void> {
	await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: days * 86_400 });
}

describe("Microsoft userinfo (docs/providers.md B7)", () => {
	it("serves the userinfo endpoint the discovery document advertises", async () => {
		const discovery = (await (await fetch(`${sandbox.url}/microsoft/common/v2.0/.well-known/openid-configuration`)).json()) as { userinfo_endpoint: string };
		const { access_token } = await microsoftSignIn(sandbox, "ines@example.com", "openid email profile offline_access");
		const res = await fetch(discovery.userinfo_endpoint, { headers: bearer(access_token) });
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ name: "Ines Ruiz", given_name: "Ines", family_name: "Ruiz", email: "ines@example.com" });
		expect((await fetch(discovery.userinfo_endpoint)).status).toBe(401);
	});

	it("leaves email out without the email scope", async () => {
		const { access_token } = await microsoftSignIn(sandbox, "ines@example.com", "openid offline_access");
		const body = (await (await fetch(`${sandbox.url}/microsoft/graph/oidc/userinfo`, { headers: bearer(access_token) })).json()) as Record<string, unknown>;
		expect(body.sub).toBeTypeOf("string");
		expect(body.email).toBeUndefined();
	});
});

describe("Microsoft invalid_grant codes (docs/providers.md B7, AADSTS)", () => {
	it("names a wrong PKCE verifier AADSTS501481", async () => {
		const { challenge } = pkcePair();
		const res = await token({ grant_type: "authorization_code", code: await code(challenge), redirect_uri: REDIRECT_URI, code_verifier: pkcePair().verifier });
		expect(res.status).toBe(400);
		expect(res.body).toMatchObject({ error: "invalid_grant", error_codes: [501481] });
		expect(String(res.body.error_description)).toMatch(/^AADSTS501481:/);
	});

	it("names a redirect_uri that differs from the authorize request AADSTS500112", async () => {
		const { verifier, challenge } = pkcePair();
		const res = await token({ grant_type: "authorization_code", code: await code(challenge), redirect_uri: `${REDIRECT_URI}/other`, code_verifier: verifier });
		expect(res.body).toMatchObject({ error: "invalid_grant", error_codes: [500112] });
	});

	it("names an expired code AADSTS70008 and a replayed one AADSTS54005", async () => {
		const first = pkcePair();
		const stale = await code(first.challenge);
		await postJson(`${sandbox.url}/_control/clock`, { advanceSeconds: 11 * 60 });
		expect((await token({ grant_type: "authorization_code", code: stale, redirect_uri: REDIRECT_URI, code_verifier: first.verifier })).body).toMatchObject({ error_codes: [70008] });

		const second = pkcePair();
		const fresh = await code(second.challenge);
		const form = { grant_type: "authorization_code", code: fresh, redirect_uri: REDIRECT_URI, code_verifier: second.verifier };
		expect((await token(form)).status).toBe(200);
		expect((await token(form)).body).toMatchObject({ error: "invalid_grant", error_codes: [54005] });
	});

	it("names a revoked grant AADSTS50173", async () => {
		const { refresh_token } = await microsoftSignIn(sandbox, "ines@example.com");
		await postJson(`${sandbox.url}/_control/faults`, { provider: "microsoft", revokeRefreshTokens: true });
		expect((await token({ grant_type: "refresh_token", refresh_token: refresh_token ?? "" })).body).toMatchObject({ error: "invalid_grant", error_codes: [50173] });
	});
});

describe("Microsoft refresh-token lifetime (docs/providers.md B7)", () => {
	it("kills a refresh token unused for 90 days with AADSTS700082; each use restarts the count", async () => {
		const { refresh_token } = await microsoftSignIn(sandbox, "ines@example.com");
		await advanceDays(60);
		const used = await token({ grant_type: "refresh_token", refresh_token: refresh_token ?? "" });
		expect(used.status).toBe(200);
		const rotated = String(used.body.refresh_token);
		await advanceDays(60);
		// 60 days after its last use the old token still works; the rotated one was never used and is 60 days old.
		expect((await token({ grant_type: "refresh_token", refresh_token: refresh_token ?? "" })).status).toBe(200);
		await advanceDays(31);
		const expired = await token({ grant_type: "refresh_token", refresh_token: rotated });
		expect(expired.status).toBe(400);
		expect(expired.body).toMatchObject({ error: "invalid_grant", error_codes: [700082] });
		expect(String(expired.body.error_description)).toMatch(/^AADSTS700082:/);
	});
});
