// Finishing an OAuth connection: read the account's calendars and address with the fresh token (which
// proves it works), then store the connection (or bring back the same account's) with its tokens sealed.
import { GoogleCalendar } from "../calendars/google";
import { MicrosoftCalendar } from "../calendars/microsoft";
import type { AccessTokenSource, CalendarProvider } from "../calendars/provider";
import { TokenRevokedError } from "../calendars/provider";
import type { ConnectionRow } from "../db/queries/connections";
import type { TokenSet } from "../oauth/client";
import { accountLabel } from "./account-label";
import { providerTimeoutMs } from "./adapters";
import type { OAuthProvider } from "./connection-oauth";
import { connect } from "./connection-lifecycle";
import type { SyncContext } from "./context";

/** A token that was just issued: nothing to refresh yet. */
function freshToken(provider: OAuthProvider, accessToken: string): AccessTokenSource {
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
	provider: OAuthProvider;
	tokens: TokenSet;
}

export async function connectOAuth(context: SyncContext, request: OAuthConnectRequest): Promise<ConnectionRow> {
	const calendars = await adapterWith(context.env, request.provider, request.tokens.accessToken).listCalendars();
	const label = await accountLabel(request.provider, calendars, context.env.MICROSOFT_GRAPH_API, request.tokens.accessToken);
	return connect(context, {
		merchantId: request.merchantId,
		staffId: request.staffId,
		provider: request.provider,
		accountLabel: label,
		credentials: { kind: "oauth", accessToken: request.tokens.accessToken, refreshToken: request.tokens.refreshToken, scope: request.tokens.scope },
		accessTokenExpiresAt: request.tokens.expiresAt,
		serverUrl: null,
		calendars,
	});
}
