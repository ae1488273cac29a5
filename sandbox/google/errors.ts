// Google API error bodies: {error:{code, message, errors:[{domain, reason, message}]}}.
import type { InjectedFault } from "../faults";
import { SandboxHttpError } from "../http-error";

export interface GoogleErrorDetail {
	domain?: string;
	location?: string;
	locationType?: string;
}

export function googleError(
	status: number,
	reason: string,
	message: string,
	detail: GoogleErrorDetail = {},
	headers: Record<string, string> = {},
): SandboxHttpError {
	const item = { domain: detail.domain ?? "global", reason, message, ...detail };
	if (item.domain === undefined) item.domain = "global";
	return new SandboxHttpError(status, { error: { code: status, message, errors: [item] } }, headers);
}

const FAULT_REASONS: Record<number, { domain: string; reason: string; message: string }> = {
	403: { domain: "usageLimits", reason: "rateLimitExceeded", message: "Rate Limit Exceeded" },
	429: { domain: "usageLimits", reason: "rateLimitExceeded", message: "Rate Limit Exceeded" },
	500: { domain: "global", reason: "backendError", message: "Backend Error" },
	503: { domain: "global", reason: "backendError", message: "Backend Error" },
};

/** Renders an injected fault the way Google reports throttling and outages. */
export function googleFaultError(fault: InjectedFault): SandboxHttpError {
	const known = FAULT_REASONS[fault.status] ?? { domain: "global", reason: "backendError", message: "Injected failure" };
	const reason = fault.reason ?? known.reason;
	const message = reason === "quotaExceeded" ? "Calendar usage limits exceeded." : known.message;
	const headers: Record<string, string> = {};
	if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
	return googleError(fault.status, reason, message, { domain: known.domain }, headers);
}
