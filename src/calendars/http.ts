// HTTP plumbing shared by the calendar adapters: credentials, one token refresh on 401, timeouts,
// and turning a failed response into a typed ProviderError (retryable or not, Retry-After parsed).
import { encodeBase64 } from "@oslojs/encoding";
import type { AccessTokenSource, ProviderName } from "./provider";
import { ProviderError, TokenRevokedError } from "./provider";

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** How requests are authorised. `retry` gives a fresh header after a 401, or null if there is none. */
export interface Authorization {
	header(): Promise<string | null>;
	retry(): Promise<string | null>;
}

export function bearerAuthorization(tokens: AccessTokenSource): Authorization {
	return {
		header: async (): Promise<string> => `Bearer ${await tokens.get()}`,
		retry: async (): Promise<string> => `Bearer ${await tokens.refresh()}`,
	};
}

/** CalDAV/iCloud: a rejected password cannot be refreshed, so a 401 is final. */
export function basicAuthorization(username: string, password: string): Authorization {
	const header = `Basic ${encodeBase64(new TextEncoder().encode(`${username}:${password}`))}`;
	return { header: async (): Promise<string> => header, retry: async (): Promise<null> => null };
}

export function noAuthorization(): Authorization {
	return { header: async (): Promise<null> => null, retry: async (): Promise<null> => null };
}

const DEFAULT_TIMEOUT_MS = 30_000;

export interface HttpClientOptions {
	provider: ProviderName;
	fetch: FetchFunction;
	authorization: Authorization;
	timeoutMs?: number;
}

/** Sends requests for one adapter. Answers every status except 401 and network failures. */
export class ProviderHttp {
	readonly provider: ProviderName;
	private readonly fetcher: FetchFunction;
	private readonly authorization: Authorization;
	private readonly timeoutMs: number;

	constructor(options: HttpClientOptions) {
		this.provider = options.provider;
		this.fetcher = options.fetch;
		this.authorization = options.authorization;
		this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	}

	async send(url: string, init: RequestInit = {}): Promise<Response> {
		const first = await this.attempt(url, init, await this.authorization.header());
		if (first.status !== 401) return first;
		await discard(first);
		const header = await this.authorization.retry();
		if (header === null) throw new TokenRevokedError(this.provider, 401, "unauthorized");
		const second = await this.attempt(url, init, header);
		if (second.status !== 401) return second;
		await discard(second);
		throw new TokenRevokedError(this.provider, 401, "unauthorized");
	}

	private async attempt(url: string, init: RequestInit, authorization: string | null): Promise<Response> {
		const headers = new Headers(init.headers);
		if (authorization !== null) headers.set("authorization", authorization);
		const fetcher = this.fetcher;
		try {
			return await fetcher(url, { ...init, headers, redirect: init.redirect ?? "follow", signal: AbortSignal.timeout(this.timeoutMs) });
		} catch (error) {
			const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
			// The URL and headers stay out of the message: they may carry tokens or passwords.
			throw new ProviderError(this.provider, 0, timedOut ? "timeout" : "network", true, null);
		}
	}
}

/** Reads and drops a body so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
	if (response.body !== null) await response.body.cancel();
}

/** Provider reasons that mean "slow down" even when sent as 403 (Google). */
const RATE_LIMIT_CODES = new Set(["rateLimitExceeded", "userRateLimitExceeded", "TooManyRequests", "ApplicationThrottled"]);

/** The ProviderError for a failed response; `code` is what the adapter read from the body. */
export function providerError(provider: ProviderName, response: Response, code: string): ProviderError {
	const status = response.status;
	const retryable = status === 408 || status === 429 || status >= 500 || (status === 403 && RATE_LIMIT_CODES.has(code));
	const retryAfter = retryable ? parseRetryAfter(response.headers.get("retry-after"), Date.now()) : null;
	return new ProviderError(provider, status, code, retryable, retryAfter);
}

/** Retry-After in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null if absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
	if (value === null) return null;
	const trimmed = value.trim();
	if (/^\d+$/.test(trimmed)) return Number(trimmed);
	const date = Date.parse(trimmed);
	if (Number.isNaN(date)) return null;
	return Math.max(0, Math.ceil((date - nowMs) / 1000));
}

/** Parses a JSON body, or null when it is not JSON (error pages from proxies). */
export async function jsonOrNull(response: Response): Promise<unknown> {
	try {
		return await response.json();
	} catch {
		return null;
	}
}
