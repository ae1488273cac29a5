// Zoom's OAuth client (src/oauth/zoom.ts) against the sandbox's Zoom: PKCE, HTTP Basic client authentication,
// and refresh tokens that rotate on every refresh with the old one dead at once.
import { describe, expect, it } from "vitest";
import { OAuthError } from "../../src/oauth/client";
import { ZoomOAuth } from "../../src/oauth/zoom";
import { control, sandboxUrl } from "../support/sandbox-control";

const CONFIG = { base: `${sandboxUrl}/zoom/oauth`, clientId: "slotline-test-zoom", clientSecret: "test-zoom-secret", redirectUri: "https://app.slotline.test/connect/zoom/callback" };

/** Connects a new Zoom account through the client: the sandbox approves at once for the account named by login_hint. */
async function connected(client: ZoomOAuth, now: number): Promise<{ email: string; refreshToken: string; accessToken: string; expiresAt: number | null }> {
	const email = `zoom-${crypto.randomUUID()}@example.com`;
	await control("/zoom/users", { email });
	const { url, flow } = await client.startConnection();
	url.searchParams.set("login_hint", email);
	const answer = await fetch(url, { redirect: "manual" });
	expect(answer.status).toBe(302);
	const tokens = await client.finishConnection(new URL(answer.headers.get("location") ?? ""), flow, now);
	expect(tokens.refreshToken).not.toBeNull();
	return { email, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? "", expiresAt: tokens.expiresAt };
}

async function me(accessToken: string): Promise<Response> {
	return fetch(`${sandboxUrl}/zoom/v2/users/me`, { headers: { authorization: `Bearer ${accessToken}` } });
}

describe("Zoom's OAuth client", () => {
	it("asks for the meeting scopes with PKCE, and its tokens open the account", async () => {
		const client = new ZoomOAuth(CONFIG);
		const { url } = await client.startConnection();
		expect(url.searchParams.get("code_challenge_method")).toBe("S256");
		expect(url.searchParams.get("scope")?.split(" ")).toEqual(expect.arrayContaining(["meeting:write:meeting", "meeting:read:list_meetings", "user:read:user"]));
		const now = Date.now();
		const tokens = await connected(client, now);
		expect(tokens.expiresAt).toBeGreaterThan(now + 50 * 60_000);
		const account = await me(tokens.accessToken);
		expect(account.status).toBe(200);
		expect(((await account.json()) as { email: string }).email).toBe(tokens.email);
	});

	it("gets a new refresh token on every refresh, and the old one is refused as invalid_grant", async () => {
		const client = new ZoomOAuth(CONFIG);
		const first = await connected(client, Date.now());
		const second = await client.refresh(first.refreshToken, Date.now());
		expect(second.refreshToken).not.toBeNull();
		expect(second.refreshToken).not.toBe(first.refreshToken);
		expect((await me(second.accessToken)).status).toBe(200);
		// The lost-answer case: the refresh above happened, so the token the caller still holds is dead.
		const reused = await client.refresh(first.refreshToken, Date.now()).catch((error: unknown) => error);
		expect(reused).toBeInstanceOf(OAuthError);
		expect(reused).toMatchObject({ provider: "zoom", code: "invalid_grant" });
		expect(String(reused)).not.toContain(first.refreshToken);
		expect((await client.refresh(second.refreshToken ?? "", Date.now())).refreshToken).not.toBe(second.refreshToken);
	});

	it("authenticates with its secret: a wrong one is refused", async () => {
		const first = await connected(new ZoomOAuth(CONFIG), Date.now());
		const wrong = new ZoomOAuth({ ...CONFIG, clientSecret: "not-the-secret" });
		await expect(wrong.refresh(first.refreshToken, Date.now())).rejects.toMatchObject({ provider: "zoom", code: "invalid_client" });
	});
});
