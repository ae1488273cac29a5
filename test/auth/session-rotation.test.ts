// A new session on every change of privilege: changing or adding a password, linking a provider,
// confirming an address. The browser gets a new session id, the old one stops working at once, and a
// password change also signs out the other devices (unless the person chooses to keep them).
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { users } from "../../src/db/schema";
import { PASSWORD, db, harness, signIn, signUp, tokenFromMail, uniqueEmail } from "./harness";
import type { Browser, Harness } from "./harness";

const sandboxUrl = inject("sandboxUrl");
const NEW_PASSWORD = "a different passphrase";

let h: Harness;
beforeEach(() => {
	h = harness();
});

async function userOf(cookie: string): Promise<string | null> {
	const body = await (await h.request("/auth/session", { browser: { ...h.browser(), cookie } })).json<{ user: { id: string } | null }>();
	return body.user?.id ?? null;
}

/** Runs `change` in `browser` and checks the rotation: a new id, the old one dead, a new CSRF token. */
async function expectRotated(browser: Browser, change: () => Promise<Response>): Promise<Response> {
	const { cookie: before, csrfToken: beforeToken } = browser;
	const userId = await userOf(before);
	expect(userId).not.toBeNull();
	const response = await change();
	expect(response.status).toBeLessThan(400);
	expect(browser.cookie).not.toBe(before);
	expect(browser.cookie).not.toBe("");
	expect(await userOf(before)).toBeNull();
	expect(await userOf(browser.cookie)).toBe(userId);
	if (response.headers.get("content-type")?.includes("json") === true) expect(browser.csrfToken).not.toBe(beforeToken);
	return response;
}

async function googleUser(email: string): Promise<void> {
	const response = await fetch(`${sandboxUrl}/_control/google/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, emailVerified: true, name: "Rolf Rotate" }),
	});
	expect(response.ok).toBe(true);
}

async function googleCallback(browser: Browser, email: string, query = ""): Promise<string> {
	const start = await h.request(`/auth/google?login_hint=${encodeURIComponent(email)}${query}`, { browser });
	const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
	const callback = new URL(consent.headers.get("location") ?? "");
	return `${callback.pathname}${callback.search}`;
}

describe("session rotation on privilege changes", () => {
	it("changing the password rotates this session and, by default, signs out every other device", async () => {
		const email = uniqueEmail();
		const laptop = h.browser();
		const phone = h.browser();
		await signUp(h, laptop, email);
		await signIn(h, phone, email);
		await expectRotated(laptop, () => h.request("/auth/password", { method: "POST", browser: laptop, json: { currentPassword: PASSWORD, password: NEW_PASSWORD } }));
		expect(await userOf(phone.cookie)).toBeNull();
		expect((await signIn(h, h.browser(), email, NEW_PASSWORD)).status).toBe(200);
	});

	it("changing the password can keep the other devices signed in when the person says so", async () => {
		const email = uniqueEmail();
		const laptop = h.browser();
		const phone = h.browser();
		await signUp(h, laptop, email);
		await signIn(h, phone, email);
		await expectRotated(laptop, () =>
			h.request("/auth/password", { method: "POST", browser: laptop, json: { currentPassword: PASSWORD, password: NEW_PASSWORD, signOutOtherDevices: false } }),
		);
		expect(await userOf(phone.cookie)).not.toBeNull();
	});

	it("a wrong current password changes nothing, the session included", async () => {
		const laptop = h.browser();
		await signUp(h, laptop, uniqueEmail());
		const before = laptop.cookie;
		const refused = await h.request("/auth/password", { method: "POST", browser: laptop, json: { currentPassword: "not it at all", password: NEW_PASSWORD } });
		expect(refused.status).toBe(401);
		expect(laptop.cookie).toBe(before);
		expect(await userOf(before)).not.toBeNull();
	});

	it("adding a password to a Google-only account rotates the session (other devices stay unless asked)", async () => {
		const email = uniqueEmail("gina");
		await googleUser(email);
		const laptop = h.browser();
		const phone = h.browser();
		await h.request(await googleCallback(laptop, email), { browser: laptop });
		await h.request(await googleCallback(phone, email), { browser: phone });
		await h.request("/auth/session", { browser: laptop });
		expect((await db().select({ hash: users.passwordHash }).from(users).where(eq(users.email, email)).get())?.hash).toBeNull();
		await expectRotated(laptop, () => h.request("/auth/password", { method: "POST", browser: laptop, json: { password: NEW_PASSWORD } }));
		expect(await userOf(phone.cookie)).not.toBeNull();
		// Asked to, the next change signs the phone out.
		await expectRotated(laptop, () =>
			h.request("/auth/password", { method: "POST", browser: laptop, json: { currentPassword: NEW_PASSWORD, password: `${NEW_PASSWORD}!`, signOutOtherDevices: true } }),
		);
		expect(await userOf(phone.cookie)).toBeNull();
	});

	it("linking Google rotates the session", async () => {
		const laptop = h.browser();
		await signUp(h, laptop, uniqueEmail());
		const gmail = uniqueEmail("linked");
		await googleUser(gmail);
		const callback = await googleCallback(laptop, gmail, "&link=1");
		await expectRotated(laptop, () => h.request(callback, { browser: laptop }));
	});

	it("confirming the email address, and a change of address, rotate the session", async () => {
		const email = uniqueEmail();
		const laptop = h.browser();
		await signUp(h, laptop, email);
		const token = tokenFromMail(h.mailer, email);
		await expectRotated(laptop, () => h.request("/auth/verify-email", { method: "POST", browser: laptop, json: { token } }));

		const moved = uniqueEmail("moved");
		expect((await h.request("/api/v1/me", { method: "PATCH", browser: laptop, json: { email: moved } })).status).toBe(200);
		const change = tokenFromMail(h.mailer, moved);
		await expectRotated(laptop, () => h.request(`/auth/verify-email?token=${change}`, { browser: laptop }));
	});
});
