// Access to a Zoom account: which connection hosts a staff member's meetings, its tokens (refreshed under
// the connection's lease, src/sync/tokens.ts), the grant's revocation, and the meetings that waited for a
// Zoom connection, sent on when one is (re)connected.
import { and, eq, inArray, isNull, ne, or } from "drizzle-orm";
import type { AccessTokenSource } from "../calendars/provider";
import { TokenRevokedError } from "../calendars/provider";
import type { Database } from "../db/client";
import { logOperation } from "../db/queries/connections";
import type { ConnectionRow } from "../db/queries/connections";
import { bookingMeetings, bookings, calendarConnections } from "../db/schema";
import { sendJobs } from "../jobs";
import type { MeetingPushJob } from "../jobs";
import { openCredentials } from "../sync/adapters";
import { needsReauthorization } from "../sync/connection-health";
import { zoomOAuth } from "../sync/connection-oauth";
import type { SyncContext } from "../sync/context";
import { errorSummary } from "../sync/error-summary";
import { StoredTokenSource } from "../sync/tokens";

/**
 * The Zoom connection that hosts a staff member's meetings: their own live (not disconnected) one, else the
 * business's; null when neither exists. One needing re-authorisation still counts: its meetings wait for it.
 */
export async function zoomHostConnection(db: Database, merchantId: string, staffId: string): Promise<ConnectionRow | null> {
	return zoomHostOf(await zoomConnectionsFor(db, merchantId, staffId), staffId);
}

/** zoomHostConnection's rule over connections already read (any of the merchant's: others are ignored). */
export function zoomHostOf(connections: readonly ConnectionRow[], staffId: string | null): ConnectionRow | null {
	const live = connections.filter((row) => row.provider === "zoom" && row.status !== "disconnected");
	return (staffId === null ? undefined : live.find((row) => row.staffId === staffId)) ?? live.find((row) => row.staffId === null) ?? null;
}

async function zoomConnectionsFor(db: Database, merchantId: string, staffId: string): Promise<ConnectionRow[]> {
	return db
		.select()
		.from(calendarConnections)
		.where(
			and(
				eq(calendarConnections.merchantId, merchantId),
				eq(calendarConnections.provider, "zoom"),
				ne(calendarConnections.status, "disconnected"),
				or(eq(calendarConnections.staffId, staffId), isNull(calendarConnections.staffId)),
			),
		)
		.all();
}

/**
 * The access tokens of a Zoom connection: its sealed credentials opened (and re-sealed under the current
 * key), refreshed shortly before expiry or after a 401, one refresh at a time across isolates, the rotated
 * pair stored before the new access token is handed out. A grant Zoom refuses (invalid_grant, also after a
 * refresh whose answer was lost) puts the connection in "needs re-authorisation" and alerts the owners here,
 * whoever asked for the token, so it never fails silently.
 */
export async function zoomTokens(context: SyncContext, connection: ConnectionRow): Promise<AccessTokenSource> {
	if (connection.provider !== "zoom") throw new TokenRevokedError(connection.provider, 0, "notZoom");
	const { credentials, stored } = await openCredentials(context, connection);
	if (credentials.kind !== "oauth") throw new TokenRevokedError("zoom", 0, "wrongCredentials");
	const source = new StoredTokenSource(context, { ...stored, provider: "zoom" }, credentials);
	const revoked = async (error: unknown): Promise<never> => {
		if (error instanceof TokenRevokedError) {
			await logOperation(context.db, connection.id, "refresh-token", "error", errorSummary(error), context.now());
			await needsReauthorization(context, connection);
		}
		throw error;
	};
	return {
		get: (): Promise<string> => source.get().catch(revoked),
		refresh: (): Promise<string> => source.refresh().catch(revoked),
	};
}

/**
 * Ends the connection's grant at Zoom (Disconnect), best effort: a failure is logged and the credentials
 * are deleted all the same, so nothing of ours can use them again.
 */
export async function revokeZoomGrant(context: SyncContext, connection: ConnectionRow): Promise<void> {
	if (connection.credentials === null) return;
	try {
		const { credentials } = await openCredentials(context, connection);
		if (credentials.kind !== "oauth") return;
		await zoomOAuth(context.env).revoke(credentials.refreshToken ?? credentials.accessToken);
	} catch (error) {
		await logOperation(context.db, connection.id, "revoke", "error", errorSummary(error), context.now());
	}
}

/**
 * Sends on the Zoom meetings that waited for a connection (this one, or none: their host was removed or
 * deauthorised): one meeting.push each, and the meeting job picks the host now in place. Returns how many.
 */
export async function resumeZoomMeetings(context: SyncContext, connection: ConnectionRow): Promise<number> {
	const rows = await context.db
		.select({ bookingId: bookingMeetings.bookingId, version: bookings.version })
		.from(bookingMeetings)
		.innerJoin(bookings, eq(bookings.id, bookingMeetings.bookingId))
		.where(
			and(
				eq(bookingMeetings.merchantId, connection.merchantId),
				eq(bookingMeetings.provider, "zoom"),
				inArray(bookingMeetings.state, ["pending", "creating"]),
				or(eq(bookingMeetings.connectionId, connection.id), isNull(bookingMeetings.connectionId)),
			),
		)
		.all();
	const jobs: MeetingPushJob[] = rows.map((row) => ({ type: "meeting.push", merchantId: connection.merchantId, bookingId: row.bookingId, version: row.version }));
	await sendJobs(context.queue, jobs);
	return jobs.length;
}
