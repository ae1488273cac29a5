// Connection health: the error states a connection enters (re-authorise, calendar unavailable, pushes
// failed), the owners' alert email, and the retries that bring it back.
import { and, eq, isNull, ne, or } from "drizzle-orm";
import { logOperation, setStatus } from "../db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow, PendingSelection } from "../db/queries/connections";
import { ownersOf } from "../db/queries/users";
import { calendarConnections, connectionCalendars } from "../db/schema";
import { drainPending } from "./connection-jobs";
import type { SyncContext } from "./context";
import { errorSummary } from "./error-summary";

/** What the person is asked to do when the provider refuses the stored credentials. */
function reauthorizationMessage(connection: ConnectionRow): string {
	switch (connection.provider) {
		case "icloud":
			return `iCloud refused the app-specific password for ${connection.accountLabel}. App-specific passwords stop working when the Apple ID password changes or they are revoked; make a new one at appleid.apple.com and re-enter it here.`;
		case "caldav":
			return `The calendar server refused the saved password for ${connection.accountLabel}. Re-enter the password to resume syncing.`;
		case "zoom":
			return `Zoom no longer accepts Slotline's access to ${connection.accountLabel} (the access was revoked or expired, or Zoom's answer to a token refresh was lost, which ends the old token). Reconnect Zoom to resume making meeting links; bookings waiting for a link get it then.`;
		default:
			return `Slotline lost access to ${connection.accountLabel}. Reconnect this calendar to resume syncing.`;
	}
}

/**
 * The grant is gone: Error with a request to re-authorise, and the owners are told once. The row decides,
 * not the caller's copy of it: two callers that both saw it active (the token source and a job) alert once,
 * and a disconnected connection stays disconnected. `message` (why, when the caller knows better) replaces
 * the one shown even when the connection already waited for re-authorisation.
 */
export async function needsReauthorization(context: SyncContext, connection: ConnectionRow, message?: string): Promise<void> {
	const text = message ?? reauthorizationMessage(connection);
	const now = context.now();
	const moved = await context.db
		.update(calendarConnections)
		.set({ status: "error", errorKind: "reauthorize", statusMessage: text, updatedAt: now })
		.where(
			and(
				eq(calendarConnections.id, connection.id),
				ne(calendarConnections.status, "disconnected"),
				or(ne(calendarConnections.status, "error"), isNull(calendarConnections.errorKind), ne(calendarConnections.errorKind, "reauthorize")),
			),
		)
		.returning({ id: calendarConnections.id });
	if (moved.length === 0) {
		if (message !== undefined) await context.db.update(calendarConnections).set({ statusMessage: message, updatedAt: now }).where(and(eq(calendarConnections.id, connection.id), eq(calendarConnections.errorKind, "reauthorize")));
		return;
	}
	await alertOwners(context, connection, text);
}

/** The write calendar is gone or read-only: Error naming it; pushes wait until another is picked. */
export async function calendarUnavailable(context: SyncContext, connection: ConnectionRow, calendar: ConnectionCalendarRow): Promise<void> {
	if (connection.status === "error" && connection.errorKind === "calendar-unavailable") return;
	const message = `The calendar "${calendar.name}" was deleted or can no longer be written to. Pick another calendar for bookings.`;
	await context.db.update(connectionCalendars).set({ writable: false }).where(eq(connectionCalendars.id, calendar.id));
	await setStatus(context.db, connection.id, "error", { kind: "calendar-unavailable", message }, context.now());
	await alertOwners(context, connection, message);
}

/** Pushes exhausted their retries: Error until they are retried. */
export async function pushesFailed(context: SyncContext, connection: ConnectionRow, detail: string): Promise<void> {
	if (connection.status !== "active") return;
	await setStatus(context.db, connection.id, "error", { kind: "push-failed", message: `Some bookings could not be written to the calendar (${detail}). Retry them from the Integrations page.` }, context.now());
}

/** The admin's retry: every failed push (also 4xx ones that failed for good) and every waiting one. */
export async function retryFailed(context: SyncContext, connection: ConnectionRow): Promise<number> {
	return retry(context, connection, ["failed-any", "waiting"], "retry-failed");
}

/**
 * The cron's retry of a push-failed connection: only pushes that may succeed by trying again (they ran
 * out of retries); a 4xx that cannot succeed stays failed until the admin retries it by hand.
 */
export async function retryRetryable(context: SyncContext, connection: ConnectionRow): Promise<number> {
	return retry(context, connection, ["failed-retryable", "waiting"], "auto-retry");
}

async function retry(context: SyncContext, connection: ConnectionRow, selection: PendingSelection[], operation: string): Promise<number> {
	if (connection.status === "error" && connection.errorKind === "push-failed") await setStatus(context.db, connection.id, "active", null, context.now());
	const count = await drainPending(context, connection.id, selection);
	await logOperation(context.db, connection.id, operation, "ok", `${count} pushes queued`, context.now());
	return count;
}

async function alertOwners(context: SyncContext, connection: ConnectionRow, message: string): Promise<void> {
	const owners = await ownersOf(context.db, connection.merchantId);
	const url = new URL("/admin/integrations", context.env.APP_URL).toString();
	for (const owner of owners) {
		try {
			const subject = connection.provider === "zoom" ? `Zoom needs attention (${owner.merchantName})` : `Calendar sync needs attention (${owner.merchantName})`;
			await context.mailer.send({ to: owner.email, subject, text: `${message}\n\nOpen ${url} to fix it.\n` });
		} catch (error) {
			await logOperation(context.db, connection.id, "alert-owner", "error", errorSummary(error), context.now());
		}
	}
}
