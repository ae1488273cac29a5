// The AccessTokenSource of a stored OAuth connection: refreshes shortly before expiry or after a 401,
// and always stores the newest tokens (Microsoft rotates refresh tokens), sealed with the current key.
import { and, eq } from "drizzle-orm";
import type { AccessTokenSource } from "../calendars/provider";
import { ProviderError, TokenRevokedError } from "../calendars/provider";
import type { Database } from "../db/client";
import type { ConnectionRow } from "../db/queries/connections";
import { calendarConnections } from "../db/schema";
import type { TokenSet } from "../oauth/client";
import { OAuthError } from "../oauth/client";
import { connectionOAuth } from "./connection-oauth";
import type { OAuthProvider } from "./connection-oauth";
import type { ConnectionCredentials, CredentialVault } from "./credentials";

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
	/** The sealed record these credentials were read from (or last stored as): refreshed tokens replace only it. */
	private sealed: string | null;
	private refreshing: Promise<string> | null = null;

	/** `connection` as stored now: its sealed credentials are the ones `credentials` were opened from. */
	constructor(
		private readonly context: TokenStoreContext,
		private readonly connection: ConnectionRow & { provider: OAuthProvider },
		credentials: OAuthCredentials,
	) {
		this.credentials = credentials;
		this.expiresAt = connection.accessTokenExpiresAt;
		this.sealed = connection.credentials;
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
		const next = await connectionOAuth(this.context.env, this.connection.provider)
			.refresh(refreshToken, this.context.now())
			.catch((error: unknown) => {
				throw refreshFailure(this.connection.provider, error);
			});
		this.credentials = mergeTokens(this.credentials, next);
		this.expiresAt = next.expiresAt;
		// The token still answers the request in flight; whether it is kept is storeCredentials' decision.
		this.sealed = this.sealed === null ? null : await storeCredentials(this.context.db, this.context.vault, this.connection.id, this.sealed, this.credentials, next.expiresAt, this.context.now());
		return this.credentials.accessToken;
	}
}

/**
 * A refused refresh as the sync layer handles it: invalid_grant means the person must connect again;
 * anything else is retried only when it may pass (no answer, 429, 5xx).
 */
function refreshFailure(provider: OAuthProvider, error: unknown): unknown {
	if (!(error instanceof OAuthError)) return error;
	if (error.code === "invalid_grant") return new TokenRevokedError(provider, error.status, "invalid_grant");
	const retryable = error.status === 0 || error.status === 429 || error.status >= 500;
	return new ProviderError({ provider, status: error.status, code: error.code, retryable, detail: "token refresh failed" });
}

/** A refresh that returns no refresh token (Google) keeps the old one; a rotated one replaces it. */
export function mergeTokens(current: OAuthCredentials, next: TokenSet): OAuthCredentials {
	return { kind: "oauth", accessToken: next.accessToken, refreshToken: next.refreshToken ?? current.refreshToken, scope: next.scope ?? current.scope };
}

/**
 * Seals and stores credentials (always with the current key, which is how old keys rotate out) in place
 * of the sealed record `replacing`, and only if that is still what the row holds, as reseal does: a
 * refresh that was in flight when Disconnect cleared the credentials (or when a reconnect or another
 * refresh stored newer ones) must not write its tokens back. Returns the record now stored, or null
 * when the row had moved on and nothing was written.
 */
export async function storeCredentials(
	db: Database,
	vault: CredentialVault,
	connectionId: string,
	replacing: string,
	credentials: ConnectionCredentials,
	accessTokenExpiresAt: number | null,
	now: number,
): Promise<string | null> {
	const sealed = await vault.seal(credentials);
	const stored = await db
		.update(calendarConnections)
		.set({ credentials: sealed.ciphertext, credentialsKeyId: sealed.keyId, accessTokenExpiresAt, updatedAt: now })
		.where(and(eq(calendarConnections.id, connectionId), eq(calendarConnections.credentials, replacing)))
		.returning({ id: calendarConnections.id });
	return stored.length > 0 ? sealed.ciphertext : null;
}
