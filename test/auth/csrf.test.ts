import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { csrfTokenFor, verifyCsrfToken } from "../../src/auth/csrf";
import { ORIGIN, harness, signUp, uniqueEmail } from "./harness";
import type { Browser, Harness } from "./harness";

async function signedIn(h: Harness): Promise<Browser> {
	const browser = h.browser();
	await signUp(h, browser, uniqueEmail());
	return browser;
}

async function stillSignedIn(h: Harness, browser: Browser): Promise<boolean> {
	const body = await (await h.request("/auth/session", { browser })).json<{ user: unknown }>();
	return body.user !== null;
}

describe("CSRF protection", () => {
	it("derives a token per session and rejects another session's token", () => {
		const token = csrfTokenFor(env.SESSION_SECRET, "session-a");
		expect(verifyCsrfToken(env.SESSION_SECRET, "session-a", token)).toBe(true);
		expect(verifyCsrfToken(env.SESSION_SECRET, "session-b", token)).toBe(false);
		expect(verifyCsrfToken("another secret", "session-a", token)).toBe(false);
		expect(verifyCsrfToken(env.SESSION_SECRET, "session-a", "")).toBe(false);
	});

	it("refuses a cookie-authenticated POST without the token", async () => {
		const h = harness();
		const browser = await signedIn(h);
		const response = await h.request("/auth/signout-all", { method: "POST", browser: { ...browser, csrfToken: "" } });
		expect(response.status).toBe(403);
		expect(await response.json()).toMatchObject({ status: 403, detail: expect.stringMatching(/CSRF/) });
		expect(await stillSignedIn(h, browser)).toBe(true);
	});

	it("refuses a wrong token", async () => {
		const h = harness();
		const browser = await signedIn(h);
		const response = await h.request("/auth/signout-all", { method: "POST", browser, headers: { "x-csrf-token": "A".repeat(43) } });
		expect(response.status).toBe(403);
		expect(await stillSignedIn(h, browser)).toBe(true);
	});

	it("refuses the right token from a foreign Origin, and from no origin at all", async () => {
		const h = harness();
		const browser = await signedIn(h);
		const foreign = await h.request("/auth/signout-all", { method: "POST", browser, headers: { origin: "https://evil.example" } });
		expect(foreign.status).toBe(403);
		expect(await foreign.json()).toMatchObject({ detail: expect.stringMatching(/cross-site/i) });
		const crossSite = await h.request("/auth/signout-all", {
			method: "POST",
			browser,
			headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
		});
		expect(crossSite.status).toBe(403);
		// Neither Origin nor Sec-Fetch-Site: not what a browser sends, so refused as well.
		const bare = await h.request("/auth/signout-all", {
			method: "POST",
			headers: { cookie: `__Host-slotline_session=${browser.cookie}`, "x-csrf-token": browser.csrfToken },
		});
		expect(bare.status).toBe(403);
		expect(await stillSignedIn(h, browser)).toBe(true);
	});

	it("accepts Sec-Fetch-Site: same-origin with the token in a form field", async () => {
		const h = harness();
		const browser = await signedIn(h);
		const form = new URLSearchParams({ _csrf: browser.csrfToken });
		const response = await h.request("/auth/signout-all", {
			method: "POST",
			browser: { ...browser, csrfToken: "" },
			headers: { origin: "null", "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" },
			body: form.toString(),
		});
		expect(response.status).toBe(204);
		expect(await stillSignedIn(h, browser)).toBe(false);
	});

	it("refuses a cross-site sign-in (login CSRF) even without a session", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const visitor = h.browser();
		const response = await h.request("/auth/signin", {
			method: "POST",
			browser: visitor,
			headers: { origin: "https://evil.example" },
			json: { email, password: "correct horse battery" },
		});
		expect(response.status).toBe(403);
		expect(visitor.cookie).toBe("");
		expect(ORIGIN).toBe(new URL(env.APP_URL).origin);
	});

	it("answers an unreadable form body with a 400 problem, not a 500, and changes nothing", async () => {
		const h = harness();
		const browser = await signedIn(h);
		const bodies: Array<{ type: string; body: string }> = [
			// Multipart with a boundary the body never uses, with none at all, and cut off mid-part.
			{ type: "multipart/form-data; boundary=x", body: "not multipart at all" },
			{ type: "multipart/form-data", body: "--x\r\ncontent-disposition: form-data; name=\"_csrf\"\r\n\r\nabc" },
			{ type: "multipart/form-data; boundary=x", body: "--x\r\ncontent-disposition: form-data; name=\"_csrf\"\r\n\r\nabc" },
		];
		for (const { type, body } of bodies) {
			const response = await h.request("/auth/signout-all", {
				method: "POST",
				browser: { ...browser, csrfToken: "" },
				headers: { "content-type": type },
				body,
			});
			const label = `${type} ${JSON.stringify(body)}`;
			expect({ label, status: response.status }).toEqual({ label, status: response.status === 400 ? 400 : 403 });
			expect(response.headers.get("content-type")).toBe("application/problem+json");
			expect(await response.json()).toMatchObject({ status: response.status });
		}
		expect(await stillSignedIn(h, browser)).toBe(true);
	});

	it("leaves requests without a session cookie alone outside /auth", async () => {
		const h = harness();
		// An unknown route still answers 404 rather than 403: no session, so no CSRF check.
		const response = await h.request("/webhooks/nothing-here", { method: "POST", headers: { origin: "https://evil.example" } });
		expect(response.status).toBe(404);
	});
});
