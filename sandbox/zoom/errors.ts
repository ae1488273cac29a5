// Zoom's error bodies: the API's {code, message} (docs/integrations.md 3.3, 3.4) and the OAuth server's {reason, error}.
import type { InjectedFault } from "../faults";
import { SandboxHttpError } from "../http-error";

export function zoomError(status: number, code: number, message: string, headers: Record<string, string> = {}): SandboxHttpError {
	return new SandboxHttpError(status, { code, message }, headers);
}

/** zoom.us/oauth answers `{reason, error}` (3.1), not the API's shape. */
export function zoomOAuthError(status: number, error: string, reason: string): SandboxHttpError {
	return new SandboxHttpError(status, { reason, error }, { "cache-control": "no-store" });
}

/** A field the API refused: code 300 with the field named (the `errors` list is unconfirmed, 3.3). */
export function validationError(field: string, message = "Invalid field."): SandboxHttpError {
	return new SandboxHttpError(400, { code: 300, message: "Validation Failed.", errors: [{ field, message }] });
}

export function meetingNotFound(meetingId: string): SandboxHttpError {
	return zoomError(404, 3001, `Meeting ${meetingId} is not found or has expired.`);
}

/** Rate-limit label of each API endpoint (3.4: create is Medium, get is Light; the rest the sandbox's guess). */
const CATEGORIES: Record<string, "Light" | "Medium"> = {
	"users.me": "Medium",
	"meetings.create": "Medium",
	"meetings.list": "Medium",
	"meetings.get": "Light",
	"meetings.update": "Light",
	"meetings.delete": "Light",
};
/** Per-second limits of a Pro account (3.4). */
const PER_SECOND: Record<"Light" | "Medium", number> = { Light: 30, Medium: 20 };

/** The per-user daily 429 of meeting create/update (3.4); `Retry-After` is the next 00:00 UTC as a date-time. */
export function dailyLimitError(limit: number, nowMs: number): SandboxHttpError {
	const midnight = new Date(nowMs);
	midnight.setUTCHours(24, 0, 0, 0);
	return zoomError(
		429,
		429,
		`You have exceeded the daily rate limit (${limit}) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.`,
		{
			"x-ratelimit-category": "Medium",
			"x-ratelimit-type": "Daily-limit",
			"x-ratelimit-limit": String(limit),
			"x-ratelimit-remaining": "0",
			"retry-after": midnight.toISOString().replace(/\.\d{3}Z$/, "Z"),
		},
	);
}

/**
 * An injected fault on an API endpoint: a 429 is the per-second limit with Zoom's rate-limit headers, anything else
 * a bare `{code, message}` (Zoom documents no 5xx body). The daily limit is counted for real (daily-limit.ts).
 */
export function zoomApiFaultError(endpoint: string): (fault: InjectedFault) => SandboxHttpError {
	return function render(fault: InjectedFault): SandboxHttpError {
		const headers: Record<string, string> = {};
		if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
		if (fault.status !== 429) return zoomError(fault.status, fault.status, "Injected failure", headers);
		const category = CATEGORIES[endpoint] ?? "Light";
		Object.assign(headers, { "x-ratelimit-category": category, "x-ratelimit-type": "QPS", "x-ratelimit-limit": String(PER_SECOND[category]), "x-ratelimit-remaining": "0" });
		return zoomError(429, 429, "You have reached the maximum per-second rate limit for this API. Try again later.", headers);
	};
}

/** An injected fault on zoom.us/oauth: the OAuth server's shape. */
export function zoomOAuthFaultError(fault: InjectedFault): SandboxHttpError {
	const error = fault.status === 429 ? zoomOAuthError(429, "too_many_requests", "Too many requests.") : zoomOAuthError(fault.status, "server_error", "Injected failure");
	if (fault.retryAfter !== undefined) error.headers["retry-after"] = String(fault.retryAfter);
	return error;
}
