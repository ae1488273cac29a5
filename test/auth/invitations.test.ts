import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { describe, expect, inject, it } from "vitest";
import { identities, memberships, staff, users } from "../../src/db/schema";
import { handleError } from "../../src/web/problem";
import type { AppEnv } from "../../src/web/context";
import { requireMerchantMember } from "../../src/web/auth/require";
import { db, harness, seedMerchant, signIn, signUp, tokenFromMail, uniqueEmail } from "./harness";
import type { Browser, Harness } from "./harness";

const STAFF_PASSWORD = "staff member password";
const sandboxUrl = inject("sandboxUrl");

async function facebookUser(email: string): Promise<void> {
	const response = await fetch(`${sandboxUrl}/_control/facebook/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, givenName: "Squat", familyName: "Ter", name: "Squat Ter" }),
	});
	expect(response.ok).toBe(true);
}

/** /auth/facebook → the sandbox dialog (skipped by login_hint) → the callback path to finish in `browser`. */
async function facebookCallback(h: Harness, browser: Browser, email: string): Promise<string> {
	const start = await h.request(`/auth/facebook?login_hint=${encodeURIComponent(email)}`, { browser });
	const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
	const callback = new URL(consent.headers.get("location") ?? "");
	return `${callback.pathname}${callback.search}`;
}

async function googleUser(email: string): Promise<void> {
	const response = await fetch(`${sandboxUrl}/_control/google/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, emailVerified: true, givenName: "Sam", familyName: "Staff", name: "Sam Staff" }),
	});
	expect(response.ok).toBe(true);
}

/** /auth/google?invitation= → the sandbox consent (skipped by login_hint) → the callback path. */
async function googleCallback(h: Harness, browser: Browser, email: string, invitation: string): Promise<string> {
	const start = await h.request(`/auth/google?login_hint=${encodeURIComponent(email)}&invitation=${invitation}`, { browser });
	expect(start.status).toBe(302);
	const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
	const callback = new URL(consent.headers.get("location") ?? "");
	return `${callback.pathname}${callback.search}`;
}

async function sessionEmail(h: Harness, browser: Browser): Promise<string | null> {
	const body = await (await h.request("/auth/session", { browser })).json<{ user: { email: string } | null }>();
	return body.user?.email ?? null;
}

async function ownerBrowser(h: Harness, ownerEmail: string): Promise<Browser> {
	const browser = h.browser();
	expect((await signIn(h, browser, ownerEmail)).status).toBe(200);
	return browser;
}

describe("staff invitations", () => {
	it("an owner invites; the invitee accepts with a password and becomes staff", async () => {
		const h = harness();
		const shop = await seedMerchant();
		const owner = await ownerBrowser(h, shop.ownerEmail);
		const invite = await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
		expect(invite.status).toBe(202);
		const inviteText = await invite.text();
		const token = tokenFromMail(h.mailer, shop.staffEmail);
		expect(inviteText).not.toContain(token);
		expect(h.mailer.lastTo(shop.staffEmail)?.text).toContain("/invitations/accept?token=");

		const preview = await h.request(`/auth/invitations?token=${token}`);
		expect(await preview.json()).toMatchObject({ merchantName: "Chez Test", staffName: "Sam Staff", accountExists: false });

		const invitee = h.browser();
		const accepted = await h.request("/auth/invitations/accept", {
			method: "POST",
			browser: invitee,
			json: { token, password: STAFF_PASSWORD, firstName: "Sam" },
		});
		expect(accepted.status).toBe(200);
		const text = await accepted.text();
		expect(text).not.toContain(STAFF_PASSWORD);
		expect(text).not.toContain(token);
		expect(JSON.parse(text)).toMatchObject({
			user: { email: shop.staffEmail, emailVerified: true, memberships: [{ merchantId: shop.merchantId, role: "staff", staffId: shop.staffId }] },
		});
		expect((await signIn(h, h.browser(), shop.staffEmail, STAFF_PASSWORD)).status).toBe(200);

		const reuse = await h.request("/auth/invitations/accept", { method: "POST", browser: h.browser(), json: { token, password: STAFF_PASSWORD } });
		expect(reuse.status).toBe(422);
	});

	it("an existing verified account must give its own password, and a wrong one leaves the invitation usable", async () => {
		const h = harness();
		const shop = await seedMerchant();
		await signUp(h, h.browser(), shop.staffEmail, STAFF_PASSWORD);
		// Verified: the password is the mailbox owner's (an unverified account's may be a squatter's; see below).
		await db().update(users).set({ emailVerifiedAt: Date.now() }).where(eq(users.email, shop.staffEmail));
		const owner = await ownerBrowser(h, shop.ownerEmail);
		await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
		const token = tokenFromMail(h.mailer, shop.staffEmail);

		const wrong = await h.request("/auth/invitations/accept", { method: "POST", browser: h.browser(), json: { token, password: "not my password" } });
		expect(wrong.status).toBe(401);
		const right = await h.request("/auth/invitations/accept", { method: "POST", browser: h.browser(), json: { token, password: STAFF_PASSWORD } });
		expect(right.status).toBe(200);
		const row = await db()
			.select()
			.from(memberships)
			.where(and(eq(memberships.merchantId, shop.merchantId), eq(memberships.staffId, shop.staffId)))
			.get();
		expect(row?.role).toBe("staff");
	});

	it("pre-hijack: a Facebook login that opened the invitee's unverified account loses it, with its sessions, when the invitation is accepted", async () => {
		const h = harness();
		const shop = await seedMerchant();
		// The squatter's Facebook account claims the invitee's address; Facebook's emails prove nothing,
		// so this opens a new, unverified, password-less account for it.
		const squatter = h.browser();
		await facebookUser(shop.staffEmail);
		const opened = await h.request(await facebookCallback(h, squatter, shop.staffEmail), { browser: squatter });
		expect(opened.status).toBe(303);
		const account = await db().select().from(users).where(eq(users.email, shop.staffEmail)).get();
		expect(account).toMatchObject({ emailVerifiedAt: null, passwordHash: null });
		expect(await db().select().from(identities).where(eq(identities.userId, account?.id ?? "")).all()).toHaveLength(1);
		expect(await sessionEmail(h, squatter)).toBe(shop.staffEmail);

		const owner = await ownerBrowser(h, shop.ownerEmail);
		await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
		const token = tokenFromMail(h.mailer, shop.staffEmail);
		expect(await (await h.request(`/auth/invitations?token=${token}`)).json()).toMatchObject({ accountExists: true, passwordRequired: false });
		const invitee = h.browser();
		const accepted = await h.request("/auth/invitations/accept", { method: "POST", browser: invitee, json: { token, password: STAFF_PASSWORD } });
		expect(accepted.status).toBe(200);
		expect(await accepted.json()).toMatchObject({ user: { id: account?.id, emailVerified: true, memberships: [{ role: "staff", staffId: shop.staffId }] } });

		// The squatter keeps nothing: the session is gone, the Facebook login unlinked, and signing in
		// with it again opens nothing (the address now belongs to a verified account).
		expect(await sessionEmail(h, squatter)).toBeNull();
		expect(await db().select().from(identities).where(eq(identities.userId, account?.id ?? "")).all()).toEqual([]);
		const again = h.browser();
		const retry = await h.request(await facebookCallback(h, again, shop.staffEmail), { browser: again });
		expect(retry.headers.get("location")).toMatch(/error=email-in-use$/);
		expect(await sessionEmail(h, again)).toBeNull();
		expect(await sessionEmail(h, invitee)).toBe(shop.staffEmail);
	});

	it("pre-hijack: an unverified account's password (possibly a squatter's) is not needed, and stops working", async () => {
		const h = harness();
		const shop = await seedMerchant();
		const squatter = h.browser();
		await signUp(h, squatter, shop.staffEmail, "the squatter's password");
		const owner = await ownerBrowser(h, shop.ownerEmail);
		await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
		const token = tokenFromMail(h.mailer, shop.staffEmail);
		const accepted = await h.request("/auth/invitations/accept", { method: "POST", browser: h.browser(), json: { token, password: STAFF_PASSWORD } });
		expect(accepted.status).toBe(200);
		expect(await sessionEmail(h, squatter)).toBeNull();
		expect((await signIn(h, h.browser(), shop.staffEmail, "the squatter's password")).status).toBe(401);
		expect((await signIn(h, h.browser(), shop.staffEmail, STAFF_PASSWORD)).status).toBe(200);
	});

	it("accepts with the Google account of the invited address, and refuses another Google account", async () => {
		const h = harness();
		const shop = await seedMerchant();
		const owner = await ownerBrowser(h, shop.ownerEmail);
		await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
		const token = tokenFromMail(h.mailer, shop.staffEmail);

		// Someone else's Google account (verified, but not the invited address) joins nothing.
		const stranger = uniqueEmail("stranger");
		await googleUser(stranger);
		const wrong = h.browser();
		const refused = await h.request(await googleCallback(h, wrong, stranger, token), { browser: wrong });
		expect(refused.headers.get("location")).toMatch(/\/signin\?error=invitation-email-mismatch$/);
		expect(wrong.cookie).toBe("");
		expect(await db().select().from(memberships).where(eq(memberships.staffId, shop.staffId)).get()).toBeUndefined();

		await googleUser(shop.staffEmail);
		const invitee = h.browser();
		const joined = await h.request(await googleCallback(h, invitee, shop.staffEmail, token), { browser: invitee });
		expect(joined.status).toBe(303);
		expect(joined.headers.get("location")).toMatch(/\/admin$/);
		expect(await (await h.request("/auth/session", { browser: invitee })).json()).toMatchObject({
			user: { email: shop.staffEmail, emailVerified: true, memberships: [{ merchantId: shop.merchantId, role: "staff", staffId: shop.staffId }] },
		});
		// Used up: the same invitation through Google again joins nobody else.
		const again = h.browser();
		const reused = await h.request(await googleCallback(h, again, shop.staffEmail, token), { browser: again });
		expect(reused.headers.get("location")).toMatch(/error=invitation-invalid$/);
	});

	it("only the merchant's owner can invite, and other tenants' staff look nonexistent", async () => {
		const h = harness();
		const shop = await seedMerchant();
		const other = await seedMerchant();
		const owner = await ownerBrowser(h, shop.ownerEmail);

		const foreign = await h.request(`/admin/api/staff/${other.staffId}/invite`, { method: "POST", browser: owner });
		expect(foreign.status).toBe(404);
		const missing = await h.request("/admin/api/staff/stf_missing/invite", { method: "POST", browser: owner });
		expect(missing.status).toBe(404);
		expect((await foreign.json<{ detail: string }>()).detail).toBe((await missing.json<{ detail: string }>()).detail);

		// Make a second staff member of `shop` with an account, and let them try.
		await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
		const staffBrowser = h.browser();
		await h.request("/auth/invitations/accept", {
			method: "POST",
			browser: staffBrowser,
			json: { token: tokenFromMail(h.mailer, shop.staffEmail), password: STAFF_PASSWORD },
		});
		const byStaff = await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: staffBrowser });
		expect(byStaff.status).toBe(403);

		const anonymous = await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: h.browser() });
		expect(anonymous.status).toBe(401);
		expect(await db().select().from(staff).where(eq(staff.id, shop.staffId)).get()).toBeDefined();
	});
});

describe("requireMerchantMember", () => {
	function guarded(): Hono<AppEnv> {
		const app = new Hono<AppEnv>();
		app.get("/m/:merchantId/ping", requireMerchantMember(), (c) => c.json(c.var.membership ?? null));
		app.get("/owner-only", requireMerchantMember("owner"), (c) => c.json(c.var.membership ?? null));
		app.onError(handleError);
		return app;
	}

	it("resolves the merchant from :merchantId, hides other tenants with 404, and falls back to the user's membership", async () => {
		const shop = await seedMerchant();
		const other = await seedMerchant();
		const inner = guarded();
		const user = { id: shop.ownerId, email: shop.ownerEmail, emailVerifiedAt: 1, firstName: null, lastName: null, photoUrl: null };
		const app = new Hono<AppEnv>();
		app.use(async (c, next) => {
			c.set("db", db());
			if (c.req.header("x-test-user") === "owner") c.set("user", user);
			await next();
		});
		app.route("/", inner);
		const ask = async (path: string, who: string): Promise<Response> => app.request(path, { headers: { "x-test-user": who } });

		expect(await (await ask(`/m/${shop.merchantId}/ping`, "owner")).json()).toMatchObject({ merchantId: shop.merchantId, role: "owner" });
		const foreign = await ask(`/m/${other.merchantId}/ping`, "owner");
		expect(foreign.status).toBe(404);
		const nonexistent = await ask("/m/mer_nope/ping", "owner");
		expect(nonexistent.status).toBe(404);
		expect((await foreign.json<{ detail: string }>()).detail).toBe((await nonexistent.json<{ detail: string }>()).detail);
		expect((await ask(`/m/${shop.merchantId}/ping`, "nobody")).status).toBe(401);
		expect(await (await ask("/owner-only", "owner")).json()).toMatchObject({ merchantId: shop.merchantId, role: "owner" });
	});
});
