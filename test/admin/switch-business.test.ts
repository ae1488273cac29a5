// The business switcher: a person in several businesses acts on the one they chose (remembered in
// the session, set by a CSRF-protected POST /admin/switch-business that checks membership), every
// admin page and API call is scoped to it, and tenancy holds: only a business one belongs to can be
// chosen, a lost membership falls back to another of one's own, and a tab rendered for the other
// business is refused rather than acting on the wrong one.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { csrfTokenFor } from "../../src/auth/csrf";
import { createSession } from "../../src/auth/session";
import { memberships, staff } from "../../src/db/schema";
import { ORIGIN, PASSWORD, db, harness, seedMerchant, signIn, tokenFromMail } from "../auth/harness";
import type { Browser } from "../auth/harness";
import { upcoming } from "../support/demo";
import { insertMerchant } from "../support/seed";
import { RIVAL, adminWorld, call, expectHidden } from "./support";
import type { AdminWorld } from "./support";

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
	// The demo owner also works at the rival salon, as staff (a later membership: the demo stays the default).
	await db()
		.insert(memberships)
		.values({ userId: "usr_demo_owner", merchantId: RIVAL.merchantId, role: "staff", staffId: RIVAL.staffId, createdAt: Date.now() + 60_000 });
	// A business they have nothing to do with.
	await insertMerchant({
		id: "mer_third",
		slug: "third",
		name: "Third Parlour",
		timezone: "UTC",
		settings: { tentativeBlocks: true, signIn: { google: true, facebook: true, password: true } },
		staff: [{ id: "stf_third", name: "Theo Third", email: "theo@third.test", color: "#333333" }],
		services: [],
		owner: null,
	});
});

const day = upcoming(3);
const range = `from=${day.subtract({ days: 7 })}&to=${day.add({ days: 7 })}`;

async function staffNames(browser: Browser): Promise<string[]> {
	const res = await call<{ staff: Array<{ name: string }> }>(world, browser, "GET", "/staff");
	expect(res.status).toBe(200);
	return res.body.staff.map((s) => s.name);
}

function switchTo(browser: Browser, merchantId: string, init: { headers?: Record<string, string> } = {}): Promise<Response> {
	return world.h.request("/admin/switch-business", { method: "POST", browser, json: { merchantId }, ...init });
}

async function page(browser: Browser, path = "/admin"): Promise<{ status: number; html: string }> {
	const res = await world.h.request(path, { browser });
	return { status: res.status, html: await res.text() };
}

/** The demo owner's (only) session's choice, as stored. */
async function chosen(): Promise<string | null> {
	const rows = await env.DB.prepare("select merchant_id from sessions where user_id = 'usr_demo_owner'").all<{ merchant_id: string | null }>();
	return rows.results[0]?.merchant_id ?? null;
}

describe("business switcher", () => {
	it("acts on the oldest business until another is chosen, then scopes every page and API call to it", async () => {
		expect(await staffNames(world.owner)).toContain("Ana Jansen");
		const before = await page(world.owner);
		expect(before.html).toContain('<select id="business-switcher" name="merchantId">');
		expect(before.html).toMatch(/<option value="mer_demo" selected="">Demo Studio \(owner\)<\/option>/);
		expect(before.html).toContain('<option value="mer_rival">Rival Salon (staff)</option>');
		// One business: no switcher.
		expect((await page(world.staffMember)).html).not.toContain("business-switcher");

		const switched = await switchTo(world.owner, RIVAL.merchantId);
		expect(switched.status).toBe(200);
		expect(await switched.json()).toEqual({ merchantId: RIVAL.merchantId, role: "staff" });

		// The API: the rival's staff, bookings and connections, as the role held there (staff).
		expect(await staffNames(world.owner)).toEqual(["Rita Rival"]);
		const bookings = await call<{ bookings: Array<{ id: string; merchantNotes: string | null }> }>(world, world.owner, "GET", `/bookings?${range}`);
		expect(bookings.body.bookings.map((b) => b.id)).toEqual([RIVAL.bookingId]);
		expect((await call(world, world.owner, "GET", "/connections")).status).toBe(200);
		expect((await call(world, world.owner, "POST", "/services", { name: "X", durationMinutes: 30, color: "#000000", staffIds: [] })).status).toBe(403);
		// The demo's ids are now another tenant's: 404 with nothing of theirs.
		for (const path of ["/staff/stf_demo_ana", "/services/svc_demo_cut"]) {
			const hidden = await call(world, world.owner, "GET", path);
			expect(hidden.status).toBe(404);
			expect(JSON.stringify(hidden.body)).not.toContain("Ana Jansen");
		}
		// The pages: the rival's name selected, its calendar, no Setup for staff.
		const after = await page(world.owner);
		expect(after.html).toMatch(/<option value="mer_rival" selected="">Rival Salon \(staff\)<\/option>/);
		expect(after.html).not.toContain("Ana Jansen");
		expect((await page(world.owner, `/admin/calendar?view=week&date=${day}`)).html).toContain("Rita Rival");
		expect((await page(world.owner, "/admin/setup")).status).toBe(403);
		const instant = await world.h.request("/admin/instant?local=2030-01-07T09:00", { browser: world.owner });
		expect(await instant.json()).toMatchObject({ timezone: "Europe/London" });

		// Back again.
		expect((await switchTo(world.owner, "mer_demo")).status).toBe(200);
		expect(await staffNames(world.owner)).toContain("Ana Jansen");
	});

	it("refuses a business the person does not belong to (or that does not exist) alike, and keeps the choice", async () => {
		expect((await switchTo(world.owner, RIVAL.merchantId)).status).toBe(200);
		const answers = [await switchTo(world.owner, "mer_third"), await switchTo(world.owner, "mer_nowhere")];
		for (const answer of answers) {
			expect(answer.status).toBe(404);
			expect(await answer.json()).toMatchObject({ type: "https://slotline.dev/problems/not-found", detail: "Merchant not found" });
		}
		expect(await chosen()).toBe(RIVAL.merchantId);
		expect(await staffNames(world.owner)).toEqual(["Rita Rival"]);
		// The rival's owner cannot reach the demo by switching either.
		const intruder = await switchTo(world.rival, "mer_demo");
		expectHidden({ status: intruder.status, body: await intruder.json() });
		expect(await staffNames(world.rival)).toEqual(["Rita Rival"]);

		const missing = await world.h.request("/admin/switch-business", { method: "POST", browser: world.owner, json: {} });
		expect(missing.status).toBe(400);
		expect(await missing.json()).toMatchObject({ errors: [{ field: "body.merchantId" }] });
		const signedOut = await world.h.request("/admin/switch-business", { method: "POST", json: { merchantId: "mer_demo" }, headers: { origin: ORIGIN } });
		expect(signedOut.status).toBe(401);
	});

	it("is CSRF-protected: no token, a wrong token or another origin changes nothing", async () => {
		const attempts = [
			switchTo({ ...world.owner, csrfToken: "" }, RIVAL.merchantId),
			switchTo({ ...world.owner, csrfToken: "forged" }, RIVAL.merchantId),
			switchTo(world.owner, RIVAL.merchantId, { headers: { origin: "https://evil.example" } }),
		];
		for (const attempt of await Promise.all(attempts)) expect(attempt.status).toBe(403);
		expect(await chosen()).toBeNull();
		expect(await staffNames(world.owner)).toContain("Ana Jansen");
	});

	it("works as a plain form without JavaScript, with a page (not JSON) for a business one does not belong to", async () => {
		const form = (merchantId: string, token = world.owner.csrfToken) =>
			world.h.request("/admin/switch-business", {
				method: "POST",
				// Only the form's _csrf field carries the token, as in a browser without JavaScript.
				browser: { ...world.owner, csrfToken: "" },
				headers: { "content-type": "application/x-www-form-urlencoded" },
				body: new URLSearchParams({ merchantId, _csrf: token }).toString(),
			});
		expect((await form(RIVAL.merchantId, "wrong")).status).toBe(403);
		const done = await form(RIVAL.merchantId);
		expect(done.status).toBe(303);
		expect(done.headers.get("location")).toBe("/admin");
		expect(await staffNames(world.owner)).toEqual(["Rita Rival"]);
		const refused = await form("mer_third");
		expect(refused.status).toBe(404);
		expect(refused.headers.get("content-type")).toContain("text/html");
		const html = await refused.text();
		expect(html).toContain("That business is not available");
		expect(html).not.toContain("Third Parlour");
	});

	it("falls back to another of the person's businesses when the chosen one's membership ends", async () => {
		expect((await switchTo(world.owner, RIVAL.merchantId)).status).toBe(200);
		await db().delete(memberships).where(eq(memberships.merchantId, RIVAL.merchantId));
		expect(await staffNames(world.owner)).toContain("Ana Jansen");
		const after = await page(world.owner);
		expect(after.html).not.toContain("Rival Salon");
		expect(after.html).not.toContain("business-switcher");
	});

	it("refuses a call from a page rendered for the other business (a tab left open), changing nothing", async () => {
		expect((await switchTo(world.owner, RIVAL.merchantId)).status).toBe(200);
		const stale = { "x-slotline-merchant": "mer_demo" };
		const read = await world.h.request("/admin/api/staff", { browser: world.owner, headers: stale });
		expect(read.status).toBe(409);
		expect(await read.json()).toMatchObject({ type: "https://slotline.dev/problems/business-switched" });
		const write = await world.h.request("/admin/api/resources", { method: "POST", browser: world.owner, headers: stale, json: { name: "Stale room", type: "room" } });
		expect(write.status).toBe(409);
		expect((await world.h.request("/admin/instant?local=2030-01-07T09:00", { browser: world.owner, headers: stale })).status).toBe(409);
		expect(await env.DB.prepare("select count(*) as n from resources where name = 'Stale room'").first()).toEqual({ n: 0 });
		// The page's own business passes.
		expect((await world.h.request("/admin/api/staff", { browser: world.owner, headers: { "x-slotline-merchant": RIVAL.merchantId } })).status).toBe(200);
	});

	it("keeps each session's own choice", async () => {
		const { token, session } = await createSession(db(), "usr_demo_owner", Date.now());
		const other: Browser = { ...world.h.browser(), cookie: token, csrfToken: csrfTokenFor(env.SESSION_SECRET, session.id) };
		expect((await switchTo(world.owner, RIVAL.merchantId)).status).toBe(200);
		expect(await staffNames(other)).toContain("Ana Jansen");
		expect(await staffNames(world.owner)).toEqual(["Rita Rival"]);
	});
});

describe("joining another business", () => {
	it("opens the admin on the business just joined, not the person's older one", async () => {
		const first = await seedMerchant();
		const second = await seedMerchant();
		// The second business invites the first one's owner as staff.
		await db().update(staff).set({ email: first.ownerEmail }).where(eq(staff.id, second.staffId));
		const h = harness();
		const secondOwner = h.browser();
		expect((await signIn(h, secondOwner, second.ownerEmail)).status).toBe(200);
		expect((await h.request(`/admin/api/staff/${second.staffId}/invite`, { method: "POST", browser: secondOwner })).status).toBe(202);
		const token = tokenFromMail(h.mailer, first.ownerEmail);

		const person = h.browser();
		expect((await signIn(h, person, first.ownerEmail)).status).toBe(200);
		const accepted = await h.request("/auth/invitations/accept", { method: "POST", browser: person, json: { token, password: PASSWORD } });
		expect(accepted.status).toBe(200);
		const names = await (await h.request("/admin/api/staff", { browser: person })).json<{ staff: Array<{ id: string }> }>();
		expect(names.staff.map((s) => s.id)).toEqual([second.staffId]);
		// Signing in again later starts from the oldest membership, as before.
		const later = h.browser();
		expect((await signIn(h, later, first.ownerEmail)).status).toBe(200);
		const again = await (await h.request("/admin/api/staff", { browser: later })).json<{ staff: Array<{ id: string }> }>();
		expect(again.staff.map((s) => s.id)).toEqual([first.staffId]);
	});
});
