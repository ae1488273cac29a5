// The shared secret of a push channel (Google channel token, Graph clientState): made random, stored
// only as its SHA-256, and checked in constant time.
import { encodeBase64urlNoPadding, encodeHexLowerCase } from "@oslojs/encoding";

/** 32 random bytes, base64url: 43 characters, within Graph's 128 and Google's 256. */
export function newPushSecret(): string {
	return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
}

export async function hashPushSecret(secret: string): Promise<string> {
	return encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(secret))));
}

/** Whether `secret` is the one whose hash is stored; compares the digests, so lengths never leak. */
export async function pushSecretMatches(secret: string | null | undefined, storedHash: string | null): Promise<boolean> {
	if (secret === null || secret === undefined || storedHash === null) return false;
	const actual = new TextEncoder().encode(await hashPushSecret(secret));
	const expected = new TextEncoder().encode(storedHash);
	if (actual.byteLength !== expected.byteLength) return false;
	return crypto.subtle.timingSafeEqual(actual, expected);
}
