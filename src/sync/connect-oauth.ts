// Finishing an OAuth connection: read the account's calendars and address (Zoom: who the user is) with the
// fresh token, which proves it works, then store the connection (or bring back the same account's) with its
// tokens sealed.
import { GoogleCalendar } from "../calendars/google";
import { MicrosoftCalendar } from "../calendars/microsoft";
import type { AccessTokenSource, CalendarProvider } from "../calendars/provider";
import { TokenRevokedError } from "../calendars/provider";
import type { ConnectionRow } from "../db/queries/connections";
import { ZoomApi } from "../meetings/zoom";
import type { TokenSet } from "../oauth/client";
import { accountLabel } from "./account-label";
import { providerTimeoutMs } from "./adapters";
import type { OAuthConnectionProvider, OAuthProvider } from "./connection-oauth";
import { connect } from "./connection-lifecycle";
import type { SyncContext } from "./context";

/** A token that was just issued: nothing to refresh yet. */
function freshToken(provider: OAuthConnectionProvider, accessToken: string): AccessTokenSource {
	return {
		get: async (): Promise<string> => accessToken,
		refresh: async (): Promise<string> => {
			throw new TokenRevokedError(provider, 401, "freshTokenRejected");
		},
	};
}

function adapterWith(env: Env, provider: OAuthProvider, accessToken: string): CalendarProvider {
	const config = { tokens: freshToken(provider, accessToken), fetch: (input: string, init?: RequestInit): Promise<Response> => fetch(input, init), timeoutMs: providerTimeoutMs(env) };
	return provider === "google" ? new GoogleCalendar({ ...config, apiBaseUrl: env.GOOGLE_CALENDAR_API }) : new MicrosoftCalendar({ ...config, apiBaseUrl: env.MICROSOFT_GRAPH_API });
}

export interface OAuthConnectRequest {
	merchantId: string;
	staffId: string | null;
	provider: OAuthConnectionProvider;
	tokens: TokenSet;
}

export async function connectOAuth(context: SyncContext, request: OAuthConnectRequest): Promise<ConnectionRow> {
	const credentials = { kind: "oauth" as const, accessToken: request.tokens.accessToken, refreshToken: request.tokens.refreshToken, scope: request.tokens.scope };
	if (request.provider === "zoom") {
		// The account label is the Zoom user's address; the user id finds the connection an app_deauthorized names.
		const user = await new ZoomApi({ api: context.env.ZOOM_API, tokens: freshToken("zoom", request.tokens.accessToken), fetch: (input, init) => fetch(input, init), timeoutMs: providerTimeoutMs(context.env) }).me();
		return connect(context, {
			merchantId: request.merchantId,
			staffId: request.staffId,
			provider: "zoom",
			accountLabel: user.email === "" ? "Zoom account" : user.email,
			externalAccountId: user.id,
			credentials,
			accessTokenExpiresAt: request.tokens.expiresAt,
			serverUrl: null,
			calendars: [],
		});
	}
	const calendars = await adapterWith(context.env, request.provider, request.tokens.accessToken).listCalendars();
	const label = await accountLabel(request.provider, calendars, context.env.MICROSOFT_GRAPH_API, request.tokens.accessToken);
	return connect(context, {
		merchantId: request.merchantId,
		staffId: request.staffId,
		provider: request.provider,
		accountLabel: label,
		externalAccountId: null,
		credentials,
		accessTokenExpiresAt: request.tokens.expiresAt,
		serverUrl: null,
		calendars,
	});
}
