// No open redirect after sign-in: every returnTo / next a browser can be handed is resolved against
// APP_URL the way a browser resolves it and must stay on our origin. Tabs and newlines (which browsers
// drop from URLs), backslashes (read as slashes), encoded and scheme variants all end on our own pages.
import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import { safeReturnTo } from "../../src/web/auth/return-to";
import { safeReturnPath } from "../../src/web/pages/admin/guard";
import { harness, uniqueEmail } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";

const sandboxUrl = inject("sandboxUrl");
const APP = new URL(env.APP_URL);

/** Values that a browser, a Location header or location.assign() would take to another host (or a script). */
const HOSTILE = [
	"/\t/evil.example",
	"/\n/evil.example",
	"/\r\n/evil.example",
	"\t//evil.example",
	"/\t\t/evil.example/path?x=1",
	"/\u0000/evil.example",
	"/\u007f/evil.example",
	"//evil.example",
	"///evil.example",
	"/\\evil.example",
	"/\\/evil.example",
	"\\\\evil.example",
	"/.//evil.example",
	"/a/../..//evil.example",
	"/./\\evil.example",
	"https://evil.example/",
	"http:evil.example",
	"https:/evil.example",
	"javascript:alert(document.domain)",
	"JaVaScRiPt:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"evil.example",
	" /evil",
	"//user@evil.example",
	"/@evil.example".replace("/", "//"),
	"",
];

/** Same-origin paths, however odd, that must come back as the path they are. */
const OURS: Array<[string, string]> = [
	["/b/demo", "/b/demo"],
	["/account?tab=logins#bookings", "/account?tab=logins#bookings"],
	["/%09/evil.example", "/%09/evil.example"],
	["/%2F%2Fevil.example", "/%2F%2Fevil.example"],
	["/%5Cevil.example", "/%5Cevil.example"],
	["/javascript:alert(1)", "/javascript:alert(1)"],
	["/a/../b", "/b"],
];

describe("safeReturnTo", () => {
	it("refuses every value that would leave our origin", () => {
		for (const value of HOSTILE) {
			expect({ value, result: safeReturnTo(value, env.APP_URL) }).toEqual({ value, result: null });
		}
	});

	it("keeps our own paths, normalised as a browser would read them", () => {
		for (const [value, path] of OURS) {
			const result = safeReturnTo(value, env.APP_URL);
			expect({ value, result }).toEqual({ value, result: path });
			// Whatever it is used as (a Location header, location.assign), it resolves to our origin.
			expect(new URL(result ?? "", APP).origin).toBe(APP.origin);
		}
	});

	it("is what the admin sign-in's next= goes through too", () => {
		for (const value of HOSTILE) expect(safeReturnPath(value, env.APP_URL)).toBe("/admin");
		expect(safeReturnPath("/admin/%09/evil.example", env.APP_URL)).toBe("/admin/%09/evil.example");
	});
});

async function sandboxGoogleUser(email: string): Promise<void> {
	const response = await fetch(`${sandboxUrl}/_control/google/users`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ email, emailVerified: true, name: "Rhea Redirect" }),
	});
	expect(response.ok).toBe(true);
}

/** A whole Google sign-in started with `returnTo`; answers where the app sends the browser at the end. */
async function signInReturningTo(h: Harness, browser: Browser, returnTo: string): Promise<string> {
	const email = uniqueEmail("rhea");
	await sandboxGoogleUser(email);
	const start = await h.request(`/auth/google?login_hint=${encodeURIComponent(email)}&returnTo=${encodeURIComponent(returnTo)}`, { browser });
	expect(start.status).toBe(302);
	const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
	const callback = new URL(consent.headers.get("location") ?? "");
	const done = await h.request(`${callback.pathname}${callback.search}`, { browser });
	expect(done.status).toBe(303);
	return done.headers.get("location") ?? "";
}

describe("after a provider sign-in", () => {
	it("a tab, newline or backslash in returnTo lands on our home page, never on another host", async () => {
		const h = harness();
		for (const returnTo of ["/\t/evil.example", "/\n/evil.example", "/\\evil.example", "/.//evil.example"]) {
			const location = await signInReturningTo(h, h.browser(), returnTo);
			expect({ returnTo, location }).toEqual({ returnTo, location: `${APP.origin}/` });
		}
	});

	it("an encoded variant stays a path of ours, and a plain path is honoured", async () => {
		const h = harness();
		const encoded = await signInReturningTo(h, h.browser(), "/%09/evil.example");
		expect(new URL(encoded).origin).toBe(APP.origin);
		expect(await signInReturningTo(h, h.browser(), "/b/demo?step=details")).toBe(`${APP.origin}/b/demo?step=details`);
	});
});
