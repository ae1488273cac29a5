// Calendar credentials at rest: AES-256-GCM (WebCrypto) under a keyring from ENCRYPTION_KEYS, each
// sealed record naming its key so keys can rotate (old records open with their key, writes use the current one).
import { decodeBase64, encodeBase64 } from "@oslojs/encoding";
import { z } from "zod";

/**
 * What a connection needs to talk to its provider. Never logged, never returned by an API. An ICS
 * feed's URL counts as a credential: feed URLs often embed a secret token. "none" is what ICS
 * connections stored before that (their URL sat in server_url); they are upgraded when next read.
 */
export type ConnectionCredentials =
	| { kind: "oauth"; accessToken: string; refreshToken: string | null; scope: string | null }
	| { kind: "password"; username: string; password: string }
	| { kind: "feed"; url: string }
	| { kind: "none" };

const credentialsSchema = z.discriminatedUnion("kind", [
	z.object({ kind: z.literal("oauth"), accessToken: z.string(), refreshToken: z.string().nullable(), scope: z.string().nullable() }),
	z.object({ kind: z.literal("password"), username: z.string(), password: z.string() }),
	z.object({ kind: z.literal("feed"), url: z.string() }),
	z.object({ kind: z.literal("none") }),
]);

const keyringSchema = z.object({
	current: z.string().min(1),
	keys: z.record(z.string(), z.string()),
});

export interface SealedCredentials {
	/** base64(iv || ciphertext+tag). */
	ciphertext: string;
	keyId: string;
}

/** The keyring is missing, malformed, or lacks the key a record was sealed with. */
export class CredentialKeyError extends Error {
	override readonly name = "CredentialKeyError";
}

const IV_BYTES = 12;

export class CredentialVault {
	private readonly keys = new Map<string, Promise<CryptoKey>>();
	readonly currentKeyId: string;
	private readonly raw: Record<string, string>;

	constructor(encryptionKeys: string) {
		let parsed: z.infer<typeof keyringSchema>;
		try {
			parsed = keyringSchema.parse(JSON.parse(encryptionKeys));
		} catch {
			// Not the parse error: it could quote key material.
			throw new CredentialKeyError("ENCRYPTION_KEYS is not a valid keyring");
		}
		if (parsed.keys[parsed.current] === undefined) throw new CredentialKeyError("ENCRYPTION_KEYS has no key for its current id");
		this.currentKeyId = parsed.current;
		this.raw = parsed.keys;
	}

	async seal(credentials: ConnectionCredentials): Promise<SealedCredentials> {
		const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
		const plaintext = new TextEncoder().encode(JSON.stringify(credentials));
		const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: this.aad(this.currentKeyId) }, await this.key(this.currentKeyId), plaintext));
		const out = new Uint8Array(IV_BYTES + sealed.length);
		out.set(iv, 0);
		out.set(sealed, IV_BYTES);
		return { ciphertext: encodeBase64(out), keyId: this.currentKeyId };
	}

	async open(sealed: SealedCredentials): Promise<ConnectionCredentials> {
		const bytes = decodeBase64(sealed.ciphertext);
		const iv = bytes.slice(0, IV_BYTES);
		let plaintext: ArrayBuffer;
		try {
			plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: this.aad(sealed.keyId) }, await this.key(sealed.keyId), bytes.slice(IV_BYTES));
		} catch {
			throw new CredentialKeyError(`credentials sealed with key ${sealed.keyId} cannot be opened`);
		}
		return credentialsSchema.parse(JSON.parse(new TextDecoder().decode(plaintext)));
	}

	/** Whether a record is sealed with an older key and should be re-sealed with the current one. */
	needsRotation(sealed: SealedCredentials): boolean {
		return sealed.keyId !== this.currentKeyId;
	}

	/** The key id is authenticated too, so a record cannot be relabelled to another key. */
	private aad(keyId: string): Uint8Array {
		return new TextEncoder().encode(`slotline-credentials:${keyId}`);
	}

	private key(keyId: string): Promise<CryptoKey> {
		let key = this.keys.get(keyId);
		if (key === undefined) {
			const material = this.raw[keyId];
			if (material === undefined) throw new CredentialKeyError(`no key ${keyId} in ENCRYPTION_KEYS`);
			const bytes = decodeBase64(material);
			if (bytes.length !== 32) throw new CredentialKeyError(`key ${keyId} is not 32 bytes`);
			key = crypto.subtle.importKey("raw", bytes, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
			this.keys.set(keyId, key);
		}
		return key;
	}
}
