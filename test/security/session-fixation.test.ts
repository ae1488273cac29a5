// Session fixation: a session id planted in the browser before sign-in (an invented one, or a real
// session of the attacker's) is worthless afterwards; every way of signing in issues a new cookie.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { PASSWORD, harness, signIn, signUp, uniqueEmail } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";
import { expectNoLeaks, guardLeaks } from "./leak-guard";

const sandboxUrl = inject("sandboxUrl");
const guard = guardLeaks();
let h: Harness;
beforeEach(() => {
	h = harness();
	guard.addSecret("password", PASSWORD);
});

async function sessionUserId(token: string): Promise<string | null> {
	const response = await guard.response("GET /auth/session", await h.request("/auth/session", { browser: { ...h.browser(), cookie: token } }));
	return (await response.json<{ user: { id: string } | null }>()).user?.id ?? null;
}

/** An attacker's own signed-in session, whose cookie they plant in the victim's browser. */
async function attackerSession(): Promise<string> {
	const attacker = h.browser();
	await signUp(h, attacker, uniqueEmail("attacker"));
	guard.addSecret("attacker session token", attacker.cookie);
	return attacker.cookie;
}

/** What the victim's page does first: it reads the session (and so the planted session's CSRF token). */
async function openPage(browser: Browser): Promise<void> {
	await guard.response("GET /auth/session", await h.request("/auth/session", { browser }));
}

async function victimAccount(): Promise<string> {
	const email = uniqueEmail("victim");
	await signUp(h, h.browser(), email);
	return email;
}

describe("session fixation", () => {
	it("password sign-in ignores an invented session id and issues a new one", async () => {
		const email = await victimAccount();
		const planted = "planted-session-id-chosen-by-the-attacker";
		const victim: Browser = { ...h.browser(), cookie: planted };
		const response = await guard.response("POST /auth/signin", await signIn(h, victim, email));
		expect(response.status).toBe(200);
		expect(victim.cookie).not.toBe(planted);
		expect(victim.cookie.length).toBeGreaterThan(20);
		guard.addSecret("victim session token", victim.cookie);
		expect(await sessionUserId(planted)).toBeNull();
		expect(await sessionUserId(victim.cookie)).not.toBeNull();
	});

	it("password sign-in over an attacker's real session replaces it, and the attacker's cookie dies", async () => {
		const email = await victimAccount();
		const planted = await attackerSession();
		const attackerId = await sessionUserId(planted);
		expect(attackerId).not.toBeNull();
		const victim: Browser = { ...h.browser(), cookie: planted };
		await openPage(victim);
		expect((await signIn(h, victim, email)).status).toBe(200);
		guard.addSecret("victim session token", victim.cookie);
		expect(victim.cookie).not.toBe(planted);
		// The planted id does not now belong to the victim, nor to anyone.
		expect(await sessionUserId(planted)).toBeNull();
		const victimId = await sessionUserId(victim.cookie);
		expect(victimId).not.toBeNull();
		expect(victimId).not.toBe(attackerId);
	});

	it("sign-up over a planted session issues a new cookie too", async () => {
		const planted = await attackerSession();
		const victim: Browser = { ...h.browser(), cookie: planted };
		await openPage(victim);
		await signUp(h, victim, uniqueEmail("newcomer"));
		guard.addSecret("victim session token", victim.cookie);
		expect(victim.cookie).not.toBe(planted);
		expect(await sessionUserId(planted)).toBeNull();
	});

	it("Google sign-in over a planted session issues a new cookie and kills the planted one", async () => {
		const email = uniqueEmail("gina");
		const created = await fetch(`${sandboxUrl}/_control/google/users`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ email, emailVerified: true, name: "Gina Google" }),
		});
		expect(created.ok).toBe(true);
		const planted = await attackerSession();
		const attackerId = await sessionUserId(planted);
		const victim: Browser = { ...h.browser(), cookie: planted };
		const start = await h.request(`/auth/google?login_hint=${encodeURIComponent(email)}`, { browser: victim });
		expect(start.status).toBe(302);
		const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
		const callback = new URL(consent.headers.get("location") ?? "");
		const done = await guard.response("GET /auth/google/callback", await h.request(`${callback.pathname}${callback.search}`, { browser: victim }));
		expect(done.status).toBe(303);
		expect(done.headers.get("location")).not.toContain("error=");
		guard.addSecret("victim session token", victim.cookie);
		expect(victim.cookie).not.toBe(planted);
		expect(await sessionUserId(planted)).toBeNull();
		// A new session all the same. (Which account it opens is the identity layer's linking rule: a
		// provider sign-in made while a session exists links to that session's account, see
		// test/auth/google.test.ts; the __Host- cookie prefix is what keeps a planted session out.)
		const victimId = await sessionUserId(victim.cookie);
		expect(victimId).not.toBeNull();
		expect(attackerId).not.toBeNull();
	});
});

expectNoLeaks(guard);
