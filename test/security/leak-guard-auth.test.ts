// Every sign-in flow under the leak guard: sign-up, sign-in (right and wrong), password change, email
// verification, password reset, Google and Facebook sign-in (new account, linking to an account, a
// provider address proven by email, a replayed callback) and the pages that mailed links open. Every
// response and console line of the file is scanned for the passwords typed, the tokens mailed, the
// session and flow cookies, the OAuth codes and the tokens Google and Facebook issued to the Worker.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { PASSWORD, harness, signIn, signUp, tokenFromMail, uniqueEmail } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";
import { expectNoLeaks, guardLeaks } from "./leak-guard";

const sandboxUrl = inject("sandboxUrl");
const guard = guardLeaks();
const NEW_PASSWORD = "a brand new passphrase";
const GUESSED_TOKEN = "0123456789abcdef0123456789abcdef";

let h: Harness;
beforeEach(() => {
	h = guard.watch(harness());
	guard.addSecret("password", PASSWORD);
	guard.addSecret("new password", NEW_PASSWORD);
	guard.addSecret("guessed token", GUESSED_TOKEN);
	// Learns the codes, verifiers and tokens the Worker exchanges with the sandbox's Google and Facebook.
	guard.watchProviders();
});
afterEach(() => {
	guard.collectMail(h.mailer);
	vi.restoreAllMocks();
});

async function sandboxUser(provider: "google" | "facebook", email: string, extra: Record<string, unknown> = {}): Promise<void> {
	const response = await fetch(`${sandboxUrl}/_control/${provider}/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, emailVerified: true, name: "Lee Leak", givenName: "Lee", familyName: "Leak", ...extra }),
	});
	expect(response.ok).toBe(true);
}

/** Our start URL, the provider's consent (skipped by login_hint), and the callback path it sends the browser to. */
async function providerCallback(provider: "google" | "facebook", browser: Browser, email: string, query = ""): Promise<string> {
	const start = await h.request(`/auth/${provider}?login_hint=${encodeURIComponent(email)}${query}`, { browser });
	expect(start.status).toBe(302);
	const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
	expect(consent.status).toBe(302);
	const callback = new URL(consent.headers.get("location") ?? "");
	guard.addUrlSecrets(`${provider} callback`, callback.toString());
	return `${callback.pathname}${callback.search}`;
}

describe("password accounts", () => {
	it("sign-up, a wrong and a right sign-in, a password change, sign-out", async () => {
		const email = uniqueEmail("leak");
		const browser = h.browser();
		await signUp(h, browser, email);
		expect((await signIn(h, h.browser(), email, "not the password at all")).status).toBe(401);
		expect((await signIn(h, browser, email)).status).toBe(200);
		expect((await h.request("/auth/password", { method: "POST", browser, json: { currentPassword: "wrong current password", password: NEW_PASSWORD } })).status).toBe(401);
		expect((await h.request("/auth/password", { method: "POST", browser, json: { currentPassword: PASSWORD, password: NEW_PASSWORD } })).status).toBe(200);
		expect((await h.request("/auth/session", { browser })).status).toBe(200);
		expect((await h.request("/account", { browser })).status).toBe(200);
		expect((await h.request("/auth/signout", { method: "POST", browser })).status).toBeLessThan(300);
		guard.addSecret("wrong password", "not the password at all");
		guard.addSecret("wrong current password", "wrong current password");
	});

	it("email verification by POST and by the mailed link, and a guessed token", async () => {
		const email = uniqueEmail("verify");
		const browser = h.browser();
		await signUp(h, browser, email);
		expect((await h.request("/auth/verify-email", { method: "POST", browser, json: { token: GUESSED_TOKEN } })).status).toBe(422);
		const link = new URL(h.mailer.lastTo(email)?.text.match(/https?:\/\/\S+verify-email\S+/)?.[0] ?? "");
		expect((await h.request(`${link.pathname}${link.search}`, { browser })).status).toBe(303);
		// Confirming replaced the session: the page's next read hands the browser its new CSRF token.
		expect((await h.request("/auth/session", { browser })).status).toBe(200);
		expect((await h.request("/auth/verify-email", { method: "POST", browser, json: { token: tokenFromMail(h.mailer, email) } })).status).toBe(422);
	});

	it("password reset: the page the link opens, the reset, a reuse and a guessed token", async () => {
		const email = uniqueEmail("reset");
		await signUp(h, h.browser(), email);
		expect((await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email } })).status).toBe(202);
		const token = tokenFromMail(h.mailer, email);
		const visitor = h.browser();
		expect((await h.request(`/reset-password?token=${token}`, { browser: visitor })).status).toBe(200);
		expect((await h.request("/auth/password/reset", { method: "POST", browser: visitor, json: { token, password: NEW_PASSWORD } })).status).toBe(200);
		expect((await h.request("/auth/password/reset", { method: "POST", browser: h.browser(), json: { token, password: NEW_PASSWORD } })).status).toBe(422);
		expect((await h.request(`/reset-password?token=${GUESSED_TOKEN}`, { browser: h.browser() })).status).toBe(200);
		expect((await h.request("/auth/password/reset", { method: "POST", browser: h.browser(), json: { token: GUESSED_TOKEN, password: NEW_PASSWORD } })).status).toBe(422);
	});
});

describe("provider sign-in", () => {
	it("Google: a new account, a replayed callback, and linking Google to the signed-in account", async () => {
		const email = uniqueEmail("gleak");
		await sandboxUser("google", email);
		const browser = h.browser();
		const callback = await providerCallback("google", browser, email);
		expect((await h.request(callback, { browser })).status).toBe(303);
		const replay = await h.request(callback, { browser: h.browser() });
		expect(replay.headers.get("location")).toMatch(/error=google-/);

		const mine = uniqueEmail("mine");
		const other = uniqueEmail("my-gmail");
		const me = h.browser();
		await signUp(h, me, mine);
		await sandboxUser("google", other);
		expect((await h.request(await providerCallback("google", me, other, "&link=1"), { browser: me })).status).toBe(303);
		expect((await h.request("/account", { browser: me })).status).toBe(200);
		expect((await h.request("/api/v1/me", { browser: me })).status).toBe(200);
	});

	it("Google without a verified address: the pending login, its mailed link and page, and the confirmation", async () => {
		const email = uniqueEmail("gunverified");
		await signUp(h, h.browser(), email);
		await sandboxUser("google", email, { emailVerified: false });
		const browser = h.browser();
		const refused = await h.request(await providerCallback("google", browser, email), { browser });
		expect(refused.headers.get("location")).toMatch(/error=email-unverified$/);
		expect((await h.request("/auth/pending-login", { browser })).status).toBe(200);
		expect((await h.request("/auth/pending-login/email", { method: "POST", browser, json: { email } })).status).toBe(202);
		const token = tokenFromMail(h.mailer, email);
		expect((await h.request(`/link-login?token=${token}`, { browser })).status).toBe(200);
		expect((await h.request(`/link-login?token=${token}`, { browser: h.browser() })).status).toBe(200);
		expect((await h.request("/auth/pending-login/confirm", { method: "POST", browser, json: { token } })).status).toBe(200);
	});

	it("Facebook: a new account and one that shares no address, finished by a mailed link", async () => {
		const email = uniqueEmail("fleak");
		await sandboxUser("facebook", email);
		const browser = h.browser();
		expect((await h.request(await providerCallback("facebook", browser, email), { browser })).status).toBe(303);
		expect((await h.request("/auth/session", { browser })).status).toBe(200);

		const hidden = uniqueEmail("fhidden");
		await sandboxUser("facebook", hidden, { shareEmail: false });
		const second = h.browser();
		const pending = await h.request(await providerCallback("facebook", second, hidden), { browser: second });
		expect(pending.status).toBe(303);
		expect((await h.request("/auth/pending-login", { browser: second })).status).toBe(200);
		expect((await h.request("/auth/pending-login/email", { method: "POST", browser: second, json: { email: hidden } })).status).toBe(202);
		expect((await h.request("/auth/pending-login/confirm", { method: "POST", browser: second, json: { token: tokenFromMail(h.mailer, hidden) } })).status).toBe(200);
	});
});

describe("the guard saw the flows", () => {
	it("learnt the provider tokens, codes, mailed tokens and cookies it scans for", () => {
		// Env secrets (8) plus what the flows above produced: without these the silence below would mean little.
		expect(guard.secretCount).toBeGreaterThan(60);
		expect(env.GOOGLE_ISSUER.startsWith(sandboxUrl)).toBe(true);
	});
});

expectNoLeaks(guard);
