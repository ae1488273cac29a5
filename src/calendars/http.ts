// HTTP plumbing shared by the calendar adapters and the Zoom adapter: credentials, one token refresh on
// 401, timeouts, and turning a failed response into a typed ProviderError (retryable or not, Retry-After parsed).
import { encodeBase64 } from "@oslojs/encoding";
import type { AccessTokenSource, ErrorSource } from "./provider";
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

/**
 * The largest answer read from a provider. A Worker has 128 MB, parsing multiplies what it reads, and
 * one consumer isolate serves other businesses' messages too: a larger body fails its own connection
 * (responseTooLarge) instead of the isolate. Legitimate answers stay far below it: a Google page of
 * 2,500 trimmed events, a Graph page of 200, a CalDAV multiget of 50 resources.
 */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

export interface HttpClientOptions {
	provider: ErrorSource;
	fetch: FetchFunction;
	authorization: Authorization;
	timeoutMs?: number;
	/** MAX_RESPONSE_BYTES when absent. */
	maxResponseBytes?: number;
}

/**
 * Sends requests for one adapter. Answers every status except 401 and network failures, each with
 * its body already read (at most maxResponseBytes, within the timeout), so no adapter can read more.
 */
export class ProviderHttp {
	readonly provider: ErrorSource;
	private readonly fetcher: FetchFunction;
	private readonly authorization: Authorization;
	private readonly timeoutMs: number;
	private readonly maxResponseBytes: number;

	constructor(options: HttpClientOptions) {
		this.provider = options.provider;
		this.fetcher = options.fetch;
		this.authorization = options.authorization;
		this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
		this.maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
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
		// A timer cleared once the answer is read (AbortSignal.timeout's runs on for the full timeout, and a
		// Durable Object with a timer pending, a calendar poller say, cannot be evicted until it fires).
		const deadline = new AbortController();
		const timer = setTimeout(() => deadline.abort(new DOMException("The provider did not answer in time", "TimeoutError")), this.timeoutMs);
		try {
			const response = await fetcher(url, { ...init, headers, redirect: init.redirect ?? "follow", signal: deadline.signal });
			return await this.buffered(response);
		} catch (error) {
			if (error instanceof ProviderError) throw error;
			const timedOut = deadline.signal.aborted || (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"));
			// The URL and headers stay out of the message: they may carry tokens or passwords.
			throw new ProviderError({ provider: this.provider, status: 0, code: timedOut ? "timeout" : "network", retryable: true });
		} finally {
			clearTimeout(timer);
		}
	}

	/** The same response with its body read into memory, refused past maxResponseBytes before it is all there. */
	private async buffered(response: Response): Promise<Response> {
		if (response.body === null) return response;
		const limit = this.maxResponseBytes >= 1024 * 1024 ? `${Math.round(this.maxResponseBytes / (1024 * 1024))} MB` : `${this.maxResponseBytes} bytes`;
		const tooLarge = (): ProviderError => new ProviderError({ provider: this.provider, status: response.status, code: "responseTooLarge", retryable: false, detail: `the server's answer is larger than ${limit}, so it was not read` });
		// A declared length says so at once; the count below also catches chunked and compressed answers.
		const declared = Number(response.headers.get("content-length") ?? Number.NaN);
		if (Number.isFinite(declared) && declared > this.maxResponseBytes) {
			await discard(response);
			throw tooLarge();
		}
		const reader = response.body.getReader();
		const chunks: Uint8Array[] = [];
		let total = 0;
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			total += value.byteLength;
			if (total > this.maxResponseBytes) {
				await reader.cancel();
				throw tooLarge();
			}
			chunks.push(value);
		}
		const bytes = new Uint8Array(total);
		let offset = 0;
		for (const chunk of chunks) {
			bytes.set(chunk, offset);
			offset += chunk.byteLength;
		}
		const copy = new Response(NULL_BODY_STATUSES.has(response.status) ? null : bytes, { status: response.status, statusText: response.statusText, headers: response.headers });
		// Adapters resolve hrefs against where an answer came from (CalDAV).
		Object.defineProperty(copy, "url", { value: response.url });
		return copy;
	}
}

/** Statuses a Response may not be constructed with a body for. */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** Reads and drops a body so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
	if (response.body !== null) await response.body.cancel();
}

/** Provider reasons that mean "slow down" even when sent as 403 (Google). */
const RATE_LIMIT_CODES = new Set(["rateLimitExceeded", "userRateLimitExceeded", "TooManyRequests", "ApplicationThrottled"]);

/** The ProviderError for a failed response; `code` is what the adapter read from the body. */
export function providerError(provider: ErrorSource, response: Response, code: string): ProviderError {
	const status = response.status;
	const retryable = status === 408 || status === 429 || status >= 500 || (status === 403 && RATE_LIMIT_CODES.has(code));
	const retryAfter = retryable ? parseRetryAfter(response.headers.get("retry-after"), Date.now()) : null;
	return new ProviderError({ provider, status, code, retryable, retryAfterSeconds: retryAfter });
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
