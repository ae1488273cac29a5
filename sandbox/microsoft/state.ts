// Microsoft's sandbox state: accounts, OAuth clients and grants (identity platform v2).
import type { Clock } from "../clock";
import type { FaultRegistry } from "../faults";
import { AuthorizationServer } from "../oauth/authorization-server";
import { ClientRegistry, parseClientList } from "../oauth/clients";
import { UserDirectory } from "../oauth/users";
import type { SandboxUser, UserInput } from "../oauth/users";
import type { WebhookDispatcher } from "../webhooks";
import type { AccountType, MeetingProviders } from "./online-meetings";
import { meetingProviders } from "./online-meetings";
import { OutlookStore } from "./store";
import { SubscriptionRegistry } from "./subscriptions";

export interface MicrosoftState {
	users: UserDirectory;
	clients: ClientRegistry;
	auth: AuthorizationServer;
	store: OutlookStore;
	subscriptions: SubscriptionRegistry;
	/** Bumped by the `expireDeltaTokens` fault: every delta and skip token issued before then is gone. */
	deltaEpoch: number;
	/** email -> account type; absent is a work account with Teams (online-meetings.ts). */
	accountTypes: Map<string, AccountType>;
}

export interface MicrosoftDeps {
	clock: Clock;
	webhooks: () => WebhookDispatcher;
	faults: () => FaultRegistry;
}

export function createMicrosoftState(deps: MicrosoftDeps): MicrosoftState {
	const store = new OutlookStore();
	const subscriptions = new SubscriptionRegistry(deps.webhooks, deps.faults, deps.clock.now);
	store.onChange((calendar, stored, change) => subscriptions.notify(calendar, stored, change));
	return {
		store,
		subscriptions,
		deltaEpoch: 0,
		accountTypes: new Map(),
		users: new UserDirectory("00000000-0000-0000-"),
		clients: new ClientRegistry([
			{ clientId: "slotline-test-microsoft", clientSecret: "test-microsoft-secret", redirectUris: [] },
			{ clientId: "slotline-dev-microsoft", clientSecret: "dev-microsoft-secret", redirectUris: [] },
			...parseClientList(process.env.SANDBOX_MICROSOFT_CLIENTS),
		]),
		// Microsoft rotates refresh tokens on every use; old ones stay valid.
		// docs/providers.md B7: a refresh token unused for 90 days dies (AADSTS700082).
		auth: new AuthorizationServer({ clock: deps.clock, tokenPrefix: "EwB.sbx_", rotateRefreshTokens: true, accessTokenTtlSeconds: 3600, refreshTokens: { maxIdleMs: 90 * 86_400_000 } }),
	};
}

/** Creates or updates a Microsoft account; a new account gets its default calendar "Calendar". */
export function ensureMicrosoftUser(microsoft: MicrosoftState, input: UserInput): SandboxUser {
	const user = microsoft.users.upsert(input);
	if (microsoft.store.defaultCalendar(user.email) === undefined) microsoft.store.createCalendar(user.email, "Calendar", true);
	return user;
}

/** The online-meeting providers an account's calendars allow (docs/integrations.md 2.3). */
export function providersFor(microsoft: MicrosoftState, email: string): MeetingProviders {
	return meetingProviders(microsoft.accountTypes.get(email.toLowerCase()) ?? "work");
}
