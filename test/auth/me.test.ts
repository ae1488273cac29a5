import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { customers, identities, merchants } from "../../src/db/schema";
import { at, upcoming } from "../support/demo";
import { control } from "../support/sandbox-control";
import { flushSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";
import { PASSWORD, db, harness, seedMerchant, signIn, signUp, tokenFromMail, uniqueEmail } from "./harness";
import type { Browser, Harness } from "./harness";

const sandboxUrl = inject("sandboxUrl");

interface Profile {
	user: { id: string; email: string; emailVerified: boolean; pendingEmail: string | null; firstName: string | null; photoUrl: string | null };
	signIn: { password: boolean; logins: Array<{ id: string; provider: string }> };
	memberships: Array<{ merchantId: string; role: string }>;
}

/** Signs in (or links, with "&link=1") through the sandbox's Google. */
async function google(h: Harness, browser: Browser, email: string, query = ""): Promise<Response> {
	const start = await h.request(`/auth/google?login_hint=${encodeURIComponent(email)}${query}`, { browser });
	const location = start.headers.get("location") ?? "";
	if (!location.startsWith(sandboxUrl)) return start;
	const consent = await fetch(location, { redirect: "manual" });
	const callback = new URL(consent.headers.get("location") ?? "");
	const done = await h.request(`${callback.pathname}${callback.search}`, { browser });
	// As the page would after the redirect: pick up the new session's CSRF token.
	await h.request("/auth/session", { browser });
	return done;
}

async function profile(h: Harness, browser: Browser): Promise<Profile> {
	const response = await h.request("/api/v1/me", { browser });
	expect(response.status).toBe(200);
	return response.json<Profile>();
}

async function verifiedAccount(h: Harness, email = uniqueEmail()): Promise<Browser> {
	const browser = h.browser();
	await signUp(h, browser, email);
	await h.request("/auth/verify-email", { method: "POST", browser, json: { token: tokenFromMail(h.mailer, email) } });
	return browser;
}

/** Books through the public API and waits until D1's read model (what /api/v1/me reads) has the booking. */
async function book(h: Harness, browser: Browser, time: string, email = "typed@example.com"): Promise<Response> {
	const response = await h.request("/api/v1/m/demo/bookings", {
		method: "POST",
		browser,
		json: {
			serviceId: "svc_demo_cut",
			staffId: "stf_demo_ana",
			start: at(upcoming(4), time),
			timezone: "Europe/Amsterdam",
			customer: { name: "Cam Customer", email },
		},
	});
	await flushSchedule();
	return response;
}

describe("profile: GET/PATCH /api/v1/me", () => {
	let h: Harness;
	beforeEach(() => {
		h = harness();
	});

	it("needs a session, and shows the profile and ways in without secrets", async () => {
		expect((await h.request("/api/v1/me")).status).toBe(401);
		const email = uniqueEmail();
		const browser = h.browser();
		await signUp(h, browser, email);
		const response = await h.request("/api/v1/me", { browser });
		const text = await response.text();
		expect(text).not.toContain(PASSWORD);
		expect(text).not.toMatch(/pbkdf2|passwordHash/);
		expect(text).not.toContain(browser.cookie);
		expect(text).not.toContain(tokenFromMail(h.mailer, email));
		expect(JSON.parse(text)).toMatchObject({ user: { email, emailVerified: false }, signIn: { password: true, logins: [] } });
	});

	it("updates names and photo, refusing a non-https photo URL", async () => {
		const browser = await verifiedAccount(h);
		const bad = await h.request("/api/v1/me", { method: "PATCH", browser, json: { photoUrl: "javascript:alert(1)" } });
		expect(bad.status).toBe(400);
		const ok = await h.request("/api/v1/me", { method: "PATCH", browser, json: { firstName: " Ada ", photoUrl: "https://pics.example/a.png" } });
		expect(ok.status).toBe(200);
		expect(await ok.json()).toMatchObject({ user: { firstName: "Ada", photoUrl: "https://pics.example/a.png" } });
		const unknown = await h.request("/api/v1/me", { method: "PATCH", browser, json: { passwordHash: "x" } });
		expect(unknown.status).toBe(400);
	});

	it("changes the email only once the new address is confirmed, and never to another account's address", async () => {
		const old = uniqueEmail("old");
		const browser = await verifiedAccount(h, old);
		const other = uniqueEmail("other");
		await signUp(h, h.browser(), other);
		const taken = await h.request("/api/v1/me", { method: "PATCH", browser, json: { email: other } });
		expect(taken.status).toBe(422);
		expect(await taken.json()).toMatchObject({ type: "https://slotline.dev/problems/email-taken", detail: expect.stringMatching(/already uses/) });

		const next = uniqueEmail("new");
		const requested = await h.request("/api/v1/me", { method: "PATCH", browser, json: { email: next.toUpperCase() } });
		expect(requested.status).toBe(200);
		expect(await requested.json()).toMatchObject({ user: { email: old, pendingEmail: next } });
		expect(h.mailer.lastTo(next)?.subject).toMatch(/confirm/i);

		const confirmed = await h.request("/auth/verify-email", { method: "POST", browser, json: { token: tokenFromMail(h.mailer, next) } });
		expect(confirmed.status).toBe(200);
		expect(await profile(h, browser)).toMatchObject({ user: { email: next, emailVerified: true, pendingEmail: null } });
		expect((await signIn(h, h.browser(), next)).status).toBe(200);
		expect((await signIn(h, h.browser(), old)).status).toBe(401);
	});
});

describe("one account, several ways in", () => {
	let h: Harness;
	beforeEach(() => {
		h = harness();
	});

	it("adds a password to a Google account, then unlinks Google; the last way in cannot be removed", async () => {
		const email = uniqueEmail("gina");
		await control("/google/users", { email, emailVerified: true });
		const browser = h.browser();
		await google(h, browser, email);
		const start = await profile(h, browser);
		expect(start.signIn).toMatchObject({ password: false, logins: [{ provider: "google" }] });
		const loginId = start.signIn.logins[0]?.id ?? "";

		const refused = await h.request(`/api/v1/me/logins/${loginId}`, { method: "DELETE", browser });
		expect(refused.status).toBe(422);
		expect(await refused.json()).toMatchObject({ type: "https://slotline.dev/problems/last-sign-in-method" });

		const set = await h.request("/auth/password", { method: "POST", browser, json: { password: PASSWORD } });
		expect(set.status).toBe(200);
		expect(await set.text()).not.toContain(PASSWORD);
		// Changing it later needs the current one.
		const change = await h.request("/auth/password", { method: "POST", browser, json: { password: "another long password" } });
		expect(change.status).toBe(401);

		const unlinked = await h.request(`/api/v1/me/logins/${loginId}`, { method: "DELETE", browser });
		expect(unlinked.status).toBe(204);
		expect((await profile(h, browser)).signIn).toEqual({ password: true, logins: [] });
		expect((await signIn(h, h.browser(), email)).status).toBe(200);
		// Another account's login, or one already gone, is not found.
		expect((await h.request(`/api/v1/me/logins/${loginId}`, { method: "DELETE", browser })).status).toBe(404);
	});

	it("links Google from the profile while signed in, refuses it signed out, and refuses another account's Google", async () => {
		const refused = await h.request("/auth/google?link=1", { browser: h.browser() });
		expect(refused.headers.get("location")).toMatch(/\/signin\?error=signin-required$/);

		const gmail = uniqueEmail("gmail");
		await control("/google/users", { email: gmail, emailVerified: true });
		const browser = await verifiedAccount(h);
		const me = await profile(h, browser);
		const linked = await google(h, browser, gmail, "&link=1");
		expect(linked.headers.get("location")).toBe(`${env.APP_URL}/account`);
		const after = await profile(h, browser);
		expect(after.user.id).toBe(me.user.id);
		expect(after.signIn.logins.map((l) => l.provider)).toEqual(["google"]);

		const someoneElse = await verifiedAccount(h);
		const taken = await google(h, someoneElse, gmail, "&link=1");
		expect(taken.headers.get("location")).toMatch(/error=identity-taken$/);
		expect((await profile(h, someoneElse)).signIn.logins).toEqual([]);
	});

	it("survives revoked provider access: the password still works and Google sign-in re-links the same account", async () => {
		const email = uniqueEmail("rev");
		await control("/google/users", { email, emailVerified: true });
		const browser = await verifiedAccount(h, email);
		const me = await profile(h, browser);
		await google(h, browser, email, "&link=1");
		await control("/faults", { provider: "google", revokeRefreshTokens: true, scope: { account: email } });

		expect((await signIn(h, h.browser(), email)).status).toBe(200);
		const again = h.browser();
		await google(h, again, email);
		expect((await profile(h, again)).user.id).toBe(me.user.id);
		expect(await db().select().from(identities).where(eq(identities.userId, me.user.id)).all()).toHaveLength(1);
	});

	it("signs a merchant owner in with Google straight into their memberships", async () => {
		const merchant = await seedMerchant();
		await control("/google/users", { email: merchant.ownerEmail, emailVerified: true });
		const browser = h.browser();
		await google(h, browser, merchant.ownerEmail);
		const view = await (await h.request("/auth/session", { browser })).json<{ user: { id: string; memberships: Array<{ merchantId: string; role: string }> } }>();
		expect(view.user.id).toBe(merchant.ownerId);
		expect(view.user.memberships).toEqual([{ merchantId: merchant.merchantId, role: "owner", staffId: null }]);
	});
});

describe("bookings of the signed-in customer", () => {
	let h: Harness;
	beforeEach(async () => {
		h = harness();
		await seedDemo();
	});

	it("links the booking to the account, under the account's email, and lists only the customer's own", async () => {
		const aliceEmail = uniqueEmail("alice");
		const alice = await verifiedAccount(h, aliceEmail);
		const bob = await verifiedAccount(h);

		const mine = await book(h, alice, "10:00", "someone-else@example.com");
		expect(mine.status).toBe(201);
		const aliceBooking = (await mine.json<{ booking: { id: string } }>()).booking.id;
		const theirs = await book(h, bob, "14:00");
		const bobBooking = (await theirs.json<{ booking: { id: string } }>()).booking.id;
		// Signed in, the typed address is ignored: the customer record is the account's, under its address.
		const aliceUserId = (await profile(h, alice)).user.id;
		const row = await db().select().from(customers).where(eq(customers.userId, aliceUserId)).all();
		expect(row.map((r) => r.email)).toEqual([aliceEmail]);

		const list = await (await h.request("/api/v1/me/bookings", { browser: alice })).json<{ bookings: Array<{ id: string; merchant: { slug: string } }> }>();
		expect(list.bookings.map((b) => b.id)).toEqual([aliceBooking]);
		expect(list.bookings[0]?.merchant.slug).toBe("demo");
		expect((await h.request(`/api/v1/me/bookings/${aliceBooking}`, { browser: alice })).status).toBe(200);
		const other = await h.request(`/api/v1/me/bookings/${bobBooking}`, { browser: alice });
		expect(other.status).toBe(404);
		expect((await h.request("/api/v1/me/bookings")).status).toBe(401);
	});

	it("needs the CSRF token for a signed-in booking", async () => {
		const alice = await verifiedAccount(h);
		const response = await book(h, { ...alice, csrfToken: "" }, "11:00");
		expect(response.status).toBe(403);
	});

	it("does not let an unproven address pull someone's guest bookings into an account", async () => {
		const victim = uniqueEmail("victim");
		const guest = await book(h, h.browser(), "10:00", victim);
		expect(guest.status).toBe(201);
		const unproven = h.browser();
		await signUp(h, unproven, victim);
		expect((await book(h, unproven, "15:00")).status).toBe(201);
		const list = await (await h.request("/api/v1/me/bookings", { browser: unproven })).json<{ bookings: unknown[] }>();
		expect(list.bookings).toEqual([]);

		// Whoever opens the confirmation sent to that mailbox proves it: then they are the account's.
		await h.request("/auth/verify-email", { method: "POST", browser: unproven, json: { token: tokenFromMail(h.mailer, victim) } });
		const proven = await (await h.request("/api/v1/me/bookings", { browser: unproven })).json<{ bookings: unknown[] }>();
		expect(proven.bookings).toHaveLength(2);
	});

	it("pre-hijacking: the mailbox owner's click confirms no squatter's account; a reset then takes it over", async () => {
		const victim = uniqueEmail("victim");
		expect((await book(h, h.browser(), "10:00", victim)).status).toBe(201);
		// Someone registers the victim's address first, with their own password, and stays signed in.
		const squatter = h.browser();
		await signUp(h, squatter, victim, "the squatter's password");
		const token = tokenFromMail(h.mailer, victim);

		// The owner opens the link (by the mail's GET, or by POST) in a browser not signed in to that account.
		const owner = h.browser();
		const followed = await h.request(`/auth/verify-email?token=${token}`, { browser: owner });
		const posted = await h.request("/auth/verify-email", { method: "POST", browser: owner, json: { token } });
		// The squatter's account stays unproven: not verified, none of the owner's guest bookings.
		expect((await profile(h, squatter)).user.emailVerified).toBe(false);
		expect((await (await h.request("/api/v1/me/bookings", { browser: squatter })).json<{ bookings: unknown[] }>()).bookings).toEqual([]);
		// The owner was asked to sign in to that account first (which they cannot).
		expect(followed.status).toBe(303);
		expect(followed.headers.get("location")).toMatch(/\/signin\?error=confirm-signin-required$/);
		expect(posted.status).toBe(401);
		expect(posted.headers.get("content-type")).toBe("application/problem+json");

		// The owner resets the password (the link proves the mailbox): the squatter keeps no way in.
		await h.request("/auth/password/forgot", { method: "POST", browser: owner, json: { email: victim } });
		expect((await h.request("/auth/password/reset", { method: "POST", browser: owner, json: { token: tokenFromMail(h.mailer, victim), password: "the owner's own password" } })).status).toBe(200);
		expect((await h.request("/api/v1/me", { browser: squatter })).status).toBe(401);
		expect((await signIn(h, h.browser(), victim, "the squatter's password")).status).toBe(401);
		expect((await (await h.request("/api/v1/me/bookings", { browser: owner })).json<{ bookings: unknown[] }>()).bookings).toHaveLength(1);
	});
});

describe("GET /api/v1/m/{merchant}/sign-in-methods", () => {
	it("exposes the merchant's switch", async () => {
		const h = harness();
		const merchant = await seedMerchant();
		const slug = (await db().select({ slug: merchants.slug }).from(merchants).where(eq(merchants.id, merchant.merchantId)).get())?.slug ?? "";
		const response = await h.request(`/api/v1/m/${slug}/sign-in-methods`);
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({
			password: true,
			google: true,
			facebook: false,
			startUrls: { google: "/auth/google", facebook: null },
		});
		expect((await h.request("/api/v1/m/nobody-here/sign-in-methods")).status).toBe(404);
	});
});
