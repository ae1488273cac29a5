// RS256 signing key generated at start; ID tokens are signed with it and it is served as a JWKS.
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { JSONWebKeySet, JWTPayload } from "jose";
import { opaqueToken } from "../ids";

export interface SigningKeys {
	kid: string;
	privateKey: CryptoKey;
	jwks: JSONWebKeySet;
}

export async function createSigningKeys(): Promise<SigningKeys> {
	const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
	const kid = opaqueToken("k");
	const jwk = await exportJWK(publicKey);
	return { kid, privateKey, jwks: { keys: [{ ...jwk, kid, alg: "RS256", use: "sig" }] } };
}

export async function signJwt(keys: SigningKeys, claims: JWTPayload): Promise<string> {
	return new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: keys.kid, typ: "JWT" }).sign(keys.privateKey);
}
