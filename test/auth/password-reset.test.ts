import { describe, expect, it } from "vitest";
import { EMAIL_TOKEN_TTL_MS, consumeEmailToken, issueEmailToken } from "../../src/auth/tokens";
import { users } from "../../src/db/schema";
import { PASSWORD, db, harness, signIn, signUp, tokenFromMail, uniqueEmail } from "./harness";

const NEW_PASSWORD = "a brand new passphrase";

describe("password reset", () => {
	it("answers forgot identically whether or not the account exists, and mails only real accounts", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const ghost = uniqueEmail("ghost");
		const known = await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email } });
		const unknown = await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email: ghost } });
		expect(known.status).toBe(202);
		expect(unknown.status).toBe(202);
		expect(await known.text()).toBe(await unknown.text());
		expect([...known.headers.keys()].sort()).toEqual([...unknown.headers.keys()].sort());
		expect(h.mailer.lastTo(email)?.subject).toMatch(/reset/i);
		expect(h.mailer.lastTo(ghost)).toBeUndefined();
	});

	it("resets once, signs out every device, and the old password stops working", async () => {
		const h = harness();
		const email = uniqueEmail();
		const laptop = h.browser();
		const phone = h.browser();
		await signUp(h, laptop, email);
		await signIn(h, phone, email);
		await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email } });
		const token = tokenFromMail(h.mailer, email);

		const visitor = h.browser();
		const reset = await h.request("/auth/password/reset", { method: "POST", browser: visitor, json: { token, password: NEW_PASSWORD } });
		expect(reset.status).toBe(200);
		const text = await reset.text();
		expect(text).not.toContain(token);
		expect(text).not.toContain(NEW_PASSWORD);
		expect(JSON.parse(text)).toMatchObject({ user: { email, emailVerified: true } });
		expect(visitor.cookie).not.toBe("");

		for (const device of [laptop, phone]) {
			const session = await (await h.request("/auth/session", { browser: device })).json<{ user: unknown }>();
			expect(session.user).toBeNull();
		}
		const reuse = await h.request("/auth/password/reset", { method: "POST", browser: h.browser(), json: { token, password: "yet another password" } });
		expect(reuse.status).toBe(422);
		expect(await reuse.json()).toMatchObject({ type: "https://slotline.dev/problems/invalid-token" });
		expect((await signIn(h, h.browser(), email, PASSWORD)).status).toBe(401);
		expect((await signIn(h, h.browser(), email, NEW_PASSWORD)).status).toBe(200);
	});

	it("mails at most one link a minute per account, answering the same either way", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		const first = await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email } });
		const second = await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email } });
		expect(second.status).toBe(202);
		expect(await second.text()).toBe(await first.text());
		expect(h.mailer.outbox.filter((m) => m.to === email && /reset/i.test(m.subject))).toHaveLength(1);
	});

	it("withdraws an earlier link when a new one is issued", async () => {
		const userId = `usr_${crypto.randomUUID()}`;
		const email = uniqueEmail();
		await db().insert(users).values({ id: userId, email });
		const t0 = Date.UTC(2026, 3, 1);
		const first = await issueEmailToken(db(), { purpose: "reset-password", userId, email }, t0);
		const second = await issueEmailToken(db(), { purpose: "reset-password", userId, email }, t0 + 120_000);
		expect(await consumeEmailToken(db(), first, "reset-password", t0 + 130_000)).toBeNull();
		expect(await consumeEmailToken(db(), second, "reset-password", t0 + 130_000)).toMatchObject({ userId, email });
	});

	it("rejects a weak new password without using the link up", async () => {
		const h = harness();
		const email = uniqueEmail();
		await signUp(h, h.browser(), email);
		await h.request("/auth/password/forgot", { method: "POST", browser: h.browser(), json: { email } });
		const token = tokenFromMail(h.mailer, email);
		const weak = await h.request("/auth/password/reset", { method: "POST", browser: h.browser(), json: { token, password: "short" } });
		expect(weak.status).toBe(400);
		expect(await weak.json()).toMatchObject({ errors: [{ field: "password" }] });
		const strong = await h.request("/auth/password/reset", { method: "POST", browser: h.browser(), json: { token, password: NEW_PASSWORD } });
		expect(strong.status).toBe(200);
	});

	it("tokens expire and are single-use at the storage level", async () => {
		const userId = `usr_${crypto.randomUUID()}`;
		const email = uniqueEmail();
		await db().insert(users).values({ id: userId, email });
		const t0 = Date.UTC(2026, 3, 1);
		const expiring = await issueEmailToken(db(), { purpose: "reset-password", userId, email }, t0);
		expect(await consumeEmailToken(db(), expiring, "reset-password", t0 + EMAIL_TOKEN_TTL_MS["reset-password"])).toBeNull();

		const token = await issueEmailToken(db(), { purpose: "reset-password", userId, email }, t0);
		expect(await consumeEmailToken(db(), token, "verify-email", t0)).toBeNull();
		const [a, b] = await Promise.all([
			consumeEmailToken(db(), token, "reset-password", t0 + 1),
			consumeEmailToken(db(), token, "reset-password", t0 + 1),
		]);
		expect([a, b].filter((row) => row !== null)).toHaveLength(1);
	});
});
