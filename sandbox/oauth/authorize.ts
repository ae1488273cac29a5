// Authorization endpoint shared by the sandbox providers: validates the request, shows consent, redirects back.
import type { Context } from "hono";
import { escapeHtml, layout } from "../pages/html";
import { renderConsent } from "../pages/consent";
import type { AuthorizationServer, CodeRequest } from "./authorization-server";
import type { ClientRegistry } from "./clients";
import type { SandboxUser, UserDirectory } from "./users";

export interface AuthorizeOptions {
	providerTitle: string;
	clients: () => ClientRegistry;
	users: () => UserDirectory;
	server: () => AuthorizationServer;
	/** Creates or finds a user, with provider side effects (e.g. a primary calendar). */
	ensureUser: (email: string, name: string | undefined) => SandboxUser;
	scopeSeparator: string | RegExp;
	/** Facebook's dialog does not require response_type; it defaults to code. */
	defaultResponseType?: string;
	/** Scopes granted when the request names none (Zoom's app carries its scopes in its registration); else a missing scope is invalid_scope. */
	defaultScope?: string[];
	/** Provider rule for whether this authorization yields a refresh token. */
	issueRefreshToken: (params: URLSearchParams, user: SandboxUser) => boolean;
}

function errorPage(status: 400, title: string, detail: string): Response {
	const html = layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>`);
	return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

function redirectBack(redirectUri: string, values: Record<string, string | null>): Response {
	const url = new URL(redirectUri);
	for (const [key, value] of Object.entries(values)) if (value !== null) url.searchParams.set(key, value);
	return new Response(null, { status: 302, headers: { location: url.toString() } });
}

async function readParams(c: Context): Promise<URLSearchParams> {
	if (c.req.method === "POST") return new URLSearchParams(await c.req.text());
	return new URL(c.req.url).searchParams;
}

/** GET shows consent (or auto-approves a known login_hint); POST carries the Allow/Deny decision. */
export function authorizeHandler(options: AuthorizeOptions): (c: Context) => Promise<Response> {
	return async function authorize(c: Context): Promise<Response> {
		const params = await readParams(c);
		const clientId = params.get("client_id") ?? "";
		const client = options.clients().get(clientId);
		if (client === undefined) return errorPage(400, "invalid_client", `The OAuth client "${clientId}" was not found.`);
		const redirectUri = params.get("redirect_uri");
		if (redirectUri === null || !URL.canParse(redirectUri)) {
			return errorPage(400, "invalid_request", "Missing or malformed redirect_uri.");
		}
		if (client.redirectUris.length > 0 && !client.redirectUris.includes(redirectUri)) {
			return errorPage(400, "redirect_uri_mismatch", `The redirect URI ${redirectUri} is not registered for this client.`);
		}
		const state = params.get("state");
		if ((params.get("response_type") ?? options.defaultResponseType) !== "code") {
			return redirectBack(redirectUri, { error: "unsupported_response_type", state });
		}
		const asked = (params.get("scope") ?? "").split(options.scopeSeparator).filter((s) => s !== "");
		const scope = asked.length === 0 && options.defaultScope !== undefined ? options.defaultScope : asked;
		if (scope.length === 0) return redirectBack(redirectUri, { error: "invalid_scope", error_description: "Missing scope.", state });
		const challenge = params.get("code_challenge");
		const method = params.get("code_challenge_method") ?? "plain";
		if (challenge !== null && method !== "S256" && method !== "plain") {
			return redirectBack(redirectUri, { error: "invalid_request", error_description: "Unsupported code_challenge_method.", state });
		}

		let user: SandboxUser | undefined;
		const hint = params.get("login_hint") ?? undefined;
		if (c.req.method === "POST") {
			if (params.get("decision") !== "allow") {
				return redirectBack(redirectUri, { error: "access_denied", error_description: "The user denied access.", state });
			}
			const account = params.get("account") ?? "new";
			const newEmail = params.get("new_email")?.trim() ?? "";
			if (account !== "new") user = options.users().get(account);
			else if (newEmail.includes("@")) user = options.ensureUser(newEmail, params.get("new_name")?.trim() || undefined);
			if (user === undefined) return errorPage(400, "invalid_request", "Choose an account or enter an email address.");
		} else {
			// Test shortcut: a login_hint naming an existing sandbox user skips the consent page.
			user = hint === undefined ? undefined : options.users().get(hint);
			if (user === undefined) {
				return c.html(
					renderConsent({
						providerTitle: options.providerTitle,
						clientId,
						scopes: scope,
						users: options.users().list(),
						loginHint: hint,
						params,
					}),
				);
			}
		}

		const request: CodeRequest = {
			clientId,
			redirectUri,
			scope,
			userEmail: user.email,
			issueRefreshToken: options.issueRefreshToken(params, user),
		};
		if (challenge !== null) {
			request.codeChallenge = challenge;
			request.codeChallengeMethod = method;
		}
		const nonce = params.get("nonce");
		if (nonce !== null) request.nonce = nonce;
		const code = options.server().issueCode(request);
		return redirectBack(redirectUri, { code, state, scope: scope.join(" ") });
	};
}
