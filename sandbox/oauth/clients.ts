// Registered OAuth clients per provider and client authentication (client_secret_post / client_secret_basic).
import { oauthError } from "./errors";

export interface OAuthClient {
	clientId: string;
	clientSecret: string;
	/** When set, authorize requests must use one of these exactly; when empty any redirect URI is allowed. */
	redirectUris: string[];
	/** Google's "Testing" publishing status (external user type): refresh tokens live 7 days (docs/providers.md A7). */
	testing?: boolean;
}

/** Parses "id:secret,id2:secret2" as used by the SANDBOX_<PROVIDER>_CLIENTS variables. */
export function parseClientList(value: string | undefined): OAuthClient[] {
	if (value === undefined || value.trim() === "") return [];
	return value.split(",").flatMap((pair) => {
		const index = pair.indexOf(":");
		if (index <= 0) return [];
		return [{ clientId: pair.slice(0, index).trim(), clientSecret: pair.slice(index + 1).trim(), redirectUris: [] }];
	});
}

export class ClientRegistry {
	private clients = new Map<string, OAuthClient>();

	constructor(initial: OAuthClient[]) {
		for (const client of initial) this.register(client);
	}

	register(client: OAuthClient): void {
		this.clients.set(client.clientId, client);
	}

	get(clientId: string): OAuthClient | undefined {
		return this.clients.get(clientId);
	}

	/** Authenticates a token-endpoint request; throws invalid_client (401) on any mismatch. */
	authenticate(form: URLSearchParams, authorization: string | undefined): OAuthClient {
		let clientId = form.get("client_id") ?? undefined;
		let secret = form.get("client_secret") ?? undefined;
		if (authorization?.toLowerCase().startsWith("basic ") === true) {
			const decoded = Buffer.from(authorization.slice(6).trim(), "base64").toString("utf8");
			const index = decoded.indexOf(":");
			if (index < 0) throw oauthError(401, "invalid_client", "Malformed Basic credentials.");
			// RFC 6749 §2.3.1: credentials in Basic auth are form-urlencoded first.
			clientId = decodeURIComponent(decoded.slice(0, index).replaceAll("+", " "));
			secret = decodeURIComponent(decoded.slice(index + 1).replaceAll("+", " "));
		}
		const client = clientId === undefined ? undefined : this.clients.get(clientId);
		if (client === undefined || secret === undefined || secret !== client.clientSecret) {
			throw oauthError(401, "invalid_client", "The OAuth client was not found or the secret is wrong.");
		}
		return client;
	}
}
