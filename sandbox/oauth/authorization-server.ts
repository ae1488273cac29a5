// Provider-neutral OAuth 2.0 grant bookkeeping: codes, access tokens, refresh tokens, revocation.
import type { Clock } from "../clock";
import { opaqueToken } from "../ids";
import { GrantError } from "./errors";
import { pkceMatches } from "./pkce";

export interface CodeRequest {
	clientId: string;
	redirectUri: string;
	scope: string[];
	userEmail: string;
	codeChallenge?: string;
	codeChallengeMethod?: string;
	nonce?: string;
	/** Whether redeeming the code yields a refresh token (provider rules decide). */
	issueRefreshToken: boolean;
}

export interface Grant {
	id: string;
	clientId: string;
	userEmail: string;
	scope: string[];
	nonce?: string;
}

interface CodeRecord extends CodeRequest {
	expiresAt: number;
	used: boolean;
	grantId: string;
}

export interface AccessRecord {
	grantId: string;
	clientId: string;
	userEmail: string;
	scope: string[];
	expiresAt: number;
}

interface RefreshRecord {
	grantId: string;
	clientId: string;
	userEmail: string;
	scope: string[];
	revoked: boolean;
	issuedAt: number;
	lastUsedAt: number;
	/** Hard end of life (Google's Testing status), or null. */
	expiresAt: number | null;
}

/** How long refresh tokens live; all measured on the sandbox clock, so POST /_control/clock drives them. */
export interface RefreshTokenPolicy {
	/** A token unused this long dies (Google: 6 months, docs/providers.md A7; Microsoft: 90 days, B7). */
	maxIdleMs: number;
	/** Live tokens per account and client; one more silently kills the oldest (Google: 100, A7). */
	maxLivePerClientUser?: number;
	/** Lifetime of a client's tokens when it returns a number (Google's Testing status: 7 days, A7). */
	lifetimeMs?: (clientId: string, scope: string[]) => number | null;
}

export interface IssuedTokens {
	grant: Grant;
	accessToken: string;
	expiresIn: number;
	refreshToken?: string;
}

export interface AuthorizationServerOptions {
	clock: Clock;
	tokenPrefix: string;
	/** Microsoft returns a new refresh token on each refresh; Google keeps the old one. */
	rotateRefreshTokens: boolean;
	/** With rotation, the refresh token just used dies as its successor is issued (Zoom, docs/integrations.md 3.1); Microsoft keeps it alive. */
	retireUsedRefreshTokens?: boolean;
	/** Authorizing the same account for the same client again ends the earlier grant's tokens (Zoom, 3.1; 2nd-hand). */
	oneGrantPerClientUser?: boolean;
	/** How long a code can be redeemed; 10 minutes unless given (Zoom: 5, 3.1). */
	codeTtlMs?: number;
	accessTokenTtlSeconds: number;
	refreshTokens: RefreshTokenPolicy;
}

const CODE_TTL_MS = 10 * 60 * 1000;

/** Which tokens a control hook touches: an account, a client, both, or (empty) every token. */
export interface TokenFilter {
	userEmail?: string;
	clientId?: string;
}

function matchesFilter(record: { userEmail: string; clientId: string }, filter: TokenFilter): boolean {
	if (filter.userEmail !== undefined && record.userEmail !== filter.userEmail.toLowerCase()) return false;
	return filter.clientId === undefined || record.clientId === filter.clientId;
}

export class AuthorizationServer {
	accessTokenTtlSeconds: number;
	private codes = new Map<string, CodeRecord>();
	private access = new Map<string, AccessRecord>();
	private refresh = new Map<string, RefreshRecord>();
	/** user+client pairs that already consented; Google only returns a refresh token on first consent. */
	private consented = new Set<string>();

	constructor(private readonly options: AuthorizationServerOptions) {
		this.accessTokenTtlSeconds = options.accessTokenTtlSeconds;
	}

	hasConsented(userEmail: string, clientId: string): boolean {
		return this.consented.has(`${userEmail}\n${clientId}`);
	}

	issueCode(request: CodeRequest): string {
		const code = opaqueToken(`${this.options.tokenPrefix}code_`);
		this.codes.set(code, {
			...request,
			expiresAt: this.options.clock.now() + (this.options.codeTtlMs ?? CODE_TTL_MS),
			used: false,
			grantId: opaqueToken("g_"),
		});
		this.consented.add(`${request.userEmail}\n${request.clientId}`);
		return code;
	}

	redeemCode(code: string, clientId: string, redirectUri: string | null, verifier: string | null): IssuedTokens {
		const record = this.codes.get(code);
		if (record === undefined) throw new GrantError("unknown_code", "Malformed auth code.");
		if (record.clientId !== clientId) throw new GrantError("client_mismatch", "The auth code was issued to another client.");
		if (record.used) {
			// RFC 6749 §4.1.2: a replayed code revokes what it issued.
			this.revokeGrant(record.grantId);
			throw new GrantError("code_replayed", "The authorization code has already been used.");
		}
		record.used = true;
		if (record.expiresAt <= this.options.clock.now()) throw new GrantError("code_expired", "The authorization code has expired.");
		if (redirectUri !== record.redirectUri) throw new GrantError("redirect_mismatch", "redirect_uri does not match the authorization request.");
		if (record.codeChallenge !== undefined) {
			if (verifier === null) throw new GrantError("pkce_missing", "Missing code verifier.");
			if (!pkceMatches(record.codeChallenge, record.codeChallengeMethod ?? "plain", verifier)) {
				throw new GrantError("pkce_mismatch", "Invalid code verifier.");
			}
		}
		const grant: Grant = { id: record.grantId, clientId, userEmail: record.userEmail, scope: record.scope };
		if (record.nonce !== undefined) grant.nonce = record.nonce;
		if (this.options.oneGrantPerClientUser === true) this.revokeAll({ userEmail: record.userEmail, clientId });
		return this.issue(grant, record.issueRefreshToken);
	}

	redeemRefreshToken(token: string, clientId: string): IssuedTokens {
		const record = this.refresh.get(token);
		const now = this.options.clock.now();
		if (record === undefined || record.clientId !== clientId) throw new GrantError("unknown_refresh_token", "Token has been expired or revoked.");
		if (record.revoked) throw new GrantError("refresh_revoked", "Token has been expired or revoked.");
		if (record.expiresAt !== null && record.expiresAt <= now) throw new GrantError("refresh_expired", "Token has been expired or revoked.");
		if (now - record.lastUsedAt >= this.options.refreshTokens.maxIdleMs) throw new GrantError("refresh_inactive", "Token has been expired or revoked.");
		record.lastUsedAt = now;
		if (this.options.rotateRefreshTokens && this.options.retireUsedRefreshTokens === true) record.revoked = true;
		const grant: Grant = { id: record.grantId, clientId, userEmail: record.userEmail, scope: record.scope };
		return this.issue(grant, this.options.rotateRefreshTokens);
	}

	/** Access-token lookup for resource servers; null when unknown or expired. */
	verifyAccessToken(token: string): AccessRecord | null {
		const record = this.access.get(token);
		if (record === undefined || record.expiresAt <= this.options.clock.now()) return null;
		return record;
	}

	/** Revokes an access or refresh token and everything of its grant. Returns false for unknown tokens. */
	revokeToken(token: string): boolean {
		const grantId = this.access.get(token)?.grantId ?? this.refresh.get(token)?.grantId;
		if (grantId === undefined) return false;
		this.revokeGrant(grantId);
		return true;
	}

	/** Who a code, access token or refresh token belongs to, for scoped faults; undefined when unknown. */
	ownerOf(token: string): { userEmail: string; clientId: string } | undefined {
		const record = this.codes.get(token) ?? this.access.get(token) ?? this.refresh.get(token);
		return record === undefined ? undefined : { userEmail: record.userEmail, clientId: record.clientId };
	}

	/** Control hook: refresh tokens (all, or one account's and/or one client's) start failing with invalid_grant. */
	revokeAllRefreshTokens(filter: TokenFilter = {}): number {
		let count = 0;
		for (const record of this.refresh.values()) {
			if (!matchesFilter(record, filter)) continue;
			if (!record.revoked) count += 1;
			record.revoked = true;
		}
		return count;
	}

	/** How many grants of one account and/or client still have a live access token or an unrevoked refresh token. */
	liveGrants(filter: TokenFilter): number {
		const now = this.options.clock.now();
		const grants = new Set<string>();
		for (const record of this.access.values()) if (matchesFilter(record, filter) && record.expiresAt > now) grants.add(record.grantId);
		for (const record of this.refresh.values()) if (matchesFilter(record, filter) && !record.revoked) grants.add(record.grantId);
		return grants.size;
	}

	/** Ends every grant (access tokens gone, refresh tokens revoked) of one account and/or client: an app removed by its user. */
	revokeAll(filter: TokenFilter): number {
		const grants = new Set<string>();
		for (const record of [...this.access.values(), ...this.refresh.values()]) if (matchesFilter(record, filter)) grants.add(record.grantId);
		for (const grantId of grants) this.revokeGrant(grantId);
		return grants.size;
	}

	/** Control hook: live access tokens (all, or one account's and/or one client's) expire now, so the client has to refresh. */
	expireAllAccessTokens(filter: TokenFilter = {}): number {
		let count = 0;
		for (const record of this.access.values()) {
			if (!matchesFilter(record, filter)) continue;
			if (record.expiresAt > this.options.clock.now()) count += 1;
			record.expiresAt = 0;
		}
		return count;
	}

	/** Past the cap, the oldest live tokens of this account and client die without notice (Google, docs/providers.md A7). */
	private enforceLiveTokenCap(userEmail: string, clientId: string): void {
		const cap = this.options.refreshTokens.maxLivePerClientUser;
		if (cap === undefined) return;
		const now = this.options.clock.now();
		// Map order is issue order, so the first live ones are the oldest.
		const live = [...this.refresh.values()].filter(
			(r) => r.userEmail === userEmail && r.clientId === clientId && !r.revoked && (r.expiresAt === null || r.expiresAt > now),
		);
		for (const record of live.slice(0, Math.max(0, live.length - cap))) record.revoked = true;
	}

	private revokeGrant(grantId: string): void {
		for (const [token, record] of this.access) if (record.grantId === grantId) this.access.delete(token);
		for (const record of this.refresh.values()) if (record.grantId === grantId) record.revoked = true;
	}

	private issue(grant: Grant, withRefresh: boolean): IssuedTokens {
		const accessToken = opaqueToken(`${this.options.tokenPrefix}at_`);
		const expiresIn = this.accessTokenTtlSeconds;
		this.access.set(accessToken, {
			grantId: grant.id,
			clientId: grant.clientId,
			userEmail: grant.userEmail,
			scope: grant.scope,
			expiresAt: this.options.clock.now() + expiresIn * 1000,
		});
		const issued: IssuedTokens = { grant, accessToken, expiresIn };
		if (withRefresh) {
			const refreshToken = opaqueToken(`${this.options.tokenPrefix}rt_`);
			const now = this.options.clock.now();
			const lifetime = this.options.refreshTokens.lifetimeMs?.(grant.clientId, grant.scope) ?? null;
			this.refresh.set(refreshToken, {
				grantId: grant.id,
				clientId: grant.clientId,
				userEmail: grant.userEmail,
				scope: grant.scope,
				revoked: false,
				issuedAt: now,
				lastUsedAt: now,
				expiresAt: lifetime === null ? null : now + lifetime,
			});
			issued.refreshToken = refreshToken;
			this.enforceLiveTokenCap(grant.userEmail, grant.clientId);
		}
		return issued;
	}
}
