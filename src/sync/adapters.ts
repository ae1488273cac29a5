// Opens the calendar adapter of a stored connection: decrypts its credentials and wires the
// provider's endpoints from the environment (the sandbox locally and in tests).
import { CalDavCalendar } from "../calendars/caldav";
import { GoogleCalendar } from "../calendars/google";
import { IcsFeed } from "../calendars/ics-feed";
import { MicrosoftCalendar } from "../calendars/microsoft";
import type { CalendarProvider } from "../calendars/provider";
import { ProviderError, TokenRevokedError } from "../calendars/provider";
import type { ConnectionRow } from "../db/queries/connections";
import type { ConnectionCredentials } from "./credentials";
import { StoredTokenSource } from "./tokens";
import type { TokenStoreContext } from "./tokens";

function providerFetch(input: string, init?: RequestInit): Promise<Response> {
	return fetch(input, init);
}

export async function decryptCredentials(context: TokenStoreContext, connection: ConnectionRow): Promise<ConnectionCredentials> {
	if (connection.credentials === null || connection.credentialsKeyId === null) throw new TokenRevokedError(connection.provider, 0, "noCredentials");
	return context.vault.open({ ciphertext: connection.credentials, keyId: connection.credentialsKeyId });
}

export async function openAdapter(context: TokenStoreContext, connection: ConnectionRow): Promise<CalendarProvider> {
	const credentials = await decryptCredentials(context, connection);
	switch (connection.provider) {
		case "google":
		case "microsoft": {
			if (credentials.kind !== "oauth") throw new TokenRevokedError(connection.provider, 0, "wrongCredentials");
			const tokens = new StoredTokenSource(context, { ...connection, provider: connection.provider }, credentials);
			return connection.provider === "google"
				? new GoogleCalendar({ tokens, fetch: providerFetch, apiBaseUrl: context.env.GOOGLE_CALENDAR_API })
				: new MicrosoftCalendar({ tokens, fetch: providerFetch, apiBaseUrl: context.env.MICROSOFT_GRAPH_API });
		}
		case "caldav":
		case "icloud": {
			if (credentials.kind !== "password") throw new TokenRevokedError(connection.provider, 0, "wrongCredentials");
			const serverUrl = connection.serverUrl ?? (connection.provider === "icloud" ? context.env.ICLOUD_CALDAV_URL : null);
			if (serverUrl === null) throw new ProviderError(connection.provider, 0, "noServerUrl", false, null);
			// The account label is the address the person signed in with: their own ATTENDEE line.
			const ownerEmail = connection.accountLabel.includes("@") ? connection.accountLabel : null;
			return new CalDavCalendar({ provider: connection.provider, serverUrl, username: credentials.username, password: credentials.password, fetch: providerFetch, ownerEmail });
		}
		case "ics":
			if (connection.serverUrl === null) throw new ProviderError("ics", 0, "noServerUrl", false, null);
			return new IcsFeed({ url: connection.serverUrl, ownerEmail: null, fetch: providerFetch });
	}
}
