// OAuth tampering against Google sign-in that test/auth does not cover (it has state, replayed callback
// and forged flow cookie; Facebook's PKCE and replayed code): a wrong PKCE verifier, a missing one sent
// through the app (the sandbox refuses, the sign-in page says so), a nonce that is not the flow's, a
// replayed code, and an ID token refused by its exp check (with the same token passing before expiry).
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { OAuthError } from "../../src/oauth/client";
import type { NonceFlow } from "../../src/oauth/client";
import { GoogleOAuth } from "../../src/oauth/google";
import { harness, uniqueEmail } from "../auth/harness";
import { expectNoLeaks, guardLeaks } from "./leak-guard";

const sandboxUrl = inject("sandboxUrl");
const guard = guardLeaks();

const google = new GoogleOAuth({
	issuer: env.GOOGLE_ISSUER,
	clientId: env.GOOGLE_CLIENT_ID,
	clientSecret: env.GOOGLE_CLIENT_SECRET,
	redirectUri: `${env.APP_URL}/auth/google/callback`,
});

afterEach(() => {
	vi.restoreAllMocks();
});

function decodeClaims(jwt: string): Record<string, unknown> {
	const payload = (jwt.split(".")[1] ?? "").replaceAll("-", "+").replaceAll("_", "/");
	return JSON.parse(atob(payload)) as Record<string, unknown>;
}

/**
 * Watches the next Google token response: reads its ID token's exp and, before the app checks the
 * token, sets the app's clock to `clockAt(exp)` (ms). Answers a getter for that exp (seconds).
 */
function expiryOfNextIdToken(clockAt: (exp: number) => number): () => number {
	const realFetch = globalThis.fetch.bind(globalThis);
	let exp = Number.NaN;
	vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
		const response = await realFetch(input, init);
		const url = input instanceof Request ? input.url : String(input);
		if (url === `${sandboxUrl}/google/token`) {
			const body = await response.clone().json<{ id_token: string }>();
			exp = Number(decodeClaims(body.id_token)["exp"]);
			vi.spyOn(Date, "now").mockReturnValue(clockAt(exp));
		}
		return response;
	});
	return () => exp;
}

/** A started flow and the callback URL Google sends the browser back to (consent skipped by login_hint). */
async function authorized(): Promise<{ callback: URL; flow: NonceFlow }> {
	const email = uniqueEmail("otto");
	const created = await fetch(`${sandboxUrl}/_control/google/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, emailVerified: true, name: "Otto Auth" }),
	});
	expect(created.ok).toBe(true);
	const { url, flow } = await google.startSignIn(email);
	const consent = await fetch(url, { redirect: "manual" });
	expect(consent.status).toBe(302);
	return { callback: new URL(consent.headers.get("location") ?? ""), flow };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(OAuthError);
	guard.record("sign-in error message", (error as Error).message);
	return (error as OAuthError).reason;
}

describe("Google sign-in tampering", () => {
	it("refuses a PKCE verifier that is not the flow's", async () => {
		const { callback, flow } = await authorized();
		expect(await refusal(google.finishSignIn(callback, { ...flow, codeVerifier: "x".repeat(64) }))).toBe("invalid");
	});

	it("refuses an ID token whose nonce is not the flow's", async () => {
		const { callback, flow } = await authorized();
		expect(await refusal(google.finishSignIn(callback, { ...flow, nonce: "nonce-of-another-flow-0123456789" }))).toBe("invalid");
	});

	it("refuses a code the second time, even with the right flow", async () => {
		const { callback, flow } = await authorized();
		const profile = await google.finishSignIn(callback, flow);
		expect(profile.emailVerified).toBe(true);
		expect(await refusal(google.finishSignIn(callback, flow))).toBe("invalid");
	});

	it("refuses an ID token past its exp, and it is the exp check that refuses: a token checked a minute before its exp passes", async () => {
		// Each flow's own token: its exp read from the token response, the app's clock set just past it
		// (beyond oauth4webapi's 30 s tolerance) or just before it, everything else left as issued.
		const late = await authorized();
		const exp = expiryOfNextIdToken((expiry) => (expiry + 31 + 60) * 1000);
		const error = await google.finishSignIn(late.callback, late.flow).then(
			() => null,
			(e: unknown) => e,
		);
		expect(exp()).toBeGreaterThan(Date.now() / 1000 - 3 * 3600);
		expect(error).toBeInstanceOf(OAuthError);
		guard.record("sign-in error message", (error as Error).message);
		expect((error as OAuthError).code).toBe("OAUTH_JWT_TIMESTAMP_CHECK_FAILED:exp");

		vi.restoreAllMocks();
		const early = await authorized();
		expiryOfNextIdToken((expiry) => (expiry - 60) * 1000);
		expect((await google.finishSignIn(early.callback, early.flow)).emailVerified).toBe(true);
	});

	it("accepts the untampered flow (so the refusals above are the checks, not a broken sandbox)", async () => {
		const { callback, flow } = await authorized();
		expect((await google.finishSignIn(callback, flow)).subject).toMatch(/.+/);
	});

	it("refuses a callback with an error parameter as denied, not as a sign-in", async () => {
		const { callback, flow } = await authorized();
		const denied = new URL(callback);
		denied.search = `?error=access_denied&state=${encodeURIComponent(flow.state)}`;
		expect(await refusal(google.finishSignIn(denied, flow))).toBe("denied");
	});
});

describe("Google sign-in through the app", () => {
	it("with the PKCE verifier missing from the token request, the sandbox refuses and the sign-in page says so clearly", async () => {
		const h = harness();
		const email = uniqueEmail("pia");
		const created = await fetch(`${sandboxUrl}/_control/google/users`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ email, emailVerified: true, name: "Pia Pkce" }),
		});
		expect(created.ok).toBe(true);
		const browser = h.browser();
		const start = await h.request(`/auth/google?login_hint=${encodeURIComponent(email)}`, { browser });
		const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
		const callback = new URL(consent.headers.get("location") ?? "");

		// The app's token request leaves with no code_verifier, as a client that lost it would send it.
		const realFetch = globalThis.fetch.bind(globalThis);
		const sent: Array<{ verifier: string | null; status: number; error: string }> = [];
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			if (url !== `${sandboxUrl}/google/token`) return realFetch(input, init);
			const form = new URLSearchParams(init?.body as URLSearchParams | string);
			form.delete("code_verifier");
			const response = await realFetch(input, { ...init, body: form });
			sent.push({ verifier: form.get("code_verifier"), status: response.status, error: (await response.clone().json<{ error: string }>()).error });
			return response;
		});
		const done = await h.request(`${callback.pathname}${callback.search}`, { browser });
		vi.restoreAllMocks();

		expect(sent).toEqual([{ verifier: null, status: 400, error: "invalid_grant" }]);
		expect(done.status).toBe(303);
		expect(done.headers.get("location")).toBe(`${env.APP_URL}/signin?error=google-invalid`);
		expect(browser.cookie).toBe("");
		const page = await h.request("/signin?error=google-invalid", { browser });
		expect(page.status).toBe(200);
		const html = await guard.response("GET /signin?error=google-invalid", page).then((r) => r.text());
		expect(html).toContain('role="alert"');
		expect(html).toContain("Signing in with Google did not complete. Please try again.");
		expect(await (await h.request("/auth/session", { browser })).json()).toMatchObject({ user: null });
	});
});

expectNoLeaks(guard);
