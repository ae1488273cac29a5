// errorFields keeps what identifies a failure and drops every free text that could quote a secret.
import { describe, expect, it } from "vitest";
import { ProviderError, TokenRevokedError } from "./calendars/provider";
import { NotFoundError } from "./errors";
import { errorFields } from "./log";
import { RetryablePushError } from "./sync/outbound";

describe("errorFields", () => {
	it("keeps a provider error's provider, status, code and retryability, and its cause's", () => {
		const cause = new ProviderError({ provider: "google", status: 503, code: "backendError", retryable: true, retryAfterSeconds: 2 });
		expect(errorFields(new RetryablePushError("ProviderError: google 503 backendError", 2, cause))).toEqual({
			name: "RetryablePushError",
			cause: { name: "ProviderError", provider: "google", status: 503, code: "backendError", retryable: true },
		});
		expect(errorFields(new TokenRevokedError("microsoft", 400, "invalid_grant"))).toEqual({ name: "TokenRevokedError", provider: "microsoft", status: 400, code: "invalid_grant", retryable: false });
	});

	it("keeps an application error's status and code", () => {
		expect(errorFields(new NotFoundError("Booking"))).toMatchObject({ status: 404, code: "not-found" });
	});

	it("drops the message of anything else, which may quote a URL, a token or an event's text", () => {
		const fields = errorFields(new TypeError("Invalid URL: https://calendar.example/feed.ics?token=s3cr3t-feed-token"));
		expect(fields).toEqual({ name: "TypeError" });
		expect(JSON.stringify(errorFields(new Error("SUMMARY:Dentist, door code 4711")))).not.toContain("4711");
		expect(errorFields("a thrown string with a password")).toEqual({ name: "string" });
	});

	it("names D1's error class without the rest of its message", () => {
		expect(errorFields(new Error("D1_ERROR: UNIQUE constraint failed: sessions.token_hash: SQLITE_CONSTRAINT"))).toEqual({ name: "Error", code: "D1_ERROR" });
	});
});
