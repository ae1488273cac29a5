// Microsoft Graph error bodies ({error:{code, message, innerError}}) and fault rendering.
import type { InjectedFault } from "../faults";
import { SandboxHttpError } from "../http-error";

export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): SandboxHttpError {
	return new SandboxHttpError(status, { error: { code, message, innerError: { date: new Date().toISOString(), "request-id": crypto.randomUUID() } } }, headers);
}

const FAULT_CODES: Record<number, string> = { 429: "TooManyRequests", 503: "ServiceNotAvailable", 500: "InternalServerError", 403: "ErrorAccessDenied" };

export function graphFaultError(fault: InjectedFault): SandboxHttpError {
	const headers: Record<string, string> = {};
	if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
	const code = fault.reason ?? FAULT_CODES[fault.status] ?? "UnknownError";
	return graphError(fault.status, code, code === "TooManyRequests" ? "Application is over its MailboxConcurrency limit." : "Injected failure", headers);
}
