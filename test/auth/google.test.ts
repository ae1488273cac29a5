import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { identities, users } from "../../src/db/schema";
import { PASSWORD, db, harness, signIn, signUp, tokenFromMail, uniqueEmail } from "./harness";
import type { Browser, Harness } from "./harness";

const sandboxUrl = inject("sandboxUrl");

async function sandboxUser(email: string, emailVerified = true): Promise<void> {
	const response = await fetch(`${sandboxUrl}/_control/google/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, emailVerified, givenName: "Gail", familyName: "Google", name: "Gail Google" }),
	});
	expect(response.ok).toBe(true);
}

/** /auth/google → sandbox consent (skipped by login_hint) → the callback URL Google would send the browser to. */
async function authorize(h: Harness, browser: Browser, email: string, returnTo = "/book/chez-test", extra = ""): Promise<string> {
	const start = await h.request(`/auth/google?login_hint=${encodeURIComponent(email)}&returnTo=${encodeURIComponent(returnTo)}${extra}`, { browser });
	expect(start.status).toBe(302);
	expect(browser.oauthCookie).not.toBe("");
	const authorizeUrl = new URL(start.headers.get("location") ?? "");
	expect(authorizeUrl.origin).toBe(sandboxUrl);
	expect(authorizeUrl.searchParams.get("code_challenge_method")).toBe("S256");
	expect(authorizeUrl.searchParams.get("nonce")).toBeTruthy();
	expect(authorizeUrl.searchParams.get("state")).toBeTruthy();
	const consent = await fetch(authorizeUrl, { redirect: "manual" });
	expect(consent.status).toBe(302);
	const callback = new URL(consent.headers.get("location") ?? "");
	expect(callback.pathname).toBe("/auth/google/callback");
	return `${callback.pathname}${callback.search}`;
}

async function sessionUser(h: Harness, browser: Browser): Promise<{ id: string; email: string; emailVerified: boolean } | null> {
	const body = await (await h.request("/auth/session", { browser })).json<{ user: { id: string; email: string; emailVerified: boolean } | null }>();
	return body.user;
}

describe("Sign in with Google (against the sandbox)", () => {
	let h: Harness;
	beforeEach(() => {
		h = harness();
		expect(env.GOOGLE_ISSUER).toBe(`${sandboxUrl}/google`);
	});

	it("creates a verified account on first sign-in and reuses it afterwards", async () => {
		const email = uniqueEmail("gail");
		await sandboxUser(email);
		const browser = h.browser();
		const done = await h.request(await authorize(h, browser, email), { browser });
		expect(done.status).toBe(303);
		expect(done.headers.get("location")).toBe(`${env.APP_URL}/book/chez-test`);
		expect(browser.oauthCookie).toBe("");
		const first = await sessionUser(h, browser);
		expect(first).toMatchObject({ email, emailVerified: true });
		const row = await db().select().from(users).where(eq(users.email, email)).get();
		expect(row).toMatchObject({ firstName: "Gail", lastName: "Google", passwordHash: null });

		const again = h.browser();
		await h.request(await authorize(h, again, email), { browser: again });
		expect((await sessionUser(h, again))?.id).toBe(first?.id);
		expect(await db().select().from(identities).where(eq(identities.userId, first?.id ?? "")).all()).toHaveLength(1);
	});

	it("refuses a callback whose state does not match the browser's flow, and a replayed callback", async () => {
		const email = uniqueEmail("gail");
		await sandboxUser(email);
		const browser = h.browser();
		const callback = await authorize(h, browser, email);
		const tampered = callback.replace(/state=[^&]+/, "state=forged");
		const refused = await h.request(tampered, { browser: { ...browser } });
		expect(refused.status).toBe(303);
		expect(refused.headers.get("location")).toMatch(/\/signin\?error=google-invalid$/);
		expect(await sessionUser(h, browser)).toBeNull();

		// The flow cookie is single use, so the genuine callback can no longer be replayed either.
		const replay = await h.request(callback, { browser: { ...browser, oauthCookie: "" } });
		expect(replay.headers.get("location")).toMatch(/error=google-expired$/);

		// Nor can someone else's browser, which has no flow cookie, finish it.
		const stranger = h.browser();
		const stolen = await h.request(callback, { browser: stranger });
		expect(stolen.headers.get("location")).toMatch(/error=google-expired$/);
		expect(stranger.cookie).toBe("");
	});

	it("refuses a forged flow cookie", async () => {
		const email = uniqueEmail("gail");
		await sandboxUser(email);
		const browser = h.browser();
		const callback = await authorize(h, browser, email);
		const [value] = decodeURIComponent(browser.oauthCookie).split(".");
		const forged = { ...browser, oauthCookie: encodeURIComponent(`${value}.${"A".repeat(43)}=`) };
		const response = await h.request(callback, { browser: forged });
		expect(response.headers.get("location")).toMatch(/error=google-expired$/);
	});

	it("links to an existing verified account with the same address; the password keeps working", async () => {
		const email = uniqueEmail("both");
		const owner = h.browser();
		await signUp(h, owner, email);
		const userId = (await sessionUser(h, owner))?.id;
		await db().update(users).set({ emailVerifiedAt: Date.now() }).where(eq(users.email, email));
		await sandboxUser(email);

		const browser = h.browser();
		await h.request(await authorize(h, browser, email), { browser });
		expect((await sessionUser(h, browser))?.id).toBe(userId);
		expect((await signIn(h, h.browser(), email)).status).toBe(200);
		expect(await sessionUser(h, owner)).not.toBeNull();
	});

	it("takes over nothing: an unverified pre-registered account loses its password and sessions when linked", async () => {
		const email = uniqueEmail("victim");
		const squatter = h.browser();
		await signUp(h, squatter, email, PASSWORD);
		await sandboxUser(email);

		const victim = h.browser();
		await h.request(await authorize(h, victim, email), { browser: victim });
		expect(await sessionUser(h, victim)).toMatchObject({ email, emailVerified: true });
		expect(await sessionUser(h, squatter)).toBeNull();
		expect((await signIn(h, h.browser(), email, PASSWORD)).status).toBe(401);
	});

	it("does not link or create an account when Google has not verified the address", async () => {
		const email = uniqueEmail("unverified");
		await signUp(h, h.browser(), email);
		await sandboxUser(email, false);
		const browser = h.browser();
		const response = await h.request(await authorize(h, browser, email), { browser });
		expect(response.headers.get("location")).toMatch(/error=email-unverified$/);
		expect(browser.cookie).toBe("");
		expect(await db().select().from(identities).where(eq(identities.email, email)).all()).toEqual([]);

		// The person may prove the address by email instead; only then is Google linked to the account.
		expect((await h.request("/auth/pending-login/email", { method: "POST", browser, json: { email } })).status).toBe(202);
		expect(await db().select().from(identities).where(eq(identities.email, email)).all()).toEqual([]);
		const confirmed = await h.request("/auth/pending-login/confirm", { method: "POST", browser, json: { token: tokenFromMail(h.mailer, email) } });
		expect(confirmed.status).toBe(200);
		expect(await confirmed.json()).toMatchObject({ user: { email, emailVerified: true } });
		expect(await db().select().from(identities).where(eq(identities.email, email)).all()).toHaveLength(1);
	});

	it("links Google to the signed-in account, when asked, even with another address", async () => {
		const email = uniqueEmail("me");
		const google = uniqueEmail("my-gmail");
		const browser = h.browser();
		await signUp(h, browser, email);
		const me = await sessionUser(h, browser);
		const before = browser.cookie;
		await sandboxUser(google);
		await h.request(await authorize(h, browser, google, "/book/chez-test", "&link=1"), { browser });
		expect((await sessionUser(h, browser))?.id).toBe(me?.id);
		expect(browser.cookie).not.toBe(before);
		const linked = await db().select().from(identities).where(eq(identities.userId, me?.id ?? "")).all();
		expect(linked.map((row) => row.email)).toEqual([google]);
	});

	it("never links to whoever happens to be signed in without ?link=1 (a planted session cannot capture a Google login)", async () => {
		const attacker = uniqueEmail("planted");
		const victimGoogle = uniqueEmail("victim-gmail");
		const browser = h.browser();
		await signUp(h, browser, attacker);
		const planted = await sessionUser(h, browser);
		await sandboxUser(victimGoogle);
		await h.request(await authorize(h, browser, victimGoogle), { browser });
		const now = await sessionUser(h, browser);
		expect(now?.id).not.toBe(planted?.id);
		const attackerLogins = await db().select().from(identities).where(eq(identities.userId, planted?.id ?? "")).all();
		expect(attackerLogins).toEqual([]);
	});

	it("keeps returnTo on this site", async () => {
		const email = uniqueEmail("gail");
		await sandboxUser(email);
		const browser = h.browser();
		const done = await h.request(await authorize(h, browser, email, "//evil.example/steal"), { browser });
		expect(done.headers.get("location")).toBe(`${env.APP_URL}/`);
	});
});
