// Random identifiers and opaque tokens for the sandbox.
import { randomBytes, randomInt } from "node:crypto";

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/** Lower-case base32hex, the alphabet Google uses for event ids. */
export function base32hexId(length = 26): string {
	const bytes = randomBytes(length);
	let out = "";
	for (const b of bytes) out += BASE32HEX[b % 32];
	return out;
}

export function opaqueToken(prefix: string): string {
	return `${prefix}${randomBytes(24).toString("base64url")}`;
}

export function encodeCursor(value: unknown): string {
	return Buffer.from(JSON.stringify(value)).toString("base64url");
}

/** Returns null for anything that was not produced by encodeCursor. */
export function decodeCursor(token: string): unknown {
	try {
		return JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
	} catch {
		return null;
	}
}

/** `count` random decimal digits (PINs, meeting numbers). */
export function randomDigits(count: number): string {
	let out = "";
	for (let i = 0; i < count; i++) out += String(randomInt(10));
	return out;
}

/** `count` random characters of `alphabet` (Meet codes, passcodes). */
export function randomChars(count: number, alphabet: string): string {
	let out = "";
	for (let i = 0; i < count; i++) out += alphabet[randomInt(alphabet.length)];
	return out;
}
