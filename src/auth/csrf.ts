// CSRF tokens bound to a session: an HMAC of the session id under SESSION_SECRET, so nothing is
// stored and a token stops working when its session ends.
import { hmac } from "@oslojs/crypto/hmac";
import { SHA256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeBase64urlNoPadding } from "@oslojs/encoding";

function mac(secret: string, sessionId: string): Uint8Array {
	const encoder = new TextEncoder();
	// The "csrf:" label keeps this MAC distinct from anything else signed with the same secret.
	return hmac(SHA256, encoder.encode(secret), encoder.encode(`csrf:${sessionId}`));
}

export function csrfTokenFor(secret: string, sessionId: string): string {
	return encodeBase64urlNoPadding(mac(secret, sessionId));
}

export function verifyCsrfToken(secret: string, sessionId: string, token: string): boolean {
	const expected = new TextEncoder().encode(csrfTokenFor(secret, sessionId));
	return constantTimeEqual(expected, new TextEncoder().encode(token));
}
