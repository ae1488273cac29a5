// Credentials at rest: AES-256-GCM under a rotating keyring.
import { describe, expect, it } from "vitest";
import { CredentialKeyError, CredentialVault } from "../../src/sync/credentials";

const K1 = btoa(String.fromCharCode(...new Uint8Array(32).fill(1)));
const K2 = btoa(String.fromCharCode(...new Uint8Array(32).fill(2)));
const secret = { kind: "oauth" as const, accessToken: "ya29.secret-access", refreshToken: "1//secret-refresh", scope: null };

describe("credential vault", () => {
	it("seals without the secret in clear and opens records of an older key after rotation", async () => {
		const old = new CredentialVault(JSON.stringify({ current: "k1", keys: { k1: K1 } }));
		const sealed = await old.seal(secret);
		expect(sealed.keyId).toBe("k1");
		expect(atob(sealed.ciphertext)).not.toContain("secret");

		const rotated = new CredentialVault(JSON.stringify({ current: "k2", keys: { k1: K1, k2: K2 } }));
		expect(await rotated.open(sealed)).toEqual(secret);
		expect(rotated.needsRotation(sealed)).toBe(true);
		const resealed = await rotated.seal(secret);
		expect(resealed.keyId).toBe("k2");
		expect(rotated.needsRotation(resealed)).toBe(false);
		await expect(old.open(resealed)).rejects.toBeInstanceOf(CredentialKeyError);
	});

	it("refuses a record relabelled to another key or tampered with", async () => {
		const vault = new CredentialVault(JSON.stringify({ current: "k1", keys: { k1: K1, k2: K1 } }));
		const sealed = await vault.seal(secret);
		await expect(vault.open({ ...sealed, keyId: "k2" })).rejects.toBeInstanceOf(CredentialKeyError);
		const bytes = Uint8Array.from(atob(sealed.ciphertext), (c) => c.charCodeAt(0));
		bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
		await expect(vault.open({ ...sealed, ciphertext: btoa(String.fromCharCode(...bytes)) })).rejects.toBeInstanceOf(CredentialKeyError);
		expect(() => new CredentialVault('{"current":"k9","keys":{}}')).toThrow(CredentialKeyError);
	});
});
