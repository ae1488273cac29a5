import { describe, expect, it } from "vitest";
import {
	ACCOUNT_FAILURE_LIMIT,
	IP_FAILURE_LIMIT,
	SIGN_IN_WINDOW_MS,
	assertSignInAllowed,
	recordSignInFailure,
} from "../../src/auth/rate-limit";
import { RateLimitedError } from "../../src/errors";
import { PASSWORD, db, harness, signIn, signUp, uniqueEmail } from "./harness";

describe("sign-in rate limits", () => {
	it("lock an account after 5 failures with a 429 problem and Retry-After, even for the right password", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) {
			expect((await signIn(h, h.browser(), email, `wrong password ${i}`)).status).toBe(401);
		}
		const browser = h.browser();
		const limited = await signIn(h, browser, email, PASSWORD);
		expect(limited.status).toBe(429);
		expect(limited.headers.get("content-type")).toBe("application/problem+json");
		const retryAfter = Number(limited.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_WINDOW_MS / 1000);
		const problem = await limited.json<{ type: string; detail: string }>();
		expect(problem.type).toBe("https://slotline.dev/problems/rate-limited");
		expect(problem.detail).toMatch(/too many failed sign-in attempts/i);
		expect(browser.cookie).toBe("");
	});

	it("count unknown accounts too, so a 429 does not reveal which addresses exist", async () => {
		const h = harness();
		const email = uniqueEmail("ghost");
		for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) await signIn(h, h.browser(), email, "whatever password");
		expect((await signIn(h, h.browser(), email, "whatever password")).status).toBe(429);
	});

	it("limit one IP across many accounts, and not other IPs", async () => {
		const h = harness();
		const attacker = h.browser();
		for (let i = 0; i < IP_FAILURE_LIMIT; i++) {
			expect((await signIn(h, attacker, uniqueEmail("spray"), "guess guess guess")).status).toBe(401);
		}
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const blocked = await signIn(h, attacker, email, PASSWORD);
		expect(blocked.status).toBe(429);
		expect(await blocked.json()).toMatchObject({ detail: expect.stringMatching(/network/) });
		expect((await signIn(h, h.browser(), email, PASSWORD)).status).toBe(200);
	});

	it("reset when a success clears the account, and when the window slides past", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		for (let i = 0; i < ACCOUNT_FAILURE_LIMIT - 1; i++) await signIn(h, h.browser(), email, "wrong password!");
		expect((await signIn(h, h.browser(), email, PASSWORD)).status).toBe(200);
		// The slate is clean: four more failures still leave room.
		for (let i = 0; i < ACCOUNT_FAILURE_LIMIT - 1; i++) await signIn(h, h.browser(), email, "wrong password!");
		expect((await signIn(h, h.browser(), email, PASSWORD)).status).toBe(200);

		const subjects = { email: uniqueEmail(), ip: null };
		const t0 = Date.UTC(2026, 2, 1);
		for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) await recordSignInFailure(db(), subjects, t0 + i * 1000);
		const error = await assertSignInAllowed(db(), subjects, t0 + 10_000).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RateLimitedError);
		// Free again when the oldest failure leaves the window.
		expect((error as RateLimitedError).retryAfterSeconds).toBe(SIGN_IN_WINDOW_MS / 1000 - 10);
		await expect(assertSignInAllowed(db(), subjects, t0 + SIGN_IN_WINDOW_MS)).resolves.toBeUndefined();
	});
});
