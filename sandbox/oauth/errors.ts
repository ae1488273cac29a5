// OAuth 2.0 error responses (RFC 6749 §5.2) as thrown sandbox errors.
import { SandboxHttpError } from "../http-error";

export function oauthError(
	status: number,
	error: string,
	description: string,
	extra: Record<string, unknown> = {},
): SandboxHttpError {
	const headers: Record<string, string> = { "cache-control": "no-store" };
	if (status === 401) headers["www-authenticate"] = 'Basic realm="sandbox"';
	return new SandboxHttpError(status, { error, error_description: description, ...extra }, headers);
}
