// Facebook Login stand-in: login dialog, code-for-token exchange and the Graph /me profile.
import { Hono } from "hono";
import type { Context } from "hono";
import { faultGuard } from "./faults";
import type { InjectedFault } from "./faults";
import { SandboxHttpError } from "./http-error";
import { authorizeHandler } from "./oauth/authorize";
import type { Clock } from "./clock";
import type { FaultRegistry } from "./faults";
import { AuthorizationServer } from "./oauth/authorization-server";
import { ClientRegistry, parseClientList } from "./oauth/clients";
import { oauthSubject } from "./oauth/subject";
import { UserDirectory } from "./oauth/users";
import type { SandboxState } from "./state";
import type { WebhookDispatcher } from "./webhooks";

export interface FacebookState {
	users: UserDirectory;
	clients: ClientRegistry;
	auth: AuthorizationServer;
}

export interface FacebookDeps {
	clock: Clock;
	webhooks: () => WebhookDispatcher;
	faults: () => FaultRegistry;
}

export function createFacebookState(deps: FacebookDeps): FacebookState {
	return {
		users: new UserDirectory("10"),
		clients: new ClientRegistry([
			{ clientId: "slotline-test-facebook", clientSecret: "test-facebook-secret", redirectUris: [] },
			{ clientId: "slotline-dev-facebook", clientSecret: "dev-facebook-secret", redirectUris: [] },
			...parseClientList(process.env.SANDBOX_FACEBOOK_CLIENTS),
		]),
		// Facebook user tokens are long-lived; there is no refresh grant.
		auth: new AuthorizationServer({ clock: deps.clock, tokenPrefix: "EAAB.sbx_", rotateRefreshTokens: false, accessTokenTtlSeconds: 5_184_000, refreshTokens: { maxIdleMs: Number.POSITIVE_INFINITY } }),
	};
}

function facebookError(status: number, message: string, code: number, type = "OAuthException"): SandboxHttpError {
	return new SandboxHttpError(status, { error: { message, type, code, fbtrace_id: "sandbox" } });
}

/** Graph's throttling is code 4 (often on a 403), outages code 2 and transient (its error-handling guide). */
function facebookFaultError(fault: InjectedFault): SandboxHttpError {
	const throttled = fault.status === 429 || fault.status === 403;
	const error = throttled
		? facebookError(fault.status, "(#4) Application request limit reached", 4)
		: new SandboxHttpError(fault.status, { error: { message: "An unexpected error has occurred. Please retry your request later.", type: "OAuthException", is_transient: true, code: 2, fbtrace_id: "sandbox" } });
	if (fault.retryAfter !== undefined) error.headers["retry-after"] = String(fault.retryAfter);
	return error;
}

export function facebookRoutes(state: SandboxState): Hono {
	const app = new Hono();
	const guard = (endpoint: string): ReturnType<typeof faultGuard> =>
		faultGuard(() => state.faults, "facebook", endpoint, facebookFaultError, oauthSubject(() => state.facebook.auth));
	const dialog = authorizeHandler({
		providerTitle: "Facebook",
		clients: () => state.facebook.clients,
		users: () => state.facebook.users,
		server: () => state.facebook.auth,
		ensureUser: (email, name) => state.facebook.users.upsert(name === undefined ? { email } : { email, name }),
		scopeSeparator: /[ ,]+/,
		defaultResponseType: "code",
		issueRefreshToken: () => false,
	});
	// Scope is optional on Facebook (public_profile is implied).
	async function login(c: Context): Promise<Response> {
		if (c.req.method === "GET" && c.req.query("scope") === undefined) {
			const url = new URL(c.req.url);
			url.searchParams.set("scope", "public_profile");
			return c.redirect(url.pathname + url.search, 302);
		}
		return dialog(c);
	}

	function exchange(c: Context): Response {
		const query = new URL(c.req.url).searchParams;
		const client = state.facebook.clients.get(query.get("client_id") ?? "");
		if (client === undefined || client.clientSecret !== query.get("client_secret")) throw facebookError(400, "Error validating client secret.", 1);
		let issued;
		try {
			issued = state.facebook.auth.redeemCode(query.get("code") ?? "", client.clientId, query.get("redirect_uri"), query.get("code_verifier"));
		} catch {
			throw facebookError(400, "This authorization code has been used or has expired.", 100);
		}
		return c.json({ access_token: issued.accessToken, token_type: "bearer", expires_in: issued.expiresIn });
	}

	function me(c: Context): Response {
		const token = c.req.query("access_token") ?? /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
		const access = state.facebook.auth.verifyAccessToken(token);
		const user = access === null ? undefined : state.facebook.users.get(access.userEmail);
		if (user === undefined) throw facebookError(400, "Invalid OAuth access token - Cannot parse access token", 190);
		const fields = (c.req.query("fields") ?? "id,name").split(",").map((f) => f.trim());
		const profile: Record<string, unknown> = {};
		for (const field of fields) {
			if (field === "id") profile.id = user.sub;
			else if (field === "name") profile.name = user.name;
			else if (field === "first_name") profile.first_name = user.givenName;
			else if (field === "last_name") profile.last_name = user.familyName;
			// A person may withhold the email; the field is then simply absent.
			else if (field === "email" && user.shareEmail && access?.scope.includes("email") === true) profile.email = user.email;
			else if (field.startsWith("picture")) profile.picture = { data: { height: 50, width: 50, is_silhouette: false, url: user.picture } };
		}
		return c.json(profile);
	}

	for (const prefix of ["", "/:version{v[0-9]+\\.[0-9]+}"]) {
		app.get(`${prefix}/dialog/oauth`, guard("dialog"), login);
		app.post(`${prefix}/dialog/oauth`, login);
		// The Graph endpoints also answer under /graph, the base FACEBOOK_GRAPH_API names locally
		// (graph.facebook.com is a host of its own in production).
		for (const base of [prefix, `/graph${prefix}`]) {
			app.get(`${base}/oauth/access_token`, guard("access_token"), exchange);
			app.get(`${base}/me`, guard("me"), me);
		}
	}
	return app;
}
