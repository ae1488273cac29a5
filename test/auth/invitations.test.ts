import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { memberships, staff } from "../../src/db/schema";
import { handleError } from "../../src/web/problem";
import type { AppEnv } from "../../src/web/context";
import { requireMerchantMember } from "../../src/web/auth/require";
import { db, harness, seedMerchant, signIn, signUp, tokenFromMail, uniqueEmail } from "./harness";
import type { Browser, Harness } from "./harness";

const STAFF_PASSWORD = "staff member password";

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

	it("an existing account must give its own password, and a wrong one leaves the invitation usable", async () => {
		const h = harness();
		const shop = await seedMerchant();
		await signUp(h, h.browser(), shop.staffEmail, STAFF_PASSWORD);
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
