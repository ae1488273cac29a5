// The AccessTokenSource of a stored OAuth connection: refreshes shortly before expiry or after a 401,
// one refresh per connection at a time across isolates (a lease in D1), and stores the newest tokens
// (Microsoft and Zoom rotate refresh tokens; Zoom's old one dies at once) before handing them out.
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { AccessTokenSource } from "../calendars/provider";
import { ProviderError, TokenRevokedError } from "../calendars/provider";
import type { Database } from "../db/client";
import type { ConnectionRow } from "../db/queries/connections";
import { connectionById } from "../db/queries/connections";
import { calendarConnections } from "../db/schema";
import type { TokenSet } from "../oauth/client";
import { OAuthError } from "../oauth/client";
import { connectionOAuth } from "./connection-oauth";
import type { OAuthConnectionProvider } from "./connection-oauth";
import type { ConnectionCredentials, CredentialVault } from "./credentials";

/** Refresh this long before the access token expires, so a request never carries an expired one. */
const EXPIRY_MARGIN_MS = 120_000;
/**
 * How long one refresh holds its connection's lease. The token call has no client timeout (a timeout of
 * ours could only lose an answer the provider still sends), so this is longer than any provider keeps a
 * token request open; a holder that died leaves a lease that lapses by itself.
 */
export const REFRESH_LEASE_MS = 90_000;
/** How long a caller that found the lease taken waits for the holder's tokens before a retryable failure. */
const LEASE_WAIT_MS = 15_000;
const LEASE_POLL_MS = 150;

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
		private readonly connection: ConnectionRow & { provider: OAuthConnectionProvider },
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
		// Concurrent callers in this isolate share one refresh; the lease covers the others.
		this.refreshing ??= this.leasedRefresh().finally(() => {
			this.refreshing = null;
		});
		return this.refreshing;
	}

	/**
	 * Refreshes under the connection's lease, or, when another isolate holds it, waits for the tokens it
	 * stores and uses those: two refreshes with one rotating refresh token would leave one of them dead.
	 */
	private async leasedRefresh(): Promise<string> {
		const giveUpAt = this.context.now() + LEASE_WAIT_MS;
		for (;;) {
			const lease = await takeRefreshLease(this.context.db, this.connection.id, this.context.now());
			if (lease !== null) {
				try {
					return await this.refreshHolding();
				} finally {
					await releaseRefreshLease(this.context.db, this.connection.id, lease);
				}
			}
			if (await this.adoptNewer()) return this.credentials.accessToken;
			if (this.context.now() >= giveUpAt) {
				throw new ProviderError({ provider: this.connection.provider, status: 0, code: "refreshInProgress", retryable: true, detail: "another token refresh of this connection is under way" });
			}
			await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
		}
	}

	private async refreshHolding(): Promise<string> {
		// Another holder may have stored newer tokens after these were read: the refresh token held here may be dead.
		if (await this.adoptNewer()) return this.credentials.accessToken;
		const refreshToken = this.credentials.refreshToken;
		if (refreshToken === null) throw new TokenRevokedError(this.connection.provider, 401, "noRefreshToken");
		const next = await this.grant(refreshToken);
		this.credentials = mergeTokens(this.credentials, next);
		this.expiresAt = next.expiresAt;
		// Stored before it is handed out; the token still answers the request in flight when the row moved on
		// (disconnected, reconnected): whether it is kept is storeCredentials' decision.
		this.sealed = this.sealed === null ? null : await storeCredentials(this.context.db, this.context.vault, this.connection.id, this.sealed, this.credentials, next.expiresAt, this.context.now());
		return this.credentials.accessToken;
	}

	/**
	 * One refresh grant. An answer that never came (no response, a 5xx) may still have been acted on, and
	 * with Zoom that ended the refresh token sent: asking once more with it tells which. Refused then, the
	 * new pair was lost with the answer and only the person can connect again (refreshAnswerLost).
	 */
	private async grant(refreshToken: string): Promise<TokenSet> {
		const client = connectionOAuth(this.context.env, this.connection.provider);
		try {
			return await client.refresh(refreshToken, this.context.now());
		} catch (error) {
			if (!answerLost(error)) throw refreshFailure(this.connection.provider, error);
		}
		try {
			return await client.refresh(refreshToken, this.context.now());
		} catch (error) {
			if (error instanceof OAuthError && error.code === "invalid_grant") throw new TokenRevokedError(this.connection.provider, error.status, "refreshAnswerLost");
			throw refreshFailure(this.connection.provider, error);
		}
	}

	/** Takes the credentials stored since these were read (another isolate's refresh), if any; false when none. */
	private async adoptNewer(): Promise<boolean> {
		const row = await connectionById(this.context.db, this.connection.id);
		// Cleared (disconnected): the refresh in hand still serves its request; the store will be refused.
		if (row === null || row.credentials === null || row.credentialsKeyId === null || row.credentials === this.sealed) return false;
		const opened = await this.context.vault.open({ ciphertext: row.credentials, keyId: row.credentialsKeyId });
		if (opened.kind !== "oauth") return false;
		this.credentials = opened;
		this.expiresAt = row.accessTokenExpiresAt;
		this.sealed = row.credentials;
		return true;
	}
}

/** No answer, or a server error: the provider may have done the refresh all the same. */
function answerLost(error: unknown): boolean {
	if (!(error instanceof OAuthError)) return true;
	return error.status === 0 || error.status >= 500;
}

/**
 * A refused refresh as the sync layer handles it: invalid_grant means the person must connect again;
 * anything else is retried only when it may pass (no answer, 429, 5xx).
 */
function refreshFailure(provider: OAuthConnectionProvider, error: unknown): unknown {
	if (!(error instanceof OAuthError)) return error;
	if (error.code === "invalid_grant") return new TokenRevokedError(provider, error.status, "invalid_grant");
	const retryable = error.status === 0 || error.status === 429 || error.status >= 500;
	return new ProviderError({ provider, status: error.status, code: error.code, retryable, detail: "token refresh failed" });
}

/**
 * Takes the right to refresh the connection's tokens until the returned instant, or null while another
 * holds it. One conditional UPDATE, so two isolates (or queue consumers) can never both win.
 */
export async function takeRefreshLease(db: Database, connectionId: string, now: number): Promise<number | null> {
	const until = now + REFRESH_LEASE_MS;
	const taken = await db
		.update(calendarConnections)
		.set({ refreshLeaseUntil: until })
		.where(and(eq(calendarConnections.id, connectionId), or(isNull(calendarConnections.refreshLeaseUntil), lt(calendarConnections.refreshLeaseUntil, now))))
		.returning({ id: calendarConnections.id });
	return taken.length > 0 ? until : null;
}

/** Gives the lease back, if it is still this one (storeCredentials already did when it stored). */
async function releaseRefreshLease(db: Database, connectionId: string, lease: number): Promise<void> {
	await db
		.update(calendarConnections)
		.set({ refreshLeaseUntil: null })
		.where(and(eq(calendarConnections.id, connectionId), eq(calendarConnections.refreshLeaseUntil, lease)));
}

/** A refresh that returns no refresh token (Google) keeps the old one; a rotated one replaces it. */
export function mergeTokens(current: OAuthCredentials, next: TokenSet): OAuthCredentials {
	return { kind: "oauth", accessToken: next.accessToken, refreshToken: next.refreshToken ?? current.refreshToken, scope: next.scope ?? current.scope };
}

/**
 * Seals and stores credentials (always with the current key, which is how old keys rotate out) in place
 * of the sealed record `replacing`, and only if that is still what the row holds, as reseal does: a
 * refresh that was in flight when Disconnect cleared the credentials (or when a reconnect or another
 * refresh stored newer ones) must not write its tokens back. Storing ends any refresh lease: waiters
 * find the new tokens in the same write. Returns the record now stored, or null when the row had moved
 * on and nothing was written.
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
		.set({ credentials: sealed.ciphertext, credentialsKeyId: sealed.keyId, accessTokenExpiresAt, refreshLeaseUntil: null, updatedAt: now })
		.where(and(eq(calendarConnections.id, connectionId), eq(calendarConnections.credentials, replacing)))
		.returning({ id: calendarConnections.id });
	return stored.length > 0 ? sealed.ciphertext : null;
}
