// Which calendars are polled rather than pushed, and how the rest of the app reaches their poller
// (the Durable Object in poller.ts, one per connection): ensure() starts its schedule if none runs,
// status() says what the Integrations page shows. Callers import this, never the object's code.
import type { ProviderName } from "../calendars/provider";
import type { ConnectionCalendarRow, ConnectionRow } from "../db/queries/connections";
import { isCalendarProvider } from "../db/queries/connections";
import type { ConnectionProvider } from "../db/schema";
import { errorFields, logLine } from "../log";
import type { CalendarPoller } from "./poller";

/** Providers that cannot push (docs/providers.md C5): every checked calendar of theirs is polled. */
export const POLLED_PROVIDERS: readonly ProviderName[] = ["caldav", "icloud", "ics"];

export function isPolledProvider(provider: ConnectionProvider): boolean {
	return isCalendarProvider(provider) && POLLED_PROVIDERS.includes(provider);
}

/** The connection may be read: not disconnected, and its grant or password not refused. */
export function isReadable(connection: Pick<ConnectionRow, "status" | "errorKind">): boolean {
	return connection.status !== "disconnected" && connection.errorKind !== "reauthorize";
}

export type PolledCalendarFields = Pick<ConnectionCalendarRow, "checkConflicts" | "readable" | "pushChannelId" | "lastSyncedAt" | "unavailableSince">;

/**
 * A checked calendar the poller reads: any of a provider that cannot push, and a Google or Microsoft
 * calendar whose push channel could not be opened (it has synced, which tried to open one, and has
 * none). An unavailable Google or Microsoft calendar is left to the cron's sync, which also reopens
 * its channel once it is back.
 */
export function isPolled(provider: ConnectionProvider, calendar: PolledCalendarFields): boolean {
	if (!isCalendarProvider(provider) || !calendar.checkConflicts || !calendar.readable) return false;
	if (isPolledProvider(provider)) return true;
	return calendar.pushChannelId === null && calendar.lastSyncedAt !== null && calendar.unavailableSince === null;
}

/** What the poller knows about one calendar. Instants are epoch ms. */
export interface PollStatus {
	calendarId: string;
	/** The last poll that got an answer. */
	lastCheckedAt: number | null;
	/** The last poll that found the calendar's events changed. */
	lastChangedAt: number | null;
	/** The interval the last poll chose. */
	intervalMs: number;
	/** Null while stopped (grant refused, calendar gone) until ensure() is called again. */
	nextAt: number | null;
	/** Polls that failed in a row (0 after one that did not). */
	failures: number;
	/** Why the last poll failed or stopped (errorSummary: typed fields only, never a credential). */
	lastError: string | null;
}

/** The poller of a connection; named by the connection id. */
export function calendarPoller(env: Env, connectionId: string): DurableObjectStub<CalendarPoller> {
	return env.CALENDAR_POLLER.get(env.CALENDAR_POLLER.idFromName(connectionId)) as DurableObjectStub<CalendarPoller>;
}

/**
 * Makes sure the connection's poller runs and re-reads the connection on its next poll (after a connect,
 * a calendar choice, a re-authorisation, a disconnect). Never throws: the cron ensures every polled
 * connection every 5 minutes, so a poller that could not be reached now is started then.
 */
export async function ensurePolling(env: Env, connectionId: string): Promise<void> {
	try {
		await calendarPoller(env, connectionId).ensure(connectionId);
	} catch (error) {
		logLine("warn", "calendar poller not reached; the cron starts it", { connectionId, error: errorFields(error) });
	}
}

/**
 * The poller's view of each polled calendar of a connection (one RPC, and none for a connection with
 * nothing polled). Empty when the poller cannot be reached: the page shows the rest without it.
 */
export async function pollStatusOf(env: Env, connection: ConnectionRow, calendars: PolledCalendarFields[]): Promise<Map<string, PollStatus>> {
	if (!isReadable(connection) || !calendars.some((calendar) => isPolled(connection.provider, calendar))) return new Map();
	try {
		const rows = await calendarPoller(env, connection.id).status();
		return new Map(rows.map((row) => [row.calendarId, row]));
	} catch (error) {
		logLine("warn", "calendar poller status not read", { connectionId: connection.id, error: errorFields(error) });
		return new Map();
	}
}
