// The AccessTokenSource of a stored OAuth connection: refreshes shortly before expiry or after a 401,
// and always stores the newest tokens (Microsoft rotates refresh tokens), sealed with the current key.
import { eq } from "drizzle-orm";
import type { AccessTokenSource } from "../calendars/provider";
import { TokenRevokedError } from "../calendars/provider";
import type { Database } from "../db/client";
import type { ConnectionRow } from "../db/queries/connections";
import { calendarConnections } from "../db/schema";
import type { ConnectionCredentials, CredentialVault } from "./credentials";
import { refreshGrant } from "./oauth";
import type { OAuthProvider, TokenSet } from "./oauth";

/** Refresh this long before the access token expires, so a request never carries an expired one. */
const EXPIRY_MARGIN_MS = 120_000;

type OAuthCredentials = Extract<ConnectionCredentials, { kind: "oauth" }>;

export interface TokenStoreContext {
	env: Env;
	db: Database;
	vault: CredentialVault;
	now: () => number;
}

export class StoredTokenSource implements AccessTokenSource {
	private credentials: OAuthCredentials;
	private expiresAt: number | null;
	private refreshing: Promise<string> | null = null;

	constructor(
		private readonly context: TokenStoreContext,
		private readonly connection: ConnectionRow & { provider: OAuthProvider },
		credentials: OAuthCredentials,
	) {
		this.credentials = credentials;
		this.expiresAt = connection.accessTokenExpiresAt;
	}

	async get(): Promise<string> {
		if (this.expiresAt !== null && this.expiresAt - EXPIRY_MARGIN_MS <= this.context.now()) return this.refresh();
		return this.credentials.accessToken;
	}

	refresh(): Promise<string> {
		// Concurrent callers share one refresh.
		this.refreshing ??= this.doRefresh().finally(() => {
			this.refreshing = null;
		});
		return this.refreshing;
	}

	private async doRefresh(): Promise<string> {
		const refreshToken = this.credentials.refreshToken;
		if (refreshToken === null) throw new TokenRevokedError(this.connection.provider, 401, "noRefreshToken");
		const next = await refreshGrant(this.context.env, this.connection.provider, refreshToken, this.context.now());
		this.credentials = mergeTokens(this.credentials, next);
		this.expiresAt = next.expiresAt;
		await storeCredentials(this.context.db, this.context.vault, this.connection.id, this.credentials, next.expiresAt, this.context.now());
		return this.credentials.accessToken;
	}
}

/** A refresh that returns no refresh token (Google) keeps the old one; a rotated one replaces it. */
export function mergeTokens(current: OAuthCredentials, next: TokenSet): OAuthCredentials {
	return { kind: "oauth", accessToken: next.accessToken, refreshToken: next.refreshToken ?? current.refreshToken, scope: next.scope ?? current.scope };
}

/** Seals and stores credentials (always with the current key, which is how old keys rotate out). */
export async function storeCredentials(db: Database, vault: CredentialVault, connectionId: string, credentials: ConnectionCredentials, accessTokenExpiresAt: number | null, now: number): Promise<void> {
	const sealed = await vault.seal(credentials);
	await db
		.update(calendarConnections)
		.set({ credentials: sealed.ciphertext, credentialsKeyId: sealed.keyId, accessTokenExpiresAt, updatedAt: now })
		.where(eq(calendarConnections.id, connectionId));
}
