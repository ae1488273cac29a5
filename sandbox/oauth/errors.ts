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

/** Why a code or refresh token was refused; providers word (and Microsoft numbers) each differently. */
export type GrantFailure =
	| "unknown_code"
	| "client_mismatch"
	| "code_replayed"
	| "code_expired"
	| "redirect_mismatch"
	| "pkce_missing"
	| "pkce_mismatch"
	| "unknown_refresh_token"
	| "refresh_revoked"
	| "refresh_expired"
	| "refresh_inactive";

/** An `invalid_grant` (400) that remembers its cause, so a provider can render its own error codes. */
export class GrantError extends SandboxHttpError {
	constructor(
		readonly failure: GrantFailure,
		description: string,
	) {
		super(400, { error: "invalid_grant", error_description: description }, { "cache-control": "no-store" });
	}
}
