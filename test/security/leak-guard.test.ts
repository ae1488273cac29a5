// The leak guard itself: it must find a planted secret wherever the other files rely on it looking, so
// their silence means something.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { harness } from "../auth/harness";
import { LeakGuard } from "./leak-guard";

describe("leak guard", () => {
	it("finds the env's secrets and key material, and tokens added during a run", async () => {
		const guard = new LeakGuard();
		expect(guard.secretCount).toBeGreaterThanOrEqual(8);
		await guard.response("planted body", new Response(JSON.stringify({ oops: env.SESSION_SECRET })));
		await guard.response("planted header", new Response("", { headers: { "x-debug": env.GOOGLE_CLIENT_SECRET } }));
		const key = Object.values((JSON.parse(env.ENCRYPTION_KEYS) as { keys: Record<string, string> }).keys)[0] ?? "";
		guard.record("planted log", `key=${key}`);
		guard.addSecret("refresh token", "1//sandbox-refresh-token-abc");
		guard.record("planted log 2", "refreshing with 1//sandbox-refresh-token-abc");
		guard.record("clean", "nothing to see");
		expect(guard.findings()).toEqual([
			"SESSION_SECRET in planted body",
			"GOOGLE_CLIENT_SECRET in planted header",
			"ENCRYPTION_KEYS.k1 in planted log",
			// The unpadded base64url form of this key is a substring of its base64 form.
			"ENCRYPTION_KEYS.k1 (base64url) in planted log",
			"refresh token in planted log 2",
		]);
	});

	it("ignores Set-Cookie, which legitimately carries the session", async () => {
		const guard = new LeakGuard();
		guard.addSecret("session token", "session-token-value-123");
		await guard.response("sign-in", new Response("{}", { headers: { "set-cookie": "__Host-slotline_session=session-token-value-123; Path=/" } }));
		expect(guard.findings()).toEqual([]);
	});

	it("learns the tokens of mailed links and of the URLs a test opens, in both spellings", () => {
		const guard = new LeakGuard();
		guard.collectMail([{ to: "a@example.com", subject: "Reset", text: "Open https://app.test/reset-password?token=abcdef0123456789 within an hour." }]);
		guard.addUrlSecrets("callback", "/auth/google/callback?code=4%2F0AX-code%2Bwith%2Fslash&state=state-value-42");
		guard.record("a problem detail", "token abcdef0123456789 is not valid");
		guard.record("an echoed URL", "/callback?code=4%2F0AX-code%2Bwith%2Fslash");
		guard.record("a decoded echo", "code 4/0AX-code+with/slash refused");
		// The state travels through the browser by design (it is in our own redirect to the provider).
		guard.record("our redirect", "location: https://accounts.test/auth?state=state-value-42");
		expect(guard.findings()).toEqual([
			"link mailed to a@example.com token in a problem detail",
			"callback code (URL-encoded) in an echoed URL",
			"callback code in a decoded echo",
		]);
	});

	it("scans console lines, even after a test restores its mocks, and can keep them out of the output", () => {
		const guard = new LeakGuard();
		const written = vi.spyOn(process.stdout, "write");
		guard.captureConsole({ silent: true });
		try {
			vi.restoreAllMocks();
			console.error(JSON.stringify({ msg: "job failed", error: `Bearer ${env.MICROSOFT_CLIENT_SECRET}` }));
			console.log("fine");
		} finally {
			guard.releaseConsole();
		}
		expect(written).not.toHaveBeenCalled();
		expect(guard.consoleLines().map((l) => l.method)).toEqual(["error", "log"]);
		expect(guard.findings()).toEqual(["MICROSOFT_CLIENT_SECRET in console.error #0"]);
	});

	it("records every response of a watched harness and learns its browsers' cookies", async () => {
		const guard = new LeakGuard();
		const h = guard.watch(harness());
		const browser = h.browser();
		const signedUp = await h.request("/auth/signup", { method: "POST", browser, json: { email: `guard-${crypto.randomUUID()}@example.com`, password: "correct horse battery" } });
		expect(signedUp.status).toBe(201);
		expect(browser.cookie).not.toBe("");
		guard.record("planted page", `<p>${browser.cookie}</p>`);
		expect(guard.scanned).toBe(2);
		expect(guard.findings()).toEqual(["session token in planted page"]);
	});
});
