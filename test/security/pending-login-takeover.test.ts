// Account takeover through the "finish signing in by email" link: an attacker signs in with their own
// Facebook (no email shared), types the victim's address, and the victim opens the mailed link. The
// link alone must not attach the attacker's Facebook to the victim's account: it works only in the
// browser holding the pending login it was sent for, and the mail says exactly what it would link.
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { EMAIL_TOKEN_TTL_MS } from "../../src/auth/tokens";
import { identities, users } from "../../src/db/schema";
import { PASSWORD, db, harness, signIn, signUp, tokenFromMail, uniqueEmail } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";
import { expectNoLeaks, guardLeaks } from "./leak-guard";

const sandboxUrl = inject("sandboxUrl");
const guard = guardLeaks();
let h: Harness;
beforeEach(() => {
	h = harness();
	guard.addSecret("password", PASSWORD);
});

/** A sandbox Facebook account that shares no email address (so the login ends pending). */
async function facebookWithoutEmail(label: string, name: { givenName: string; familyName: string }): Promise<string> {
	const email = uniqueEmail(label);
	const response = await fetch(`${sandboxUrl}/_control/facebook/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, shareEmail: false, ...name, name: `${name.givenName} ${name.familyName}` }),
	});
	expect(response.ok).toBe(true);
	return email;
}

/** Signs in with that Facebook account in `browser`; the app refuses for want of an email and keeps it pending. */
async function pendingFacebookLogin(browser: Browser, facebookEmail: string): Promise<void> {
	const start = await h.request(`/auth/facebook?login_hint=${encodeURIComponent(facebookEmail)}`, { browser });
	const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
	const callback = new URL(consent.headers.get("location") ?? "");
	const done = await h.request(`${callback.pathname}${callback.search}`, { browser });
	expect(done.headers.get("location")).toMatch(/\/signin\?error=email-missing$/);
	expect(browser.pendingCookie).not.toBe("");
}

async function victimAccount(): Promise<{ email: string; id: string; browser: Browser }> {
	const email = uniqueEmail("victim");
	const browser = h.browser();
	await signUp(h, browser, email);
	await db().update(users).set({ emailVerifiedAt: Date.now() }).where(eq(users.email, email));
	const row = await db().select({ id: users.id }).from(users).where(eq(users.email, email)).get();
	return { email, id: row?.id ?? "", browser };
}

async function loginsOf(userId: string): Promise<unknown[]> {
	return db().select({ provider: identities.provider }).from(identities).where(eq(identities.userId, userId)).all();
}

async function confirm(browser: Browser, token: string): Promise<Response> {
	return guard.response("POST /auth/pending-login/confirm", await h.request("/auth/pending-login/confirm", { method: "POST", browser, json: { token } }));
}

describe("finishing a pending provider login by email", () => {
	it("the victim opening the attacker's link (signed in or not) attaches nothing and signs nobody in", async () => {
		const victim = await victimAccount();
		const attacker = h.browser();
		await pendingFacebookLogin(attacker, await facebookWithoutEmail("mallory-fb", { givenName: "Mallory", familyName: "Mal" }));
		const sent = await h.request("/auth/pending-login/email", { method: "POST", browser: attacker, json: { email: victim.email } });
		expect(sent.status).toBe(202);
		const token = tokenFromMail(h.mailer, victim.email);
		guard.addSecret("link token", token);

		// The mail says what would happen, whose Facebook it is, and where the link works.
		const mail = h.mailer.lastTo(victim.email);
		expect(mail?.text).toContain('the Facebook account of "Mallory Mal"');
		expect(mail?.text).toMatch(/whoever can sign in to that Facebook account will be able to sign in to it/);
		expect(mail?.text).toMatch(/only in the browser where that Facebook sign-in was started, and expires in 30 minutes/);
		expect(mail?.text).toContain("/link-login?token=");

		// The victim's own browser, signed in, then a fresh one: both refused with a clear message.
		for (const browser of [victim.browser, h.browser()]) {
			const before = browser.cookie;
			const refused = await confirm(browser, token);
			expect(refused.status).toBe(422);
			expect(await refused.json()).toMatchObject({ type: "https://slotline.dev/problems/pending-login-elsewhere", detail: expect.stringMatching(/browser where you signed in with Facebook/) });
			expect(browser.cookie).toBe(before);
		}
		expect(await loginsOf(victim.id)).toEqual([]);
		// The victim's own session is untouched, and their password still the only way in.
		expect((await (await h.request("/auth/session", { browser: victim.browser })).json<{ user: { id: string } }>()).user.id).toBe(victim.id);
		expect((await signIn(h, h.browser(), victim.email)).status).toBe(200);
	});

	it("another browser's pending login (even for Facebook too) does not fit the link", async () => {
		const victim = await victimAccount();
		const attacker = h.browser();
		await pendingFacebookLogin(attacker, await facebookWithoutEmail("mallory-fb", { givenName: "Mallory", familyName: "Mal" }));
		await h.request("/auth/pending-login/email", { method: "POST", browser: attacker, json: { email: victim.email } });
		const token = tokenFromMail(h.mailer, victim.email);

		const bystander = h.browser();
		await pendingFacebookLogin(bystander, await facebookWithoutEmail("bob-fb", { givenName: "Bob", familyName: "By" }));
		expect((await confirm(bystander, token)).status).toBe(422);
		// The attacker's signed cookie copied with the binding part swapped is a forgery: refused as well.
		const [value] = decodeURIComponent(attacker.pendingCookie).split(".");
		const forged = { ...h.browser(), pendingCookie: encodeURIComponent(`${value}.${"A".repeat(43)}=`) };
		expect((await confirm(forged, token)).status).toBe(422);
		expect(await loginsOf(victim.id)).toEqual([]);
	});

	it("lives no longer than the pending login it needs", () => {
		expect(EMAIL_TOKEN_TTL_MS["link-identity"]).toBe(30 * 60 * 1000);
	});

	it("works in the browser that started the login, once (so the refusals above are the browser check)", async () => {
		const person = await victimAccount();
		const browser = h.browser();
		await pendingFacebookLogin(browser, await facebookWithoutEmail("own-fb", { givenName: "Pat", familyName: "Own" }));
		await h.request("/auth/pending-login/email", { method: "POST", browser, json: { email: person.email } });
		const token = tokenFromMail(h.mailer, person.email);
		// A wrong browser first: the link is not used up by it.
		expect((await confirm(h.browser(), token)).status).toBe(422);
		const done = await confirm(browser, token);
		expect(done.status).toBe(200);
		expect(await done.json()).toMatchObject({ user: { id: person.id } });
		expect(browser.pendingCookie).toBe("");
		expect(await loginsOf(person.id)).toEqual([{ provider: "facebook" }]);
		expect((await confirm(browser, token)).status).toBe(422);
	});
});

expectNoLeaks(guard);
