// The customer account pages, server-side: every address the app sends people to exists and renders
// (sign-in with its error messages and the pending login, sign-up, reset, link-login, account,
// invitations, home), respects a business's sign-in methods, carries no inline script, is never cached
// and shows a signed-in customer their own bookings only.
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { SIGN_IN_ERROR_MESSAGES } from "../../src/auth/sign-in-errors";
import { identities, merchants, users } from "../../src/db/schema";
import { at, upcoming } from "../support/demo";
import { flushSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";
import { PASSWORD, db, harness, seedMerchant, signIn, signUp, tokenFromMail, uniqueEmail } from "./harness";
import type { Browser, Harness } from "./harness";

const sandboxUrl = inject("sandboxUrl");
let h: Harness;
beforeEach(() => {
	h = harness();
});

/** The page as a browser gets it, with the checks every account page must pass. */
async function page(path: string, browser: Browser = h.browser()): Promise<{ html: string; config: Record<string, unknown>; response: Response }> {
	const response = await h.request(path, { browser });
	expect({ path, status: response.status }).toEqual({ path, status: 200 });
	expect(response.headers.get("content-type")).toContain("text/html");
	expect(response.headers.get("cache-control")).toBe("private, no-store");
	expect(response.headers.get("referrer-policy")).toBe("no-referrer");
	expect(response.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
	expect(response.headers.get("x-frame-options")).toBe("DENY");
	const html = await response.text();
	// No inline script: only our bundle by src, and the JSON data block.
	const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1] ?? "");
	for (const attrs of scripts) expect(attrs).toMatch(/src="\/assets\/account\.js"|type="application\/json"/);
	const json = /<script type="application\/json" id="slotline-account">([^<]*)<\/script>/.exec(html)?.[1] ?? "{}";
	return { html, config: JSON.parse(json) as Record<string, unknown>, response };
}

function unescape(html: string): string {
	return html.replaceAll("&#39;", "'").replaceAll("&quot;", '"').replaceAll("&amp;", "&");
}

async function googleUser(email: string): Promise<void> {
	const response = await fetch(`${sandboxUrl}/_control/google/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, emailVerified: true, name: "Paige Pages" }),
	});
	expect(response.ok).toBe(true);
}

describe("/signin", () => {
	it("shows email and password, Google, Facebook, forgot-password and sign-up, returning to /account by default", async () => {
		const { html, config } = await page("/signin");
		expect(html).toContain('<label for="signin-email">Email</label>');
		expect(html).toContain('<label for="signin-password">Password</label>');
		expect(html).toContain('href="/auth/google?returnTo=%2Faccount"');
		expect(html).toContain('href="/auth/facebook?returnTo=%2Faccount"');
		expect(html).toContain('href="/reset-password"');
		expect(html).toContain('href="/signup"');
		expect(config).toMatchObject({ page: "signin", returnTo: "/account", csrfToken: null });
	});

	it("shows the clear message of every error code a provider sign-in ends with, and nothing for an unknown one", async () => {
		for (const [code, message] of Object.entries(SIGN_IN_ERROR_MESSAGES)) {
			const { html } = await page(`/signin?error=${code}`);
			expect(unescape(html)).toContain(message);
			expect(html).toContain('role="alert"');
		}
		const { html } = await page("/signin?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
		expect(html).not.toContain("<script>alert(1)");
		expect(html).not.toContain('id="signin-error"');
	});

	it("opened from a business's booking page offers only its sign-in methods and returns to it", async () => {
		const shop = await seedMerchant(); // Google and password on, Facebook off.
		const slug = `shop-${shop.merchantId.slice(4)}`;
		const { html, config } = await page(`/signin?merchant=${slug}&returnTo=${encodeURIComponent(`/b/${slug}`)}`);
		expect(html).toContain("Sign in to book with Chez Test");
		expect(html).toContain("/auth/google?returnTo=");
		expect(html).not.toContain("/auth/facebook");
		expect(html).toContain(`href="/reset-password?merchant=${slug}&amp;returnTo=%2Fb%2F${slug}"`);
		expect(config["returnTo"]).toBe(`/b/${slug}`);

		await db()
			.update(merchants)
			.set({ settings: { tentativeBlocks: true, signIn: { google: false, facebook: true, password: false } } })
			.where(eq(merchants.id, shop.merchantId));
		const facebookOnly = await page(`/signin?merchant=${slug}`);
		expect(facebookOnly.html).not.toContain('id="signin-form"');
		expect(facebookOnly.html).not.toContain("/auth/google");
		expect(facebookOnly.html).toContain(`/auth/facebook?returnTo=%2Fb%2F${slug}`);
		expect(facebookOnly.config["returnTo"]).toBe(`/b/${slug}`);
	});

	it("never takes a returnTo to another site", async () => {
		for (const bad of ["//evil.example", "/\t/evil.example", "https://evil.example/", "javascript:alert(1)"]) {
			const { config, html } = await page(`/signin?returnTo=${encodeURIComponent(bad)}`);
			expect(config["returnTo"]).toBe("/account");
			expect(html).not.toContain("evil.example");
		}
	});

	it("carries the session's CSRF token for a signed-in browser, so signing in as someone else works", async () => {
		const browser = h.browser();
		await signUp(h, browser, uniqueEmail());
		const { config, html } = await page("/signin", browser);
		expect(config["csrfToken"]).toBe(browser.csrfToken);
		expect(html).toContain("You are signed in as");
	});

	it("after a refused provider login, offers to finish it by email, prefilled", async () => {
		const email = uniqueEmail("unverified");
		const response = await fetch(`${sandboxUrl}/_control/google/users`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ email, emailVerified: false, name: "Una Verified" }),
		});
		expect(response.ok).toBe(true);
		const browser = h.browser();
		const start = await h.request(`/auth/google?login_hint=${encodeURIComponent(email)}`, { browser });
		const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
		const callback = new URL(consent.headers.get("location") ?? "");
		const done = await h.request(`${callback.pathname}${callback.search}`, { browser });
		const location = new URL(done.headers.get("location") ?? "");
		const { html } = await page(`${location.pathname}${location.search}`, browser);
		expect(unescape(html)).toContain(SIGN_IN_ERROR_MESSAGES["email-unverified"]);
		expect(html).toContain("Finish signing in with Google");
		expect(html).toMatch(new RegExp(`id="pending-email"[^>]*value="${email.replaceAll(".", "\\.")}"`));
	});
});

describe("/signup and /reset-password", () => {
	it("sign-up has labelled fields and states the password rule", async () => {
		const { html } = await page("/signup");
		for (const name of ["firstName", "lastName", "email", "password"]) expect(html).toContain(`<label for="signup-${name}">`);
		expect(html).toContain("At least 10 characters");
		expect(html).toContain('aria-describedby="signup-password-hint signup-password-error"');
	});

	it("reset asks for an address without a token, sets a password with a live one, and explains a dead one; showing it uses nothing up", async () => {
		expect((await page("/reset-password")).html).toContain('id="forgot-form"');
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email } });
		const token = tokenFromMail(h.mailer, email);
		const live = await page(`/reset-password?token=${token}`);
		expect(live.html).toContain('id="reset-form"');
		expect(live.config["token"]).toBe(token);
		// Looking at the page twice (a mail scanner, then the person) leaves the link working.
		await page(`/reset-password?token=${token}`);
		const reset = await h.request("/auth/password/reset", { method: "POST", browser: h.browser(), json: { token, password: "a new passphrase here" } });
		expect(reset.status).toBe(200);
		const dead = await page(`/reset-password?token=${token}`);
		expect(dead.html).toContain("This link is invalid, has expired or was already used");
		expect(dead.html).toContain('id="forgot-form"');
		expect(dead.config["token"]).toBeNull();
	});
});

describe("/account", () => {
	it("sends a signed-out visitor to sign in and back", async () => {
		const response = await h.request("/account", { browser: h.browser() });
		expect(response.status).toBe(303);
		expect(response.headers.get("location")).toBe("/signin?returnTo=%2Faccount");
	});

	it("shows the profile, address, password, ways in and only the customer's own bookings with their manage links", async () => {
		await seedDemo();
		const email = uniqueEmail("cora");
		const browser = h.browser();
		await signUp(h, browser, email);
		await h.request("/auth/verify-email", { method: "POST", browser, json: { token: tokenFromMail(h.mailer, email) } });
		await h.request("/api/v1/me", { method: "PATCH", browser, json: { firstName: "Cora", lastName: "Client", photoUrl: "https://pics.example/cora.png" } });
		const mine = await h.request("/api/v1/m/demo/bookings", {
			method: "POST",
			browser,
			json: { serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(upcoming(4), "10:00"), timezone: "Europe/Amsterdam", customer: { name: "Cora Client", email } },
		});
		expect(mine.status).toBe(201);
		const myBooking = (await mine.json<{ booking: { id: string } }>()).booking.id;
		// Someone else's booking at the same business, the same day.
		const theirs = await h.request("/api/v1/m/demo/bookings", {
			method: "POST",
			json: { serviceId: "svc_demo_cut", staffId: "stf_demo_ana", start: at(upcoming(4), "14:00"), timezone: "Europe/Amsterdam", customer: { name: "Otto Other", email: "otto.other@example.com" } },
		});
		const theirBooking = (await theirs.json<{ booking: { id: string } }>()).booking.id;
		// /account reads D1's read model, which the merchant's object writes a moment after each booking.
		await flushSchedule();

		const { html, config, response } = await page("/account", browser);
		// The profile photo is an https image elsewhere: this page (only) allows those.
		expect(response.headers.get("content-security-policy")).toContain("img-src 'self' data: https:");
		expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
		expect(html).toContain("<h1>Cora Client</h1>");
		expect(html).toContain('src="https://pics.example/cora.png"');
		expect(html).toContain("Confirmed");
		expect(html).toContain(`data-booking="${myBooking}"`);
		expect(html).toMatch(new RegExp(`/manage/${myBooking}\\?token=`));
		expect(html).not.toContain(theirBooking);
		expect(html).not.toContain("Otto Other");
		expect(html).toContain('<label for="password-currentPassword">Current password</label>');
		expect(html).toContain('href="/auth/google?returnTo=%2Faccount&amp;link=1"');
		expect(html).toContain('href="/auth/facebook?returnTo=%2Faccount&amp;link=1"');
		expect(html).toContain('id="signout-all"');
		expect(config).toMatchObject({ page: "account", csrfToken: browser.csrfToken });
	});

	it("offers to add a password to a Google-only account and will not let its only login be unlinked", async () => {
		const email = uniqueEmail("gwen");
		await googleUser(email);
		const browser = h.browser();
		const start = await h.request(`/auth/google?login_hint=${encodeURIComponent(email)}`, { browser });
		const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
		const callback = new URL(consent.headers.get("location") ?? "");
		await h.request(`${callback.pathname}${callback.search}`, { browser });
		const { html } = await page("/account", browser);
		expect(html).toContain("Add a password");
		expect(html).not.toContain("password-currentPassword");
		expect(html).toMatch(/data-unlink="idn_[^"]+"[^>]*disabled=""/);
		expect(html).toContain("This is your only way to sign in");
		const user = await db().select({ id: users.id }).from(users).where(eq(users.email, email)).get();
		expect(await db().select().from(identities).where(eq(identities.userId, user?.id ?? "")).all()).toHaveLength(1);
	});
});

describe("/link-login, /invitations/accept and /", () => {
	it("link-login explains an invalid link, and a link opened in another browser", async () => {
		expect((await page("/link-login?token=nope")).html).toContain("This link is invalid, has expired or was already used");
		const fbEmail = uniqueEmail("fb");
		await fetch(`${sandboxUrl}/_control/facebook/users`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ email: fbEmail, shareEmail: false, givenName: "Lena", familyName: "Link", name: "Lena Link" }),
		});
		const browser = h.browser();
		const start = await h.request(`/auth/facebook?login_hint=${encodeURIComponent(fbEmail)}`, { browser });
		const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
		const callback = new URL(consent.headers.get("location") ?? "");
		await h.request(`${callback.pathname}${callback.search}`, { browser });
		const chosen = uniqueEmail("chosen");
		await h.request("/auth/pending-login/email", { method: "POST", browser, json: { email: chosen } });
		const token = tokenFromMail(h.mailer, chosen);

		const elsewhere = await page(`/link-login?token=${token}`);
		expect(elsewhere.html).toContain("Open this link in the browser where you signed in with Facebook");
		expect(elsewhere.html).not.toContain('id="link-form"');
		expect(elsewhere.config["token"]).toBeNull();

		const here = await page(`/link-login?token=${token}`, browser);
		expect(unescape(here.html)).toContain(`Confirm to use ${chosen} with the Facebook account of “Lena Link”.`);
		expect(here.html).toContain('id="link-form"');
		expect(here.config["token"]).toBe(token);
	});

	it("the invitation page shows who invites whom, a password form and Google; a dead link says so", async () => {
		const shop = await seedMerchant();
		const owner = h.browser();
		await signIn(h, owner, shop.ownerEmail, PASSWORD);
		await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
		const token = tokenFromMail(h.mailer, shop.staffEmail);
		const { html, config } = await page(`/invitations/accept?token=${token}`);
		expect(unescape(html)).toContain(`Chez Test invited ${shop.staffEmail} to manage Sam Staff's bookings`);
		expect(html).toContain('<label for="invitation-password">Choose a password</label>');
		expect(html).toContain(`href="/auth/google?invitation=${token}&amp;login_hint=${encodeURIComponent(shop.staffEmail)}"`);
		expect(config).toMatchObject({ page: "invitation", token });
		expect((await page("/invitations/accept?token=nope")).html).toContain("This invitation link is invalid");
	});

	it("home says whether an email confirmation worked and who is signed in", async () => {
		expect((await page("/?email-verified=1")).html).toContain("Your email address is confirmed");
		expect((await page("/?email-verified=0")).html).toContain("That confirmation link is invalid");
		const browser = h.browser();
		const email = uniqueEmail();
		await signUp(h, browser, email);
		const signedIn = await page("/", browser);
		expect(signedIn.html).toContain(`You are signed in as ${email}`);
		expect(signedIn.html).toContain('href="/account"');
	});
});
