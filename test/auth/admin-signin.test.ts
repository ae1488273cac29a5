// The merchant sign-in page: password, Google and "forgot password"; switching accounts while signed
// in (the form's POST carries the session cookie, so it needs that session's CSRF token); and a
// signed-in customer without a business gets a way on instead of a loop between /admin and sign-in.
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { PASSWORD, db, harness, seedMerchant, signIn, signUp, uniqueEmail } from "./harness";
import type { Browser, Harness, SeededMerchant } from "./harness";

let h: Harness;
let shop: SeededMerchant;
beforeEach(async () => {
	h = harness();
	shop = await seedMerchant();
});

/** The JSON config block the admin islands read. */
function adminConfig(html: string): Record<string, unknown> {
	const match = /<script type="application\/json" id="slotline-admin">([^<]*)<\/script>/.exec(html);
	return JSON.parse(match?.[1] ?? "{}") as Record<string, unknown>;
}

async function sessionEmail(browser: Browser): Promise<string | null> {
	const body = await (await h.request("/auth/session", { browser })).json<{ user: { email: string } | null }>();
	return body.user?.email ?? null;
}

describe("/admin/signin", () => {
	it("offers a password, Google (returning to the page asked for) and a forgotten-password link", async () => {
		const response = await h.request("/admin/signin?next=%2Fadmin%2Fcalendar", { browser: h.browser() });
		expect(response.status).toBe(200);
		const html = await response.text();
		expect(html).toContain('<label for="signin-password">Password</label>');
		expect(html).toContain('href="/auth/google?returnTo=%2Fadmin%2Fcalendar"');
		expect(html).toMatch(/href="\/reset-password\?returnTo=%2Fadmin%2Fcalendar"[^>]*>Forgot password\?</);
	});

	it("lets a signed-in owner switch accounts: the page carries the session's CSRF token and the sign-in POST succeeds", async () => {
		const owner = h.browser();
		expect((await signIn(h, owner, shop.ownerEmail)).status).toBe(200);
		const other = await seedMerchant();
		const page = await h.request("/admin/signin?switch=1", { browser: owner });
		expect(page.status).toBe(200);
		const html = await page.text();
		expect(html).toContain(`You are signed in as ${shop.ownerEmail}`);
		const token = adminConfig(html)["csrfToken"];
		expect(token).toBe(owner.csrfToken);

		// What the island sends: the page's token in x-csrf-token, the session cookie along.
		const island: Browser = { ...owner, csrfToken: "" };
		const switched = await h.request("/auth/signin", {
			method: "POST",
			browser: island,
			headers: { "x-csrf-token": String(token) },
			json: { email: other.ownerEmail, password: PASSWORD },
		});
		expect(switched.status).toBe(200);
		expect(island.cookie).not.toBe(owner.cookie);
		expect(await sessionEmail(island)).toBe(other.ownerEmail);
		expect(await sessionEmail(owner)).toBeNull();

		// The empty token the island used to send is still refused (the check itself is intact).
		const again = h.browser();
		await signIn(h, again, shop.ownerEmail);
		const refused = await h.request("/auth/signin", {
			method: "POST",
			browser: { ...again, csrfToken: "" },
			headers: { "x-csrf-token": "" },
			json: { email: shop.ownerEmail, password: PASSWORD },
		});
		expect(refused.status).toBe(403);
	});

	it("sends a signed-in member straight on unless they ask to switch", async () => {
		const owner = h.browser();
		await signIn(h, owner, shop.ownerEmail);
		const response = await h.request("/admin/signin?next=%2Fadmin%2Fsetup", { browser: owner });
		expect(response.status).toBe(303);
		expect(response.headers.get("location")).toBe("/admin/setup");
	});

	it("does not loop a signed-in customer without a business: /admin explains and offers another account, and the sign-in page shows its form", async () => {
		const customer = h.browser();
		const email = uniqueEmail("customer");
		await signUp(h, customer, email);
		const gate = await h.request("/admin", { browser: customer });
		expect(gate.status).toBe(403);
		const html = await gate.text();
		expect(html).toContain('href="/admin/signin?switch=1"');
		expect(html).toContain('href="/account"');
		expect(adminConfig(html)["csrfToken"]).toBe(customer.csrfToken);

		// Even the plain link (no switch) must show the form, not bounce back to /admin.
		for (const path of ["/admin/signin", "/admin/signin?switch=1"]) {
			const signin = await h.request(path, { browser: customer });
			expect({ path, status: signin.status }).toEqual({ path, status: 200 });
			const body = await signin.text();
			expect(body).toContain("does not belong to a business");
			expect(adminConfig(body)["csrfToken"]).toBe(customer.csrfToken);
		}

		// And signing in there as the owner works from that browser.
		const switched = await h.request("/auth/signin", { method: "POST", browser: customer, json: { email: shop.ownerEmail, password: PASSWORD } });
		expect(switched.status).toBe(200);
		expect((await h.request("/admin", { browser: customer })).status).toBe(200);
	});

	it("lets the owner reach the password reset from there (the shared reset page)", async () => {
		const page = await h.request("/reset-password?returnTo=%2Fadmin", { browser: h.browser() });
		expect(page.status).toBe(200);
		expect(await page.text()).toContain("Reset your password");
		// The owner's account is an ordinary account: the reset mail goes out for it.
		const forgot = await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email: shop.ownerEmail } });
		expect(forgot.status).toBe(202);
		expect(h.mailer.lastTo(shop.ownerEmail)?.text).toContain("/reset-password?token=");
		expect(await db().select({ id: users.id }).from(users).where(eq(users.email, shop.ownerEmail)).get()).toBeDefined();
	});
});
