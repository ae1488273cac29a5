// Manage tokens: the unguessable capability in a confirmation email that lets its holder view,
// cancel or reschedule one booking. An HMAC of the booking id, so nothing needs storing.
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";

const encoder = new TextEncoder();

/**
 * The key of the secret last used, imported once per isolate: importing cost more than signing, and
 * every booking answer, email and manage page signs or verifies. A failed import is not remembered.
 */
let imported: { secret: string; key: Promise<CryptoKey> } | null = null;

function key(secret: string): Promise<CryptoKey> {
	if (imported === null || imported.secret !== secret) {
		const entry = {
			secret,
			key: crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]).catch((error: unknown) => {
				if (imported === entry) imported = null;
				throw error;
			}),
		};
		imported = entry;
	}
	return imported.key;
}

function message(bookingId: string): Uint8Array {
	return encoder.encode(`slotline:manage:v1:${bookingId}`);
}

export async function manageToken(secret: string, bookingId: string): Promise<string> {
	const signature = await crypto.subtle.sign("HMAC", await key(secret), message(bookingId));
	return encodeBase64urlNoPadding(new Uint8Array(signature));
}

/** Constant-time check (WebCrypto's verify) of a presented token. */
export async function verifyManageToken(secret: string, bookingId: string, token: string): Promise<boolean> {
	let signature: Uint8Array;
	try {
		signature = decodeBase64urlIgnorePadding(token);
	} catch {
		return false;
	}
	if (signature.length !== 32) return false;
	return crypto.subtle.verify("HMAC", await key(secret), signature, message(bookingId));
}
