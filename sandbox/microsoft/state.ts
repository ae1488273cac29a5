// Microsoft's sandbox state: accounts, OAuth clients and grants (identity platform v2).
import type { Clock } from "../clock";
import type { FaultRegistry } from "../faults";
import { AuthorizationServer } from "../oauth/authorization-server";
import { ClientRegistry, parseClientList } from "../oauth/clients";
import { UserDirectory } from "../oauth/users";
import type { WebhookDispatcher } from "../webhooks";

export interface MicrosoftState {
	users: UserDirectory;
	clients: ClientRegistry;
	auth: AuthorizationServer;
}

export interface MicrosoftDeps {
	clock: Clock;
	webhooks: () => WebhookDispatcher;
	faults: () => FaultRegistry;
}

export function createMicrosoftState(deps: MicrosoftDeps): MicrosoftState {
	return {
		users: new UserDirectory("00000000-0000-0000-"),
		clients: new ClientRegistry([
			{ clientId: "slotline-test-microsoft", clientSecret: "test-microsoft-secret", redirectUris: [] },
			{ clientId: "slotline-dev-microsoft", clientSecret: "dev-microsoft-secret", redirectUris: [] },
			...parseClientList(process.env.SANDBOX_MICROSOFT_CLIENTS),
		]),
		// Microsoft rotates refresh tokens on every use; old ones stay valid.
		auth: new AuthorizationServer({ clock: deps.clock, tokenPrefix: "EwB.sbx_", rotateRefreshTokens: true, accessTokenTtlSeconds: 3600 }),
	};
}
