// Zoom's sandbox state: accounts with their Zoom profile, OAuth clients and grants, meetings, webhook endpoints.
import { createHash } from "node:crypto";
import type { Clock } from "../clock";
import { AuthorizationServer } from "../oauth/authorization-server";
import { ClientRegistry, parseClientList } from "../oauth/clients";
import { UserDirectory } from "../oauth/users";
import type { DailyUsage } from "./daily-limit";
import { ZoomMeetings } from "./meetings";
import type { WebhookEndpoint } from "./webhooks";

/** Zoom's user types: 1 Basic (the free plan), 2 Licensed. */
export type ZoomUserType = 1 | 2;

/** What GET /users/me tells about an account, beside the sign-in record in `users`. */
export interface ZoomProfile {
	id: string;
	accountId: string;
	email: string;
	firstName: string;
	lastName: string;
	type: ZoomUserType;
	timezone: string;
	pmi: number;
	createdAt: string;
}

export interface ZoomSettings {
	/** Meeting create + update requests per user per UTC day (3.4: 100). */
	dailyMeetingWriteLimit: number;
	/** Waits before the retries of an unanswered webhook: Zoom's +5, +20 and +60 minutes (3.5), compressed. */
	webhookRetryDelaysMs: number[];
	/** How long an endpoint has to answer a webhook or the URL validation (3.5: 3 s). */
	webhookTimeoutMs: number;
}

export interface ZoomState {
	users: UserDirectory;
	clients: ClientRegistry;
	auth: AuthorizationServer;
	/** email -> Zoom profile. */
	profiles: Map<string, ZoomProfile>;
	meetings: ZoomMeetings;
	/** OAuth client id -> its app's event subscription endpoint. */
	endpoints: Map<string, WebhookEndpoint>;
	/** email -> meeting writes counted today. */
	usage: Map<string, DailyUsage>;
	settings: ZoomSettings;
}

/** The scopes a user-managed app's registration carries (granular names, 3.1); granted when authorize names none. */
export const DEFAULT_ZOOM_SCOPES = [
	"user:read:user",
	"meeting:write:meeting",
	"meeting:read:meeting",
	"meeting:update:meeting",
	"meeting:delete:meeting",
	"meeting:read:list_meetings",
];

export const DEFAULT_ZOOM_SETTINGS: ZoomSettings = { dailyMeetingWriteLimit: 100, webhookRetryDelaysMs: [250, 500, 1000], webhookTimeoutMs: 3000 };

const DAY_MS = 86_400_000;

export function createZoomState(deps: { clock: Clock }): ZoomState {
	return {
		users: new UserDirectory("zoom"),
		clients: new ClientRegistry([
			{ clientId: "slotline-test-zoom", clientSecret: "test-zoom-secret", redirectUris: [] },
			{ clientId: "slotline-dev-zoom", clientSecret: "dev-zoom-secret", redirectUris: [] },
			...parseClientList(process.env.SANDBOX_ZOOM_CLIENTS),
		]),
		// 3.1: 1-hour access tokens, a 5-minute code, and every refresh replaces the refresh token, the old one dying
		// at once. The refresh token's own lifetime is unconfirmed (15 years or about 90 days): 90 days unused here.
		auth: new AuthorizationServer({
			clock: deps.clock,
			tokenPrefix: "zm.sbx_",
			rotateRefreshTokens: true,
			retireUsedRefreshTokens: true,
			oneGrantPerClientUser: true,
			codeTtlMs: 5 * 60_000,
			accessTokenTtlSeconds: 3600,
			refreshTokens: { maxIdleMs: 90 * DAY_MS },
		}),
		profiles: new Map(),
		meetings: new ZoomMeetings(),
		endpoints: new Map(),
		usage: new Map(),
		settings: structuredClone(DEFAULT_ZOOM_SETTINGS),
	};
}

/** Zoom ids look like 22 characters of base64url; derived from the email so an account keeps its id. */
function zoomId(prefix: string, email: string): string {
	return createHash("sha256").update(`${prefix}:${email}`).digest("base64url").slice(0, 22);
}

export interface ZoomUserInput {
	email: string;
	firstName?: string;
	lastName?: string;
	type?: ZoomUserType;
	timezone?: string;
}

/** Creates or updates a Zoom account (its own Zoom account, as a user who signed up alone has). */
export function ensureZoomUser(zoom: ZoomState, input: ZoomUserInput, nowMs: number): ZoomProfile {
	const email = input.email.toLowerCase();
	const existing = zoom.profiles.get(email);
	const name = [input.firstName, input.lastName].filter((part) => part !== undefined).join(" ");
	const user = zoom.users.upsert(name === "" ? { email } : { email, name });
	const digits = BigInt(`0x${createHash("sha256").update(`pmi:${email}`).digest("hex").slice(0, 12)}`) % 9_000_000_000n;
	const profile: ZoomProfile = {
		id: existing?.id ?? zoomId("user", email),
		accountId: existing?.accountId ?? zoomId("account", email),
		email,
		firstName: input.firstName ?? existing?.firstName ?? user.givenName,
		lastName: input.lastName ?? existing?.lastName ?? user.familyName,
		type: input.type ?? existing?.type ?? 2,
		timezone: input.timezone ?? existing?.timezone ?? "UTC",
		pmi: existing?.pmi ?? Number(digits + 1_000_000_000n),
		createdAt: existing?.createdAt ?? new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
	};
	zoom.profiles.set(email, profile);
	return profile;
}
