// The leak guard itself: it must find a planted secret, so its silence in the other files means something.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { LeakGuard } from "./leak-guard";

describe("leak guard", () => {
	it("finds the env's secrets and key material, and tokens added during a run", async () => {
		const guard = new LeakGuard();
		expect(guard.secretCount).toBeGreaterThanOrEqual(7);
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
});
