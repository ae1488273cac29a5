// Password hashing: PBKDF2-SHA256 through WebCrypto, stored as a self-describing versioned string.
import { decodeBase64, encodeBase64 } from "@oslojs/encoding";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { z } from "zod";

/**
 * Production Workers reject PBKDF2 above 100,000 iterations (local workerd accepts more, so a
 * higher value would pass every test and then fail when deployed). Raise it only together with
 * a new scheme version once the platform allows it; `passwordNeedsRehash` then upgrades users.
 */
export const PBKDF2_ITERATIONS = 100_000;

const SCHEME = "pbkdf2-sha256";
const VERSION = "v1";
const SALT_BYTES = 16;
const HASH_BYTES = 32;

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

/** The password policy, for request schemas. */
export const passwordSchema = z
	.string()
	.min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters`)
	.max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters`);

interface ParsedHash {
	version: string;
	iterations: number;
	salt: Uint8Array;
	hash: Uint8Array;
}

async function derive(password: string, salt: Uint8Array, iterations: number, length: number): Promise<Uint8Array> {
	// NFC so the same password typed on different keyboards/OSes derives the same key.
	const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(password.normalize("NFC")), "PBKDF2", false, [
		"deriveBits",
	]);
	const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, length * 8);
	return new Uint8Array(bits);
}

function parseHash(stored: string): ParsedHash | null {
	const parts = stored.split("$");
	if (parts.length !== 5 || parts[0] !== SCHEME) return null;
	const [, version, iterationText, saltText, hashText] = parts as [string, string, string, string, string];
	const iterations = Number(iterationText);
	if (!Number.isSafeInteger(iterations) || iterations < 1) return null;
	try {
		return { version, iterations, salt: decodeBase64(saltText), hash: decodeBase64(hashText) };
	} catch {
		return null;
	}
}

/** Hashes a password with a fresh random salt: `pbkdf2-sha256$v1$100000$<salt b64>$<hash b64>`. */
export async function hashPassword(password: string): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
	const hash = await derive(password, salt, PBKDF2_ITERATIONS, HASH_BYTES);
	return [SCHEME, VERSION, String(PBKDF2_ITERATIONS), encodeBase64(salt), encodeBase64(hash)].join("$");
}

/** True when `password` matches; the parameters come from the stored string, so old hashes keep working. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const parsed = parseHash(stored);
	if (parsed === null || parsed.version !== VERSION || parsed.hash.length === 0) return false;
	const candidate = await derive(password, parsed.salt, parsed.iterations, parsed.hash.length);
	return constantTimeEqual(candidate, parsed.hash);
}

/** True when a stored hash uses older parameters and should be replaced after the next successful sign-in. */
export function passwordNeedsRehash(stored: string): boolean {
	const parsed = parseHash(stored);
	return parsed === null || parsed.version !== VERSION || parsed.iterations !== PBKDF2_ITERATIONS || parsed.salt.length < SALT_BYTES;
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same work as a real verification when there is no account (or no password), so
 * response time does not tell whether an email is registered.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
	dummyHash ??= hashPassword("slotline-dummy-password");
	await verifyPassword(password, await dummyHash);
	return false;
}
