import { encodeBase64 } from "@oslojs/encoding";
import { describe, expect, it } from "vitest";
import {
	PBKDF2_ITERATIONS,
	hashPassword,
	passwordNeedsRehash,
	passwordSchema,
	verifyPassword,
} from "../../src/auth/password";

/** A v1 hash made with other parameters, as an older deployment would have stored it. */
async function legacyHash(password: string, iterations: number): Promise<string> {
	const salt = new Uint8Array(16).fill(7);
	const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
	const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
	return `pbkdf2-sha256$v1$${iterations}$${encodeBase64(salt)}$${encodeBase64(new Uint8Array(bits))}`;
}

describe("password hashing", () => {
	it("uses exactly 100,000 iterations (the production Workers maximum)", () => {
		expect(PBKDF2_ITERATIONS).toBe(100_000);
	});

	it("round-trips and stores a versioned, self-describing string", async () => {
		const hash = await hashPassword("a long enough password");
		expect(hash).toMatch(/^pbkdf2-sha256\$v1\$100000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
		expect(hash).not.toContain("a long enough password");
		expect(await verifyPassword("a long enough password", hash)).toBe(true);
		expect(passwordNeedsRehash(hash)).toBe(false);
	});

	it("rejects a wrong password", async () => {
		const hash = await hashPassword("a long enough password");
		expect(await verifyPassword("a long enough passworD", hash)).toBe(false);
		expect(await verifyPassword("", hash)).toBe(false);
	});

	it("salts every hash differently", async () => {
		const [a, b] = await Promise.all([hashPassword("same password here"), hashPassword("same password here")]);
		expect(a).not.toBe(b);
		expect(a.split("$")[3]).not.toBe(b.split("$")[3]);
	});

	it("reads the parameters from the stored string and flags old ones for rehash", async () => {
		const old = await legacyHash("legacy password!", 1_000);
		expect(await verifyPassword("legacy password!", old)).toBe(true);
		expect(await verifyPassword("another password", old)).toBe(false);
		expect(passwordNeedsRehash(old)).toBe(true);
	});

	it("treats malformed or unknown-scheme strings as non-matching", async () => {
		const hash = await hashPassword("a long enough password");
		expect(await verifyPassword("a long enough password", hash.replace("$v1$", "$v9$"))).toBe(false);
		expect(await verifyPassword("a long enough password", "bcrypt$2b$10$abc")).toBe(false);
		expect(await verifyPassword("a long enough password", "pbkdf2-sha256$v1$nope$AA==$AA==")).toBe(false);
		expect(passwordNeedsRehash("bcrypt$2b$10$abc")).toBe(true);
	});

	it("enforces 10 to 256 characters", () => {
		expect(passwordSchema.safeParse("123456789").success).toBe(false);
		expect(passwordSchema.safeParse("1234567890").success).toBe(true);
		expect(passwordSchema.safeParse("x".repeat(256)).success).toBe(true);
		expect(passwordSchema.safeParse("x".repeat(257)).success).toBe(false);
	});
});
