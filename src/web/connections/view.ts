// The JSON a connection is shown as. Built field by field, so credentials can never slip into a response.
import type { ConnectionCalendarRow, ConnectionLogRow, ConnectionRow } from "../../db/queries/connections";
import { meetingRefusal } from "../../meetings/event-meetings";
import type { PollStatus } from "../../sync/polling";

export interface ConnectionView {
	id: string;
	provider: ConnectionRow["provider"];
	staffId: string | null;
	account: string;
	status: ConnectionRow["status"];
	error: { kind: string; message: string } | null;
	lastSyncedAt: string | null;
	/** The CalDAV server. Never an ICS feed's URL (it may hold a secret token): `account` shows it masked. */
	serverUrl: string | null;
	pendingPushes: { waiting: number; failed: number };
	calendars: Array<{
		id: string;
		name: string;
		writable: boolean;
		/** False for calendars Slotline may not read (owned by someone else): they cannot be checked for conflicts. */
		readable: boolean;
		write: boolean;
		checkConflicts: boolean;
		/** When the provider stopped letting us read it (deleted, unshared); it blocks nothing meanwhile. */
		unavailableSince: string | null;
		/** What its poller saw, for a polled calendar (src/sync/polling.ts); null for one read by push. */
		polling: CalendarPolling | null;
		/** Why its events cannot carry Meet (Google) or Teams (Microsoft), e.g. a Workspace setting; null when they can. */
		meetingRefusal: string | null;
	}>;
}

export interface CalendarPolling {
	/** The last check that got an answer. */
	lastCheckedAt: string | null;
	/** The last check that found its events changed. */
	lastChangedAt: string | null;
	/** Its current cadence (15-30 s while it matters, up to 5 minutes when idle, longer while failing). */
	everySeconds: number;
	/** The last check failed; it is being retried with backoff. */
	failing: boolean;
	/** Why the last check failed or checks paused: provider, status and code only. */
	lastError: string | null;
	/** Not checked until the connection is fixed or the calendar is back. */
	paused: boolean;
}

export function connectionView(row: ConnectionRow, calendars: ConnectionCalendarRow[], pending: { waiting: number; failed: number }, polling: ReadonlyMap<string, PollStatus>): ConnectionView {
	return {
		id: row.id,
		provider: row.provider,
		staffId: row.staffId,
		account: row.accountLabel,
		status: row.status,
		error: row.status === "error" ? { kind: row.errorKind ?? "unknown", message: row.statusMessage ?? "" } : null,
		lastSyncedAt: row.lastSyncedAt === null ? null : new Date(row.lastSyncedAt).toISOString(),
		// A feed connection made before feed URLs were sealed still has it here until its next read.
		serverUrl: row.provider === "ics" || row.serverUrl === null ? null : withoutCredentials(row.serverUrl),
		pendingPushes: pending,
		calendars: calendars.map((c) => ({
			id: c.id,
			name: c.name,
			writable: c.writable,
			readable: c.readable,
			write: c.isWriteTarget,
			checkConflicts: c.checkConflicts,
			unavailableSince: c.unavailableSince === null ? null : new Date(c.unavailableSince).toISOString(),
			polling: pollingView(polling.get(c.id)),
			meetingRefusal: meetingRefusal(row.provider, c.onlineMeetings),
		})),
	};
}

function pollingView(status: PollStatus | undefined): CalendarPolling | null {
	if (status === undefined) return null;
	return {
		lastCheckedAt: isoOrNull(status.lastCheckedAt),
		lastChangedAt: isoOrNull(status.lastChangedAt),
		everySeconds: Math.round(status.intervalMs / 1000),
		failing: status.failures > 0,
		lastError: status.lastError,
		paused: status.nextAt === null,
	};
}

function isoOrNull(instant: number | null): string | null {
	return instant === null ? null : new Date(instant).toISOString();
}

export function logView(rows: ConnectionLogRow[]): Array<{ at: string; operation: string; outcome: string; message: string | null }> {
	return rows.map((r) => ({ at: new Date(r.at).toISOString(), operation: r.operation, outcome: r.outcome, message: r.message }));
}

/** A server address as shown: one stored with a name and password in it (before they were refused) loses them. */
function withoutCredentials(url: string): string {
	const parsed = URL.parse(url);
	if (parsed === null || (parsed.username === "" && parsed.password === "")) return url;
	parsed.username = "";
	parsed.password = "";
	return parsed.toString();
}
