// Helpers for the calendar adapter tests: sandbox accounts, OAuth tokens via the login_hint shortcut, and
// bookings to write. Every test uses its own account, since the sandbox is shared by the run.
import type { AccessTokenSource, OutboundEvent } from "../../src/calendars/provider";
import { control, sandboxUrl } from "../support/sandbox-control";

const REDIRECT_URI = "http://127.0.0.1:9/callback";

export function uniqueEmail(label: string): string {
	return `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

interface ProviderOAuth {
	authorize: string;
	token: string;
	clientId: string;
	clientSecret: string;
	scope: string;
}

const OAUTH: Record<"google" | "microsoft", ProviderOAuth> = {
	google: {
		authorize: "/google/o/oauth2/v2/auth",
		token: "/google/token",
		clientId: "slotline-test-google",
		clientSecret: "test-google-secret",
		scope: "openid email https://www.googleapis.com/auth/calendar",
	},
	microsoft: {
		authorize: "/microsoft/common/oauth2/v2.0/authorize",
		token: "/microsoft/common/oauth2/v2.0/token",
		clientId: "slotline-test-microsoft",
		clientSecret: "test-microsoft-secret",
		scope: "openid offline_access Calendars.ReadWrite",
	},
};

/** Creates the account and returns a token source backed by a real authorization-code grant. */
export async function signIn(provider: "google" | "microsoft", email: string): Promise<TestTokens> {
	await control(`/${provider}/users`, { email, timeZone: "Europe/Berlin" });
	const oauth = OAUTH[provider];
	const query = new URLSearchParams({
		client_id: oauth.clientId,
		redirect_uri: REDIRECT_URI,
		response_type: "code",
		scope: oauth.scope,
		state: "st",
		login_hint: email,
		access_type: "offline",
	});
	const authorized = await fetch(`${sandboxUrl}${oauth.authorize}?${query}`, { redirect: "manual" });
	const code = new URL(authorized.headers.get("location") ?? "http://x/").searchParams.get("code");
	if (code === null) throw new Error(`authorize answered ${authorized.status}`);
	const tokens = await tokenRequest(oauth, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI });
	return new TestTokens(oauth, tokens.access_token, tokens.refresh_token ?? null);
}

async function tokenRequest(oauth: ProviderOAuth, form: Record<string, string>): Promise<{ access_token: string; refresh_token?: string }> {
	const response = await fetch(`${sandboxUrl}${oauth.token}`, {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded" },
		body: new URLSearchParams({ client_id: oauth.clientId, client_secret: oauth.clientSecret, ...form }),
	});
	if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
	return (await response.json()) as { access_token: string; refresh_token?: string };
}

/** The caller side of AccessTokenSource, counting refreshes so tests can see the 401 path. */
export class TestTokens implements AccessTokenSource {
	refreshes = 0;
	constructor(
		private readonly oauth: ProviderOAuth,
		private accessToken: string,
		private readonly refreshToken: string | null,
	) {}

	async get(): Promise<string> {
		return this.accessToken;
	}

	async refresh(): Promise<string> {
		this.refreshes += 1;
		if (this.refreshToken === null) throw new Error("no refresh token");
		this.accessToken = (await tokenRequest(this.oauth, { grant_type: "refresh_token", refresh_token: this.refreshToken })).access_token;
		return this.accessToken;
	}
}

export const testFetch = (input: string, init?: RequestInit): Promise<Response> => fetch(input, init);

export const DAY = 86_400_000;
/** Monday 1 June 2026, 10:00 in Berlin: the first booking of every test. */
export const T0 = Date.UTC(2026, 5, 1, 8, 0);

/** A one-hour booking at T0 in Berlin with a fresh id. */
export function booking(overrides: Partial<OutboundEvent> = {}): OutboundEvent {
	return {
		bookingId: `bkg_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`,
		title: "Physio, first visit",
		start: T0,
		end: T0 + 3_600_000,
		timeZone: "Europe/Berlin",
		description: "Line one\nLine two; with, punctuation",
		location: "Main street 1",
		color: { hex: "#4f46e5", name: "Physio" },
		recurrence: null,
		conference: null,
		...overrides,
	};
}

/** Four weekly bookings; the second moved a day later, the third cancelled. Occurs at T0, T0+8d, T0+21d. */
export function seriesWithExceptions(): OutboundEvent {
	return booking({
		recurrence: {
			frequency: "weekly",
			count: 4,
			exceptions: [
				{ kind: "moved", originalStart: T0 + 7 * DAY, start: T0 + 8 * DAY, end: T0 + 8 * DAY + 3_600_000 },
				{ kind: "cancelled", originalStart: T0 + 14 * DAY },
			],
		},
	});
}
