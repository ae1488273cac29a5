// Deactivating a staff member ends their access to the merchant: the membership goes (their open
// sessions lose the admin and its customers' details at once), an unaccepted invitation stops
// working, reactivating gives nothing back, and only a new invitation does.
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { memberships } from "../../src/db/schema";
import { db, harness, seedMerchant, signIn, tokenFromMail } from "./harness";
import type { Browser, Harness, SeededMerchant } from "./harness";

const STAFF_PASSWORD = "staff member password";

let h: Harness;
let shop: SeededMerchant;
let owner: Browser;
beforeEach(async () => {
	h = harness();
	shop = await seedMerchant();
	owner = h.browser();
	expect((await signIn(h, owner, shop.ownerEmail)).status).toBe(200);
});

async function invite(): Promise<string> {
	const response = await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
	expect(response.status).toBe(202);
	return tokenFromMail(h.mailer, shop.staffEmail);
}

/** The staff member accepts an invitation and is signed in as staff. */
async function staffJoins(): Promise<Browser> {
	const token = await invite();
	const staff = h.browser();
	const accepted = await h.request("/auth/invitations/accept", { method: "POST", browser: staff, json: { token, password: STAFF_PASSWORD } });
	expect(accepted.status).toBe(200);
	return staff;
}

async function staffMembership(): Promise<unknown> {
	return db().select().from(memberships).where(and(eq(memberships.merchantId, shop.merchantId), eq(memberships.staffId, shop.staffId))).get();
}

describe("deactivating a staff member", () => {
	for (const how of ["DELETE", "PATCH active: false"] as const) {
		it(`(${how}) revokes their access at once, in the session they already have`, async () => {
			const staff = await staffJoins();
			expect((await h.request("/admin/api/bookings?from=2030-01-07&to=2030-01-07", { browser: staff })).status).toBe(200);
			expect((await h.request("/admin", { browser: staff })).status).toBe(200);

			const path = `/admin/api/staff/${shop.staffId}`;
			const deactivated =
				how === "DELETE"
					? await h.request(path, { method: "DELETE", browser: owner })
					: await h.request(path, { method: "PATCH", browser: owner, json: { active: false } });
			expect(deactivated.status).toBe(200);
			expect(await staffMembership()).toBeUndefined();

			// The same session: no merchant any more (404, as for any merchant one is not part of).
			expect((await h.request("/admin/api/bookings?from=2030-01-07&to=2030-01-07", { browser: staff })).status).toBe(404);
			expect((await h.request("/admin/api/staff", { browser: staff })).status).toBe(404);
			const page = await h.request("/admin", { browser: staff });
			expect(page.status).toBe(403);
			expect(await page.text()).not.toContain("Chez Test");
			// Signing in again gives nothing back either.
			const again = h.browser();
			expect((await signIn(h, again, shop.staffEmail, STAFF_PASSWORD)).status).toBe(200);
			expect((await h.request("/admin/api/bookings?from=2030-01-07&to=2030-01-07", { browser: again })).status).toBe(404);
		});
	}

	it("withdraws an invitation not yet accepted, refuses to invite while inactive, and needs a new invitation after reactivation", async () => {
		const pending = await invite();
		expect((await h.request(`/admin/api/staff/${shop.staffId}`, { method: "DELETE", browser: owner })).status).toBe(200);
		const late = await h.request("/auth/invitations/accept", { method: "POST", browser: h.browser(), json: { token: pending, password: STAFF_PASSWORD } });
		expect(late.status).toBe(422);
		expect(await staffMembership()).toBeUndefined();

		const inactive = await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
		expect(inactive.status).toBe(422);
		expect(await inactive.json()).toMatchObject({ type: "https://slotline.dev/problems/staff-inactive" });

		expect((await h.request(`/admin/api/staff/${shop.staffId}`, { method: "PATCH", browser: owner, json: { active: true } })).status).toBe(200);
		expect(await staffMembership()).toBeUndefined();
		const staff = await staffJoins();
		expect((await h.request("/admin/api/staff", { browser: staff })).status).toBe(200);
	});

	it("keeps an owner who also took bookings an owner, without the staff record", async () => {
		await db().update(memberships).set({ staffId: shop.staffId }).where(eq(memberships.userId, shop.ownerId));
		expect((await h.request(`/admin/api/staff/${shop.staffId}`, { method: "DELETE", browser: owner })).status).toBe(200);
		const row = await db().select().from(memberships).where(eq(memberships.userId, shop.ownerId)).get();
		expect(row).toMatchObject({ role: "owner", staffId: null });
		expect((await h.request("/admin/api/staff", { browser: owner })).status).toBe(200);
	});
});
