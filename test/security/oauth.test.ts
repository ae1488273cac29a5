// OAuth tampering against Google sign-in that test/auth does not cover (it has state, replayed callback
// and forged flow cookie; Facebook's PKCE and replayed code): a wrong PKCE verifier, a nonce that is
// not the flow's, a replayed code, and an ID token that has expired by the time it is checked.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { GoogleSignIn, GoogleSignInError } from "../../src/auth/google";
import type { GoogleFlowState } from "../../src/auth/google";
import { uniqueEmail } from "../auth/harness";
import { expectNoLeaks, guardLeaks } from "./leak-guard";

const sandboxUrl = inject("sandboxUrl");
const guard = guardLeaks();

const google = new GoogleSignIn({
	issuer: env.GOOGLE_ISSUER,
	clientId: env.GOOGLE_CLIENT_ID,
	clientSecret: env.GOOGLE_CLIENT_SECRET,
	redirectUri: `${env.APP_URL}/auth/google/callback`,
});

afterEach(() => {
	vi.restoreAllMocks();
});

/** A started flow and the callback URL Google sends the browser back to (consent skipped by login_hint). */
async function authorized(): Promise<{ callback: URL; flow: GoogleFlowState }> {
	const email = uniqueEmail("otto");
	const created = await fetch(`${sandboxUrl}/_control/google/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, emailVerified: true, name: "Otto Auth" }),
	});
	expect(created.ok).toBe(true);
	const { url, flow } = await google.start(email);
	const consent = await fetch(url, { redirect: "manual" });
	expect(consent.status).toBe(302);
	return { callback: new URL(consent.headers.get("location") ?? ""), flow };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(GoogleSignInError);
	guard.record("sign-in error message", (error as Error).message);
	return (error as GoogleSignInError).reason;
}

describe("Google sign-in tampering", () => {
	it("refuses a PKCE verifier that is not the flow's", async () => {
		const { callback, flow } = await authorized();
		expect(await refusal(google.finish(callback, { ...flow, codeVerifier: "x".repeat(64) }))).toBe("invalid");
	});

	it("refuses an ID token whose nonce is not the flow's", async () => {
		const { callback, flow } = await authorized();
		expect(await refusal(google.finish(callback, { ...flow, nonce: "nonce-of-another-flow-0123456789" }))).toBe("invalid");
	});

	it("refuses a code the second time, even with the right flow", async () => {
		const { callback, flow } = await authorized();
		const profile = await google.finish(callback, flow);
		expect(profile.emailVerified).toBe(true);
		expect(await refusal(google.finish(callback, flow))).toBe("invalid");
	});

	it("refuses an ID token that expired before it was checked", async () => {
		const { callback, flow } = await authorized();
		// Google's ID tokens live an hour: check this one as if two hours had passed since it was issued.
		const later = Date.now() + 2 * 3_600_000;
		vi.spyOn(Date, "now").mockReturnValue(later);
		expect(await refusal(google.finish(callback, flow))).toBe("invalid");
	});

	it("accepts the untampered flow (so the refusals above are the checks, not a broken sandbox)", async () => {
		const { callback, flow } = await authorized();
		expect((await google.finish(callback, flow)).subject).toMatch(/.+/);
	});

	it("refuses a callback with an error parameter as denied, not as a sign-in", async () => {
		const { callback, flow } = await authorized();
		const denied = new URL(callback);
		denied.search = `?error=access_denied&state=${encodeURIComponent(flow.state)}`;
		expect(await refusal(google.finish(denied, flow))).toBe("denied");
	});
});

expectNoLeaks(guard);
