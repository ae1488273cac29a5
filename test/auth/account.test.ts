import { describe, expect, it } from "vitest";
import { SessionViewSchema, UserViewSchema } from "../../src/web/auth/session-schema";
import { PASSWORD, harness, signIn, signUp, uniqueEmail } from "./harness";
import type { Browser, Harness } from "./harness";

async function currentUser(h: Harness, browser: Browser): Promise<{ email: string; emailVerified: boolean } | null> {
	const response = await h.request("/auth/session", { browser });
	const body = await response.json<{ user: { email: string; emailVerified: boolean } | null }>();
	return body.user;
}

describe("sign-up and sign-in", () => {
	it("signs up, sets a __Host- session cookie and never echoes the password or token", async () => {
		const h = harness();
		const browser = h.browser();
		const email = uniqueEmail();
		const response = await h.request("/auth/signup", {
			method: "POST",
			browser,
			json: { email: `  ${email.toUpperCase()} `, password: PASSWORD, firstName: "Ada" },
		});
		expect(response.status).toBe(201);
		const cookie = response.headers.getSetCookie().find((line) => line.startsWith("__Host-slotline_session="));
		expect(cookie).toBeDefined();
		expect(cookie).toMatch(/; HttpOnly/i);
		expect(cookie).toMatch(/; Secure/i);
		expect(cookie).toMatch(/; SameSite=Lax/i);
		expect(cookie).toMatch(/; Path=\//i);
		expect(cookie).not.toMatch(/Domain=/i);
		const text = await response.text();
		expect(text).not.toContain(PASSWORD);
		expect(text).not.toContain(browser.cookie);
		const body = JSON.parse(text) as { user: { email: string; emailVerified: boolean; firstName: string }; csrfToken: string };
		expect(body.user).toMatchObject({ email, emailVerified: false, firstName: "Ada" });
		expect(body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(h.mailer.lastTo(email)?.subject).toMatch(/confirm/i);
	});

	it("refuses a duplicate address and a short password, naming the field", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const duplicate = await h.request("/auth/signup", { method: "POST", browser: h.browser(), json: { email, password: PASSWORD } });
		expect(duplicate.status).toBe(422);
		expect(await duplicate.json()).toMatchObject({ type: "https://slotline.dev/problems/email-taken" });
		const short = await h.request("/auth/signup", { method: "POST", browser: h.browser(), json: { email: "nope", password: "short" } });
		expect(short.status).toBe(400);
		expect(short.headers.get("content-type")).toBe("application/problem+json");
		const problem = await short.json<{ errors: Array<{ field: string }> }>();
		expect(problem.errors.map((e) => e.field).sort()).toEqual(["email", "password"]);
	});

	it("answers a wrong password and an unknown account the same way", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const wrong = await signIn(h, h.browser(), email, "not the password");
		const unknown = await signIn(h, h.browser(), uniqueEmail(), "not the password");
		expect(wrong.status).toBe(401);
		expect(unknown.status).toBe(401);
		const [a, b] = [await wrong.json<{ detail: string }>(), await unknown.json<{ detail: string }>()];
		expect(a.detail).toBe(b.detail);
		expect(wrong.headers.getSetCookie()).toEqual([]);
	});

	it("rotates the session on sign-in: the cookie held before is rejected afterwards", async () => {
		const h = harness();
		const browser = h.browser();
		const email = uniqueEmail();
		await signUp(h, browser, email);
		const before = browser.cookie;
		const response = await signIn(h, browser, email);
		expect(response.status).toBe(200);
		expect(browser.cookie).not.toBe(before);
		expect(await currentUser(h, browser)).toMatchObject({ email });
		const stale = { ...browser, cookie: before };
		expect(await currentUser(h, stale)).toBeNull();
	});

	it("signs out one device, and every device with signout-all", async () => {
		const h = harness();
		const email = uniqueEmail();
		const laptop = h.browser();
		const phone = h.browser();
		const tablet = h.browser();
		await signUp(h, laptop, email);
		await signIn(h, phone, email);
		await signIn(h, tablet, email);

		const out = await h.request("/auth/signout", { method: "POST", browser: tablet });
		expect(out.status).toBe(204);
		expect(tablet.cookie).toBe("");
		expect(await currentUser(h, tablet)).toBeNull();
		expect(await currentUser(h, phone)).toMatchObject({ email });

		const all = await h.request("/auth/signout-all", { method: "POST", browser: laptop });
		expect(all.status).toBe(204);
		expect(await currentUser(h, laptop)).toBeNull();
		expect(await currentUser(h, phone)).toBeNull();
	});

	it("GET /auth/session answers in the shape the browser's type is inferred from, and nothing more", async () => {
		const h = harness();
		const browser = h.browser();
		await signUp(h, browser, uniqueEmail());
		const body = await (await h.request("/auth/session", { browser })).json();
		expect(SessionViewSchema.strict().extend({ user: UserViewSchema.strict() }).safeParse(body).error).toBeUndefined();
	});

	it("GET /auth/session answers signed-out visitors without a token", async () => {
		const h = harness();
		const response = await h.request("/auth/session");
		expect(response.status).toBe(200);
		expect(response.headers.get("cache-control")).toBe("no-store");
		expect(await response.json()).toEqual({ user: null, csrfToken: null });
	});

	it("verifies the email address once, by POST or by the link", async () => {
		const h = harness();
		const browser = h.browser();
		const email = uniqueEmail();
		await signUp(h, browser, email);
		const link = h.mailer.lastTo(email)?.text.match(/http\S+/)?.[0] ?? "";
		expect(link).toMatch(/\/auth\/verify-email\?token=/);
		const token = new URL(link).searchParams.get("token") ?? "";

		const cookieBefore = browser.cookie;
		const verified = await h.request("/auth/verify-email", { method: "POST", browser, json: { token } });
		expect(verified.status).toBe(200);
		const text = await verified.text();
		expect(text).not.toContain(token);
		expect(JSON.parse(text)).toMatchObject({ user: { email, emailVerified: true } });
		// A privilege change: the session was replaced.
		expect(browser.cookie).not.toBe(cookieBefore);

		const again = await h.request(`/auth/verify-email?token=${token}`, { browser });
		expect(again.status).toBe(303);
		expect(again.headers.get("location")).toMatch(/email-verified=0$/);
	});

	it("follows the emailed verification link with a redirect, in a browser signed in to the account", async () => {
		const h = harness();
		const laptop = h.browser();
		const email = uniqueEmail();
		await signUp(h, laptop, email);
		const path = new URL(h.mailer.lastTo(email)?.text.match(/http\S+/)?.[0] ?? "http://x/").pathname;
		const token = h.mailer.lastTo(email)?.text.match(/token=([a-z0-9]+)/)?.[1] ?? "";
		// A mail scanner, or another device: asked to sign in first, and the link is not used up.
		const scanner = await h.request(`${path}?token=${token}`, {});
		expect(await currentUser(h, laptop)).toMatchObject({ emailVerified: false });
		expect(scanner.status).toBe(303);
		expect(scanner.headers.get("location")).toMatch(/\/signin\?error=confirm-signin-required$/);

		const phone = h.browser();
		expect((await signIn(h, phone, email)).status).toBe(200);
		const response = await h.request(`${path}?token=${token}`, { browser: phone });
		expect(response.status).toBe(303);
		expect(response.headers.get("location")).toMatch(/email-verified=1$/);
		expect(response.headers.get("referrer-policy")).toBe("no-referrer");
		// The password the account was made with still works: it was the mailbox owner's.
		expect(await currentUser(h, laptop)).toMatchObject({ emailVerified: true });
		expect((await signIn(h, h.browser(), email)).status).toBe(200);
	});

	it("resends the confirmation at most once a minute, and only to a signed-in, unverified account", async () => {
		const h = harness();
		const browser = h.browser();
		const email = uniqueEmail();
		expect((await h.request("/auth/verify-email/resend", { method: "POST", browser })).status).toBe(401);
		await signUp(h, browser, email);
		// Sign-up has just sent one.
		const tooSoon = await h.request("/auth/verify-email/resend", { method: "POST", browser });
		expect(tooSoon.status).toBe(429);
		expect(tooSoon.headers.get("retry-after")).toBe("60");
		expect(h.mailer.outbox.filter((m) => m.to === email)).toHaveLength(1);
	});
});
