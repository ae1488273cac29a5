import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { OAuthError } from "../../src/oauth/client";
import { FacebookOAuth } from "../../src/oauth/facebook";
import { identities, users } from "../../src/db/schema";
import { PASSWORD, db, harness, signIn, signUp, tokenFromMail, uniqueEmail } from "./harness";
import type { Browser, Harness } from "./harness";

const sandboxUrl = inject("sandboxUrl");
const CALLBACK = "/auth/facebook/callback";

interface FacebookUser {
	email: string;
	shareEmail?: boolean;
}

async function facebookUser(user: FacebookUser): Promise<void> {
	const response = await fetch(`${sandboxUrl}/_control/facebook/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ givenName: "Fay", familyName: "Book", name: "Fay Book", picture: "https://pics.example/fay.png", ...user }),
	});
	expect(response.ok).toBe(true);
}

/** /auth/facebook → the sandbox dialog (skipped by login_hint) → the callback path Facebook would send the browser to. */
async function authorize(h: Harness, browser: Browser, email: string, query = ""): Promise<string> {
	const start = await h.request(`/auth/facebook?login_hint=${encodeURIComponent(email)}${query}`, { browser });
	expect(start.status).toBe(302);
	const dialog = new URL(start.headers.get("location") ?? "");
	expect(`${dialog.origin}${dialog.pathname}`).toBe(env.FACEBOOK_DIALOG_URL);
	const consent = await fetch(dialog, { redirect: "manual" });
	expect(consent.status).toBe(302);
	const callback = new URL(consent.headers.get("location") ?? "");
	expect(callback.pathname).toBe(CALLBACK);
	return `${callback.pathname}${callback.search}`;
}

async function sessionUser(h: Harness, browser: Browser): Promise<{ id: string; email: string; emailVerified: boolean } | null> {
	const body = await (await h.request("/auth/session", { browser })).json<{ user: { id: string; email: string; emailVerified: boolean } | null }>();
	return body.user;
}

async function facebookIdentities(email: string): Promise<Array<typeof identities.$inferSelect>> {
	const user = await db().select({ id: users.id }).from(users).where(eq(users.email, email)).get();
	if (user === undefined) return [];
	return db().select().from(identities).where(eq(identities.userId, user.id)).all();
}

describe("Sign in with Facebook (against the sandbox)", () => {
	let h: Harness;
	beforeEach(() => {
		h = harness();
	});

	it("asks only for basic profile with state and S256 PKCE, creates the account from the profile and reuses it", async () => {
		const email = uniqueEmail("fay");
		await facebookUser({ email });
		const browser = h.browser();
		const start = await h.request(`/auth/facebook?login_hint=${encodeURIComponent(email)}&returnTo=/book/x`, { browser });
		const dialog = new URL(start.headers.get("location") ?? "");
		expect(dialog.searchParams.get("scope")).toBe("public_profile,email");
		expect(dialog.searchParams.get("code_challenge_method")).toBe("S256");
		expect(dialog.searchParams.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(dialog.searchParams.get("state")).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(dialog.searchParams.get("client_id")).toBe(env.FACEBOOK_APP_ID);
		expect(dialog.searchParams.get("redirect_uri")).toBe(`${env.APP_URL}${CALLBACK}`);
		expect(browser.oauthCookie).not.toBe("");

		const consent = await fetch(dialog, { redirect: "manual" });
		const callback = new URL(consent.headers.get("location") ?? "");
		const done = await h.request(`${callback.pathname}${callback.search}`, { browser });
		expect(done.status).toBe(303);
		// The sandbox's Facebook access tokens start with "EAAB": none reaches the browser.
		expect(`${done.headers.get("location")}${done.headers.getSetCookie().join()}${await done.text()}`).not.toContain("EAAB");
		expect(done.headers.get("location")).toBe(`${env.APP_URL}/book/x`);
		expect(browser.oauthCookie).toBe("");
		expect(await (await h.request("/api/v1/me", { browser })).text()).not.toContain("EAAB");
		const first = await sessionUser(h, browser);
		// Facebook's address is not proof: the account exists but its email is unconfirmed, and a confirmation went out.
		expect(first).toMatchObject({ email, emailVerified: false });
		expect(h.mailer.lastTo(email)?.subject).toMatch(/confirm/i);
		const row = await db().select().from(users).where(eq(users.email, email)).get();
		expect(row).toMatchObject({ firstName: "Fay", lastName: "Book", photoUrl: "https://pics.example/fay.png", passwordHash: null });

		const again = h.browser();
		await h.request(await authorize(h, again, email), { browser: again });
		expect((await sessionUser(h, again))?.id).toBe(first?.id);
		expect(await facebookIdentities(email)).toHaveLength(1);
	});

	it("refuses a tampered state, a replayed callback and a forged flow cookie", async () => {
		const email = uniqueEmail("fay");
		await facebookUser({ email });
		const browser = h.browser();
		const callback = await authorize(h, browser, email);
		const tampered = await h.request(callback.replace(/state=[^&]+/, "state=forged"), { browser: { ...browser } });
		expect(tampered.headers.get("location")).toMatch(/\/signin\?error=facebook-invalid$/);
		expect(await sessionUser(h, browser)).toBeNull();

		// The flow cookie is single use, and a stranger's browser has none.
		const replay = await h.request(callback, { browser: { ...browser, oauthCookie: "" } });
		expect(replay.headers.get("location")).toMatch(/error=facebook-expired$/);

		const other = h.browser();
		const otherCallback = await authorize(h, other, email);
		const [value] = decodeURIComponent(other.oauthCookie).split(".");
		const forged = await h.request(otherCallback, { browser: { ...other, oauthCookie: encodeURIComponent(`${value}.${"A".repeat(43)}=`) } });
		expect(forged.headers.get("location")).toMatch(/error=facebook-expired$/);
		expect(await db().select().from(users).where(eq(users.email, email)).get()).toBeUndefined();
	});

	it("does not take a Google flow cookie at the Facebook callback", async () => {
		const email = uniqueEmail("fay");
		await facebookUser({ email });
		const browser = h.browser();
		const callback = await authorize(h, browser, email);
		await h.request("/auth/google?login_hint=nobody@example.com", { browser });
		const response = await h.request(callback, { browser });
		expect(response.headers.get("location")).toMatch(/error=facebook-expired$/);
	});

	it("shows a clear message when the person cancels consent", async () => {
		const email = uniqueEmail("shy");
		const browser = h.browser();
		const start = await h.request(`/auth/facebook`, { browser });
		const dialog = new URL(start.headers.get("location") ?? "");
		// The consent page's Deny button posts the dialog parameters with decision=deny.
		const form = new URLSearchParams(dialog.searchParams);
		form.set("decision", "deny");
		const denied = await fetch(`${dialog.origin}${dialog.pathname}`, { method: "POST", body: form, redirect: "manual" });
		const callback = new URL(denied.headers.get("location") ?? "");
		expect(callback.searchParams.get("error")).toBe("access_denied");
		const response = await h.request(`${callback.pathname}${callback.search}`, { browser });
		expect(response.headers.get("location")).toBe(`${env.APP_URL}/signin?error=facebook-denied`);
		expect(browser.cookie).toBe("");
		expect(await db().select().from(users).where(eq(users.email, email)).get()).toBeUndefined();
		const message = await h.request("/auth/sign-in-errors/facebook-denied");
		expect(await message.json()).toMatchObject({ message: expect.stringMatching(/cancelled/i) });
	});

	it("creates nothing without an email, asks for one, and finishes once it is confirmed", async () => {
		const hidden = uniqueEmail("hidden");
		await facebookUser({ email: hidden, shareEmail: false });
		const browser = h.browser();
		const response = await h.request(await authorize(h, browser, hidden), { browser });
		expect(response.headers.get("location")).toMatch(/\/signin\?error=email-missing$/);
		expect(browser.cookie).toBe("");
		expect(await db().select().from(users).where(eq(users.email, hidden)).get()).toBeUndefined();

		const pending = await h.request("/auth/pending-login", { browser });
		expect(await pending.json()).toMatchObject({ provider: "facebook", reason: "email-missing", email: null, firstName: "Fay", message: expect.stringMatching(/email/) });

		const chosen = uniqueEmail("chosen");
		const sent = await h.request("/auth/pending-login/email", { method: "POST", browser, json: { email: chosen } });
		expect(sent.status).toBe(202);
		expect(browser.cookie).toBe("");
		expect(await db().select().from(users).where(eq(users.email, chosen)).get()).toBeUndefined();
		const token = tokenFromMail(h.mailer, chosen);
		expect(await sent.text()).not.toContain(token);

		// The link proves the mailbox, and this browser's pending login proves who signed in with
		// Facebook: another device is refused (test/security/pending-login-takeover.test.ts has why).
		const phone = h.browser();
		const elsewhere = await h.request("/auth/pending-login/confirm", { method: "POST", browser: phone, json: { token } });
		expect(elsewhere.status).toBe(422);
		expect(phone.cookie).toBe("");
		const confirmed = await h.request("/auth/pending-login/confirm", { method: "POST", browser, json: { token } });
		expect(confirmed.status).toBe(200);
		const text = await confirmed.text();
		expect(text).not.toContain(token);
		expect(JSON.parse(text)).toMatchObject({ user: { email: chosen, emailVerified: true, firstName: "Fay" } });
		expect(await facebookIdentities(chosen)).toHaveLength(1);
		expect(browser.pendingCookie).toBe("");

		// Later Facebook sign-ins, on any device, go straight to that account.
		await h.request(await authorize(h, phone, hidden), { browser: phone });
		expect(await sessionUser(h, phone)).toMatchObject({ email: chosen });
		const reuse = await h.request("/auth/pending-login/confirm", { method: "POST", browser: h.browser(), json: { token } });
		expect(reuse.status).toBe(422);
	});

	it("never links to an existing account by Facebook's email: it says so and links only after that account's sign-in", async () => {
		const email = uniqueEmail("owner");
		const owner = h.browser();
		await signUp(h, owner, email);
		await db().update(users).set({ emailVerifiedAt: Date.now() }).where(eq(users.email, email));
		await facebookUser({ email });

		const attacker = h.browser();
		const response = await h.request(await authorize(h, attacker, email), { browser: attacker });
		expect(response.headers.get("location")).toMatch(/\/signin\?error=email-in-use$/);
		expect(attacker.cookie).toBe("");
		expect(await facebookIdentities(email)).toEqual([]);

		// The owner signs in with the password, then links Facebook from the profile.
		const browser = h.browser();
		expect((await signIn(h, browser, email)).status).toBe(200);
		const me = await sessionUser(h, browser);
		const linked = await h.request(await authorize(h, browser, email, "&link=1"), { browser });
		expect(linked.headers.get("location")).toBe(`${env.APP_URL}/account`);
		expect((await sessionUser(h, browser))?.id).toBe(me?.id);
		expect(await facebookIdentities(email)).toHaveLength(1);
	});

	it("links to the existing account through an emailed confirmation, which goes to that account's address", async () => {
		const email = uniqueEmail("owner");
		await signUp(h, h.browser(), email);
		await facebookUser({ email });
		const browser = h.browser();
		await h.request(await authorize(h, browser, email), { browser });
		const sent = await h.request("/auth/pending-login/email", { method: "POST", browser, json: { email } });
		expect(sent.status).toBe(202);
		expect(await facebookIdentities(email)).toEqual([]);
		const again = await h.request("/auth/pending-login/email", { method: "POST", browser, json: { email } });
		expect(again.status).toBe(429);
		const confirmed = await h.request("/auth/pending-login/confirm", { method: "POST", browser, json: { token: tokenFromMail(h.mailer, email) } });
		expect(confirmed.status).toBe(200);
		expect(await facebookIdentities(email)).toHaveLength(1);
	});

	it("lets the mailbox owner reclaim an address someone took with Facebook: a password reset drops that login", async () => {
		const email = uniqueEmail("victim");
		await facebookUser({ email });
		const squatter = h.browser();
		await h.request(await authorize(h, squatter, email), { browser: squatter });
		expect(await sessionUser(h, squatter)).toMatchObject({ email, emailVerified: false });

		await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email } });
		const reset = await h.request("/auth/password/reset", {
			method: "POST",
			browser: h.browser(),
			json: { token: tokenFromMail(h.mailer, email), password: PASSWORD },
		});
		expect(reset.status).toBe(200);
		expect(await sessionUser(h, squatter)).toBeNull();
		expect(await facebookIdentities(email)).toEqual([]);
		// The squatter's Facebook now opens nothing: the address belongs to a proven account.
		const retry = h.browser();
		const response = await h.request(await authorize(h, retry, email), { browser: retry });
		expect(response.headers.get("location")).toMatch(/error=email-in-use$/);
	});

	it("is refused by Facebook for a wrong PKCE verifier, a missing one, and a replayed code", async () => {
		const email = uniqueEmail("pkce");
		await facebookUser({ email });
		const redirectUri = `${env.APP_URL}${CALLBACK}`;
		const facebook = new FacebookOAuth({
			dialogUrl: env.FACEBOOK_DIALOG_URL,
			graphApi: env.FACEBOOK_GRAPH_API,
			appId: env.FACEBOOK_APP_ID,
			appSecret: env.FACEBOOK_APP_SECRET,
			redirectUri,
		});
		async function callbackFor(): Promise<{ url: URL; flow: { state: string; codeVerifier: string } }> {
			const { url, flow } = await facebook.startSignIn(email);
			const consent = await fetch(url, { redirect: "manual" });
			return { url: new URL(consent.headers.get("location") ?? ""), flow };
		}

		const wrong = await callbackFor();
		const error = await facebook.finishSignIn(wrong.url, { ...wrong.flow, codeVerifier: "x".repeat(43) }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(OAuthError);
		expect((error as OAuthError).reason).toBe("invalid");

		const missing = await callbackFor();
		const exchange = new URL(`${env.FACEBOOK_GRAPH_API}/oauth/access_token`);
		for (const [key, value] of Object.entries({ client_id: env.FACEBOOK_APP_ID, client_secret: env.FACEBOOK_APP_SECRET, redirect_uri: redirectUri })) {
			exchange.searchParams.set(key, value);
		}
		exchange.searchParams.set("code", missing.url.searchParams.get("code") ?? "");
		expect((await fetch(exchange)).status).toBe(400);

		const good = await callbackFor();
		expect(await facebook.finishSignIn(good.url, good.flow)).toMatchObject({ email, emailVerified: false, givenName: "Fay" });
		await expect(facebook.finishSignIn(good.url, good.flow)).rejects.toBeInstanceOf(OAuthError);
	});
});
