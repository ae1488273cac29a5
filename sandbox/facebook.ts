// Facebook Login stand-in: state (accounts, app credentials, grants); routes are added in the Facebook step.
import type { Clock } from "./clock";
import type { FaultRegistry } from "./faults";
import { AuthorizationServer } from "./oauth/authorization-server";
import { ClientRegistry, parseClientList } from "./oauth/clients";
import { UserDirectory } from "./oauth/users";
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
		auth: new AuthorizationServer({ clock: deps.clock, tokenPrefix: "EAAB.sbx_", rotateRefreshTokens: false, accessTokenTtlSeconds: 5_184_000 }),
	};
}
