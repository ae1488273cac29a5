import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { postJson, REDIRECT_URI, sandboxPerFile } from "./helpers";

let sandbox: Sandbox;
sandboxPerFile((started) => {
	sandbox = started;
});

async function login(email: string, scope: string): Promise<string> {
	const params = new URLSearchParams({ client_id: "slotline-test-facebook", redirect_uri: REDIRECT_URI, state: "s", scope, login_hint: email });
	const res = await fetch(`${sandbox.url}/facebook/v19.0/dialog/oauth?${params}`, { redirect: "manual" });
	const code = new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";
	const exchange = new URLSearchParams({ client_id: "slotline-test-facebook", client_secret: "test-facebook-secret", redirect_uri: REDIRECT_URI, code });
	const token = await fetch(`${sandbox.url}/facebook/v19.0/oauth/access_token?${exchange}`);
	expect(token.status).toBe(200);
	return ((await token.json()) as { access_token: string }).access_token;
}

describe("Facebook Login", () => {
	it("exchanges a code and returns the requested profile fields", async () => {
		await postJson(`${sandbox.url}/_control/facebook/users`, { email: "fay@example.com", name: "Fay Wong" });
		const token = await login("fay@example.com", "email,public_profile");
		const me = await fetch(`${sandbox.url}/facebook/v19.0/me?fields=id,name,email,first_name,last_name,picture&access_token=${token}`);
		expect(await me.json()).toMatchObject({ name: "Fay Wong", email: "fay@example.com", first_name: "Fay", last_name: "Wong", picture: { data: { url: expect.any(String) } } });
	});

	it("omits the email of a person who withholds it", async () => {
		await postJson(`${sandbox.url}/_control/facebook/users`, { email: "quiet@example.com", shareEmail: false });
		const token = await login("quiet@example.com", "email,public_profile");
		const me = (await (await fetch(`${sandbox.url}/facebook/me?fields=id,name,email&access_token=${token}`)).json()) as Record<string, unknown>;
		expect(me.id).toBeTypeOf("string");
		expect("email" in me).toBe(false);
	});

	it("answers the Graph endpoints under /graph too (the local FACEBOOK_GRAPH_API base)", async () => {
		await postJson(`${sandbox.url}/_control/facebook/users`, { email: "gia@example.com", name: "Gia Graph" });
		const token = await login("gia@example.com", "public_profile");
		const me = await fetch(`${sandbox.url}/facebook/graph/me?fields=id,first_name`, { headers: { authorization: `Bearer ${token}` } });
		expect(me.status).toBe(200);
		expect(await me.json()).toMatchObject({ first_name: "Gia" });
		const exchange = new URLSearchParams({ client_id: "slotline-test-facebook", client_secret: "wrong", redirect_uri: REDIRECT_URI, code: "x" });
		expect((await fetch(`${sandbox.url}/facebook/graph/v21.0/oauth/access_token?${exchange}`)).status).toBe(400);
	});

	it("rejects a bad access token in Facebook's error shape", async () => {
		await postJson(`${sandbox.url}/_control/facebook/users`, { email: "fay@example.com" });
		const bad = await fetch(`${sandbox.url}/facebook/me?access_token=nope`);
		expect(bad.status).toBe(400);
		expect(await bad.json()).toMatchObject({ error: { type: "OAuthException", code: 190 } });
	});
});
