// Connection health: the error states a connection enters (re-authorise, calendar unavailable, pushes
// failed), the owners' alert email, and the retries that bring it back.
import { eq } from "drizzle-orm";
import { logOperation, setStatus } from "../db/queries/connections";
import type { ConnectionCalendarRow, ConnectionRow, PendingSelection } from "../db/queries/connections";
import { ownersOf } from "../db/queries/users";
import { connectionCalendars } from "../db/schema";
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
		default:
			return `Slotline lost access to ${connection.accountLabel}. Reconnect this calendar to resume syncing.`;
	}
}

/** The grant is gone: Error with a request to re-authorise, and the owner is told once. */
export async function needsReauthorization(context: SyncContext, connection: ConnectionRow): Promise<void> {
	if (connection.status === "error" && connection.errorKind === "reauthorize") return;
	const message = reauthorizationMessage(connection);
	await setStatus(context.db, connection.id, "error", { kind: "reauthorize", message }, context.now());
	await alertOwners(context, connection, message);
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
			await context.mailer.send({ to: owner.email, subject: `Calendar sync needs attention (${owner.merchantName})`, text: `${message}\n\nOpen ${url} to fix it.\n` });
		} catch (error) {
			await logOperation(context.db, connection.id, "alert-owner", "error", errorSummary(error), context.now());
		}
	}
}
