// Google's sandbox state: accounts, OAuth clients and grants, calendars/events and watch channels.
import type { Clock } from "../clock";
import type { FaultRegistry } from "../faults";
import { AuthorizationServer } from "../oauth/authorization-server";
import { ClientRegistry, parseClientList } from "../oauth/clients";
import type { SandboxUser, UserInput } from "../oauth/users";
import { UserDirectory } from "../oauth/users";
import type { WebhookDispatcher } from "../webhooks";
import { ListRounds } from "./list";
import { ChannelRegistry } from "./push";
import { GoogleStore } from "./store";

export interface GoogleState {
	users: UserDirectory;
	clients: ClientRegistry;
	auth: AuthorizationServer;
	store: GoogleStore;
	channels: ChannelRegistry;
	settings: GoogleSettings;
	/** events.list rounds in progress, so each is worked out once however many pages it has. */
	rounds: ListRounds;
}

export interface GoogleSettings {
	/**
	 * How far back events.list's updatedMin may reach before 410 updatedMinTooLongAgo. Google publishes no number
	 * (docs/providers.md A3, Obs; a value 44 days old has been reported refused); 28 days is the sandbox's choice.
	 */
	updatedMinMaxAgeDays: number;
}

export interface GoogleDeps {
	clock: Clock;
	webhooks: () => WebhookDispatcher;
	faults: () => FaultRegistry;
}

const DAY_MS = 86_400_000;
/** Scopes that only sign a person in; a Testing-status client asking for nothing else keeps long-lived tokens (A7). */
const SIGN_IN_SCOPES = new Set(["openid", "email", "profile", "https://www.googleapis.com/auth/userinfo.email", "https://www.googleapis.com/auth/userinfo.profile"]);

export function createGoogleState(deps: GoogleDeps): GoogleState {
	const store = new GoogleStore();
	const channels = new ChannelRegistry(deps.webhooks, deps.faults, deps.clock.now);
	store.onChange((calendarId, _event, kind) => channels.notify(calendarId, kind));
	const clients = new ClientRegistry([
		{ clientId: "slotline-test-google", clientSecret: "test-google-secret", redirectUris: [] },
		{ clientId: "slotline-dev-google", clientSecret: "dev-google-secret", redirectUris: [] },
		...parseClientList(process.env.SANDBOX_GOOGLE_CLIENTS),
	]);
	return {
		users: new UserDirectory("1"),
		clients,
		auth: new AuthorizationServer({
			clock: deps.clock,
			tokenPrefix: "ya29.sbx_",
			rotateRefreshTokens: false,
			accessTokenTtlSeconds: 3600,
			// docs/providers.md A7: 6 months unused, at most 100 live per account and client, 7 days in Testing status.
			refreshTokens: {
				maxIdleMs: 183 * DAY_MS,
				maxLivePerClientUser: 100,
				lifetimeMs: (clientId, scope) => (clients.get(clientId)?.testing === true && !scope.every((s) => SIGN_IN_SCOPES.has(s)) ? 7 * DAY_MS : null),
			},
		}),
		store,
		channels,
		settings: { updatedMinMaxAgeDays: 28 },
		rounds: new ListRounds(),
	};
}

/** Creates or updates a Google account; a new account gets its primary calendar, whose id is the email. */
export function ensureGoogleUser(google: GoogleState, input: UserInput & { timeZone?: string }): SandboxUser {
	const user = google.users.upsert(input);
	if (google.store.calendar(user.email) === undefined) {
		const calendar = { owner: user.email, summary: user.email, id: user.email };
		google.store.createCalendar(input.timeZone === undefined ? calendar : { ...calendar, timeZone: input.timeZone });
	}
	return user;
}
