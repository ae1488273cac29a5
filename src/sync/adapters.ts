// Opens the calendar adapter of a stored connection (or of credentials about to be stored): decrypts its
// credentials, re-sealing them under the current key on the way, and wires the provider's endpoints from
// the environment (the sandbox locally and in tests).
import { and, eq } from "drizzle-orm";
import { CalDavCalendar } from "../calendars/caldav";
import { GoogleCalendar } from "../calendars/google";
import { IcsFeed } from "../calendars/ics-feed";
import { MicrosoftCalendar } from "../calendars/microsoft";
import type { CalendarProvider, ProviderName } from "../calendars/provider";
import { ProviderError, TokenRevokedError } from "../calendars/provider";
import type { ConnectionRow } from "../db/queries/connections";
import { isCalendarConnection } from "../db/queries/connections";
import { calendarConnections, staff } from "../db/schema";
import type { ConnectionCredentials } from "./credentials";
import { StoredTokenSource } from "./tokens";
import type { TokenStoreContext } from "./tokens";

function providerFetch(input: string, init?: RequestInit): Promise<Response> {
	return fetch(input, init);
}

/**
 * How long one provider request may take (PROVIDER_TIMEOUT_MS; the adapters' 30 s when unset or not a
 * positive number). The fault suite shortens it so writes time out after the provider acted on them.
 */
export function providerTimeoutMs(env: Pick<Env, "PROVIDER_TIMEOUT_MS">): number | undefined {
	const value = Number(env.PROVIDER_TIMEOUT_MS);
	return Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * The connection's credentials. A record sealed with an older key is re-sealed with the current one
 * here, on use, so an old key can leave ENCRYPTION_KEYS once every record has been used (the cron
 * re-seals idle ones); a legacy ICS connection's plain feed URL moves into its sealed credentials.
 */
export async function decryptCredentials(context: TokenStoreContext, connection: ConnectionRow): Promise<ConnectionCredentials> {
	return (await openCredentials(context, connection)).credentials;
}

/**
 * decryptCredentials, also returning the connection as it is stored afterwards (with the re-sealed
 * record when it was re-sealed), which is what a later write of refreshed tokens must find unchanged.
 */
export async function openCredentials(context: TokenStoreContext, connection: ConnectionRow): Promise<{ credentials: ConnectionCredentials; stored: ConnectionRow }> {
	if (connection.credentials === null || connection.credentialsKeyId === null) throw new TokenRevokedError(connection.provider, 0, "noCredentials");
	const sealed = { ciphertext: connection.credentials, keyId: connection.credentialsKeyId };
	const opened = await context.vault.open(sealed);
	const legacyFeed = connection.provider === "ics" && opened.kind === "none" && connection.serverUrl !== null;
	const credentials: ConnectionCredentials = legacyFeed ? { kind: "feed", url: connection.serverUrl ?? "" } : opened;
	if (!legacyFeed && !context.vault.needsRotation(sealed)) return { credentials, stored: connection };
	const resealed = await reseal(context, connection, credentials);
	return { credentials, stored: resealed === null ? connection : { ...connection, ...resealed } };
}

/**
 * Stores the same credentials sealed with the current key. Only if the record is still the one that
 * was read: a token refresh that stored newer tokens meanwhile wins (it sealed with the current key too).
 * Returns what changed in the row, or null when it had moved on.
 */
async function reseal(context: TokenStoreContext, connection: ConnectionRow, credentials: ConnectionCredentials): Promise<Pick<ConnectionRow, "credentials" | "credentialsKeyId" | "serverUrl"> | null> {
	const sealed = await context.vault.seal(credentials);
	const stored = await context.db
		.update(calendarConnections)
		.set({ credentials: sealed.ciphertext, credentialsKeyId: sealed.keyId, ...(credentials.kind === "feed" ? { serverUrl: null } : {}) })
		.where(and(eq(calendarConnections.id, connection.id), eq(calendarConnections.credentials, connection.credentials ?? "")))
		.returning({ id: calendarConnections.id });
	if (stored.length === 0) return null;
	return { credentials: sealed.ciphertext, credentialsKeyId: sealed.keyId, serverUrl: credentials.kind === "feed" ? null : connection.serverUrl };
}

/** `ownAddresses` when the caller already knows them (the poller keeps them between polls), else read from D1. */
export async function openAdapter(context: TokenStoreContext, connection: ConnectionRow, ownAddresses?: string[]): Promise<CalendarProvider> {
	// Callers reach calendars through connection_calendars, which a Zoom connection never has: this is a bug, said plainly.
	if (!isCalendarConnection(connection)) throw new ProviderError({ provider: connection.provider, status: 0, code: "noCalendars", retryable: false, detail: "a Zoom connection has no calendars" });
	const { credentials, stored } = await openCredentials(context, connection);
	switch (connection.provider) {
		case "google":
		case "microsoft": {
			if (credentials.kind !== "oauth") throw new TokenRevokedError(connection.provider, 0, "wrongCredentials");
			const tokens = new StoredTokenSource(context, { ...stored, provider: connection.provider }, credentials);
			const timeoutMs = providerTimeoutMs(context.env);
			return connection.provider === "google"
				? new GoogleCalendar({ tokens, fetch: providerFetch, apiBaseUrl: context.env.GOOGLE_CALENDAR_API, timeoutMs })
				: new MicrosoftCalendar({ tokens, fetch: providerFetch, apiBaseUrl: context.env.MICROSOFT_GRAPH_API, timeoutMs });
		}
		case "caldav":
		case "icloud":
		case "ics":
			return unstoredAdapter(context.env, { provider: connection.provider, credentials, serverUrl: connection.serverUrl, accountLabel: connection.accountLabel }, ownAddresses ?? (await ownAddressesOf(context, connection)));
	}
}

/**
 * The addresses that are the connection owner's own in iCalendar ATTENDEE lines: the staff member's
 * email and the ones the admin added for them (none for the business calendar). Google and Graph
 * mark the owner's attendee themselves; CalDAV and ICS feeds are matched by address.
 */
export async function ownAddressesOf(context: Pick<TokenStoreContext, "db">, connection: ConnectionRow): Promise<string[]> {
	if (connection.staffId === null) return [];
	const member = await context.db.query.staff.findFirst({ where: eq(staff.id, connection.staffId), columns: { email: true, calendarAddresses: true } });
	return member === undefined ? [] : [member.email, ...member.calendarAddresses];
}

export interface UnstoredConnection {
	provider: Exclude<ProviderName, "google" | "microsoft">;
	credentials: ConnectionCredentials;
	serverUrl: string | null;
	accountLabel: string;
}

/**
 * The adapter of a password or feed connection from its credentials alone, so they can be tried
 * (listCalendars) before anything is stored.
 */
export function unstoredAdapter(env: Pick<Env, "ICLOUD_CALDAV_URL" | "PROVIDER_TIMEOUT_MS">, connection: UnstoredConnection, ownAddresses: readonly string[] = []): CalendarProvider {
	const timeoutMs = providerTimeoutMs(env);
	const { provider, credentials } = connection;
	if (provider === "ics") {
		if (credentials.kind !== "feed") throw new TokenRevokedError("ics", 0, "wrongCredentials");
		return new IcsFeed({ url: credentials.url, ownAddresses, fetch: providerFetch, timeoutMs });
	}
	if (credentials.kind !== "password") throw new TokenRevokedError(provider, 0, "wrongCredentials");
	const serverUrl = connection.serverUrl ?? (provider === "icloud" ? env.ICLOUD_CALDAV_URL : null);
	if (serverUrl === null) throw new ProviderError({ provider, status: 0, code: "noServerUrl", retryable: false });
	// An account label that is an address (an Apple ID, say) is the one the person signed in with.
	const addresses = connection.accountLabel.includes("@") ? [...ownAddresses, connection.accountLabel] : ownAddresses;
	return new CalDavCalendar({ provider, serverUrl, username: credentials.username, password: credentials.password, fetch: providerFetch, ownAddresses: addresses, timeoutMs });
}
