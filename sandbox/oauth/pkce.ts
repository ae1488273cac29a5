// PKCE (RFC 7636) verification.
import { createHash } from "node:crypto";

export function pkceMatches(challenge: string, method: string, verifier: string): boolean {
	if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return false;
	if (method === "plain") return verifier === challenge;
	return createHash("sha256").update(verifier).digest("base64url") === challenge;
}
