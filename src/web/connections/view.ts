// The JSON a connection is shown as. Built field by field, so credentials can never slip into a response.
import type { ConnectionCalendarRow, ConnectionLogRow, ConnectionRow } from "../../db/queries/connections";

export interface ConnectionView {
	id: string;
	provider: ConnectionRow["provider"];
	staffId: string | null;
	account: string;
	status: ConnectionRow["status"];
	error: { kind: string; message: string } | null;
	lastSyncedAt: string | null;
	serverUrl: string | null;
	pendingPushes: { waiting: number; failed: number };
	calendars: Array<{ id: string; name: string; writable: boolean; write: boolean; checkConflicts: boolean }>;
}

export function connectionView(row: ConnectionRow, calendars: ConnectionCalendarRow[], pending: { waiting: number; failed: number }): ConnectionView {
	return {
		id: row.id,
		provider: row.provider,
		staffId: row.staffId,
		account: row.accountLabel,
		status: row.status,
		error: row.status === "error" ? { kind: row.errorKind ?? "unknown", message: row.statusMessage ?? "" } : null,
		lastSyncedAt: row.lastSyncedAt === null ? null : new Date(row.lastSyncedAt).toISOString(),
		serverUrl: row.serverUrl,
		pendingPushes: pending,
		calendars: calendars.map((c) => ({ id: c.id, name: c.name, writable: c.writable, write: c.isWriteTarget, checkConflicts: c.checkConflicts })),
	};
}

export function logView(rows: ConnectionLogRow[]): Array<{ at: string; operation: string; outcome: string; message: string | null }> {
	return rows.map((r) => ({ at: new Date(r.at).toISOString(), operation: r.operation, outcome: r.outcome, message: r.message }));
}
