import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
	ACCOUNT_FAILURE_LIMIT,
	CLIENT_ACCOUNT_FAILURE_LIMIT,
	IP_FAILURE_LIMIT,
	SIGN_IN_WINDOW_MS,
	clientOf,
	reserveSignInAttempt,
} from "../../src/auth/rate-limit";
import { users } from "../../src/db/schema";
import { RateLimitedError } from "../../src/errors";
import { PASSWORD, db, harness, seedMerchant, signIn, signUp, tokenFromMail, uniqueEmail } from "./harness";

/** How many of `responses` answered each status, e.g. { 401: 5, 429: 15 }. */
function statuses(responses: Response[]): Record<number, number> {
	const counts: Record<number, number> = {};
	for (const response of responses) counts[response.status] = (counts[response.status] ?? 0) + 1;
	return counts;
}

async function burst(count: number, request: () => Promise<Response>): Promise<Record<number, number>> {
	return statuses(await Promise.all(Array.from({ length: count }, () => request())));
}

describe("sign-in rate limits", () => {
	it("lock one client out of an account after 5 failures with a 429 problem and Retry-After, even for the right password", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const attacker = h.browser();
		for (let i = 0; i < CLIENT_ACCOUNT_FAILURE_LIMIT; i++) {
			expect((await signIn(h, attacker, email, `wrong password ${i}`)).status).toBe(401);
		}
		const limited = await signIn(h, attacker, email, PASSWORD);
		expect(limited.status).toBe(429);
		expect(limited.headers.get("content-type")).toBe("application/problem+json");
		const retryAfter = Number(limited.headers.get("retry-after"));
		expect(retryAfter).toBeGreaterThan(0);
		expect(retryAfter).toBeLessThanOrEqual(SIGN_IN_WINDOW_MS / 1000);
		const problem = await limited.json<{ type: string; detail: string }>();
		expect(problem.type).toBe("https://slotline.dev/problems/rate-limited");
		expect(problem.detail).toMatch(/too many failed sign-in attempts/i);
		expect(attacker.cookie).toBe("");
	});

	it("cannot be used to lock the owner out: failures from one client leave every other client alone", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const attacker = h.browser();
		for (let i = 0; i < CLIENT_ACCOUNT_FAILURE_LIMIT + 2; i++) await signIn(h, attacker, email, `wrong password ${i}`);
		expect((await signIn(h, attacker, email, PASSWORD)).status).toBe(429);
		const owner = h.browser();
		expect((await signIn(h, owner, email, PASSWORD)).status).toBe(200);
		expect(owner.cookie).not.toBe("");
	});

	it("let no more parallel guesses through than the limit: counting and recording are one statement", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const attacker = h.browser();
		expect(await burst(20, () => signIn(h, attacker, email, "parallel guess"))).toEqual({ 401: CLIENT_ACCOUNT_FAILURE_LIMIT, 429: 20 - CLIENT_ACCOUNT_FAILURE_LIMIT });
	});

	it("treat an IPv6 /64 as one client, and IPv4 addresses (also IPv4-mapped) each as their own", () => {
		expect(clientOf("2001:db8:0:1::5")).toBe("2001:db8:0:1::/64");
		expect(clientOf("2001:0DB8:0000:0001:ffff:1:2:3")).toBe("2001:db8:0:1::/64");
		expect(clientOf("2001:db8::1")).toBe("2001:db8:0:0::/64");
		expect(clientOf("2001:db8:0:2::5")).not.toBe(clientOf("2001:db8:0:1::5"));
		expect(clientOf("::ffff:192.0.2.7")).toBe("192.0.2.7");
		expect(clientOf("192.0.2.8")).toBe("192.0.2.8");
	});

	it("count unknown accounts too, so a 429 does not reveal which addresses exist", async () => {
		const h = harness();
		const email = uniqueEmail("ghost");
		const browser = h.browser();
		for (let i = 0; i < CLIENT_ACCOUNT_FAILURE_LIMIT; i++) await signIn(h, browser, email, "whatever password");
		expect((await signIn(h, browser, email, "whatever password")).status).toBe(429);
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

	it("reset when a success clears this client's failures, and when the window slides past", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const browser = h.browser();
		for (let i = 0; i < CLIENT_ACCOUNT_FAILURE_LIMIT - 1; i++) await signIn(h, browser, email, "wrong password!");
		expect((await signIn(h, browser, email, PASSWORD)).status).toBe(200);
		// The slate is clean: four more failures still leave room.
		for (let i = 0; i < CLIENT_ACCOUNT_FAILURE_LIMIT - 1; i++) await signIn(h, browser, email, "wrong password!");
		expect((await signIn(h, browser, email, PASSWORD)).status).toBe(200);

		const subjects = { email: uniqueEmail(), ip: null };
		const t0 = Date.UTC(2026, 2, 1);
		for (let i = 0; i < CLIENT_ACCOUNT_FAILURE_LIMIT; i++) await reserveSignInAttempt(db(), subjects, t0 + i * 1000);
		const error = await reserveSignInAttempt(db(), subjects, t0 + 10_000).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(RateLimitedError);
		// Free again when the oldest failure leaves the window.
		expect((error as RateLimitedError).retryAfterSeconds).toBe(SIGN_IN_WINDOW_MS / 1000 - 10);
		await expect(reserveSignInAttempt(db(), subjects, t0 + SIGN_IN_WINDOW_MS)).resolves.toMatchObject({ subjects });
	});

	it("bound guessing spread over many networks, and let the mailbox owner in with a reset, which clears it", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const now = Date.now();
		for (let i = 0; i < ACCOUNT_FAILURE_LIMIT; i++) await reserveSignInAttempt(db(), { email, ip: `198.51.${Math.floor(i / 250)}.${i % 250}` }, now);
		const owner = h.browser();
		const limited = await signIn(h, owner, email, PASSWORD);
		expect(limited.status).toBe(429);
		expect(await limited.json()).toMatchObject({ detail: expect.stringMatching(/reset your password/i) });

		expect((await h.request("/auth/password/forgot", { method: "POST", browser: owner, json: { email } })).status).toBe(202);
		const reset = await h.request("/auth/password/reset", { method: "POST", browser: owner, json: { token: tokenFromMail(h.mailer, email), password: "a brand new password" } });
		expect(reset.status).toBe(200);
		expect((await signIn(h, h.browser(), email, "a brand new password")).status).toBe(200);
	});
});

describe("the same limits on every password check", () => {
	it("changing a password: parallel guesses of the current one get no further than the limit", async () => {
		const h = harness();
		const thief = h.browser();
		await signUp(h, thief, uniqueEmail());
		const counts = await burst(12, () => h.request("/auth/password", { method: "POST", browser: thief, json: { currentPassword: "guess at it", password: "the thief's new password" } }));
		expect(counts).toEqual({ 401: CLIENT_ACCOUNT_FAILURE_LIMIT, 429: 12 - CLIENT_ACCOUNT_FAILURE_LIMIT });
	});

	it("joining a business with an existing account: parallel guesses get no further than the limit, and the owner still joins", async () => {
		const h = harness();
		const shop = await seedMerchant();
		await signUp(h, h.browser(), shop.staffEmail);
		await db().update(users).set({ emailVerifiedAt: Date.now() }).where(eq(users.email, shop.staffEmail));
		const owner = h.browser();
		expect((await signIn(h, owner, shop.ownerEmail)).status).toBe(200);
		await h.request(`/admin/api/staff/${shop.staffId}/invite`, { method: "POST", browser: owner });
		const token = tokenFromMail(h.mailer, shop.staffEmail);
		const guesser = h.browser();
		const counts = await burst(12, () => h.request("/auth/invitations/accept", { method: "POST", browser: guesser, json: { token, password: "guess at it" } }));
		expect(counts).toEqual({ 401: CLIENT_ACCOUNT_FAILURE_LIMIT, 429: 12 - CLIENT_ACCOUNT_FAILURE_LIMIT });
		expect((await h.request("/auth/invitations/accept", { method: "POST", browser: h.browser(), json: { token, password: PASSWORD } })).status).toBe(200);
	});
});
