// Connection lifecycle: connect (or reconnect the same account) once its credentials have proved to work,
// and disconnect (by the admin, or for a deactivated staff member). Calendars and Zoom alike.
import { eq, sql } from "drizzle-orm";
import { merchantSchedule } from "../booking/merchant-schedule";
import { maskFeedUrl } from "../calendars/ics-feed";
import type { CalendarInfo } from "../calendars/provider";
import { ProviderError } from "../calendars/provider";
import type { Database } from "../db/client";
import { calendarsOf, connectionById, connectionsOf, findSameAccount, liveBusinessConnection, logOperation } from "../db/queries/connections";
import type { ConnectionRow } from "../db/queries/connections";
import { calendarConnections, connectionCalendars } from "../db/schema";
import type { ConnectionProvider } from "../db/schema";
import { AppError } from "../errors";
import { newId } from "../ids";
import { resumeZoomMeetings, revokeZoomGrant } from "../meetings/zoom-access";
import { decryptCredentials, unstoredAdapter } from "./adapters";
import type { UnstoredConnection } from "./adapters";
import { chooseCalendars, storeCalendars } from "./connection-calendars";
import { enqueueSyncs, resync } from "./connection-jobs";
import { adapterFor } from "./context";
import type { SyncContext } from "./context";
import { CredentialKeyError } from "./credentials";
import type { ConnectionCredentials } from "./credentials";
import { errorSummary } from "./error-summary";
import { ensurePolling, isPolledProvider } from "./polling";

/** 409: the merchant has a calendar for the whole business already; only one is allowed. */
export class BusinessCalendarTakenError extends AppError {
	readonly status = 409;
	readonly code = "business-calendar-exists";
	readonly title = "The business already has a calendar";

	constructor(readonly existing: { id: string; account: string }) {
		super(`The business calendar is already ${existing.account}. Disconnect it before connecting another one.`);
	}

	override extensions(): Record<string, unknown> {
		return { connectionId: this.existing.id };
	}
}

/** 409: the staff member (or the business) has a live Zoom connection of another Zoom user already. */
export class ZoomTakenError extends AppError {
	readonly status = 409;
	readonly code = "zoom-exists";
	readonly title = "Zoom is connected already";

	constructor(readonly existing: { id: string; account: string }) {
		super(`Zoom is already connected as ${existing.account}. Disconnect it before connecting another Zoom account.`);
	}

	override extensions(): Record<string, unknown> {
		return { connectionId: this.existing.id };
	}
}

export interface ConnectRequest {
	merchantId: string;
	staffId: string | null;
	provider: ConnectionProvider;
	accountLabel: string;
	/** The provider's id of the account (Zoom's user id); null for calendar providers. */
	externalAccountId: string | null;
	credentials: ConnectionCredentials;
	accessTokenExpiresAt: number | null;
	serverUrl: string | null;
	/** The account's calendars, just read with these credentials: nothing is stored before they worked (none for Zoom). */
	calendars: CalendarInfo[];
}

/**
 * Stores a new connection, or brings back the existing one for the same account (keeping its
 * calendars and event links, so nothing is written twice), with credentials that have just worked.
 * A business-wide connection is refused while another account is the business calendar.
 */
export async function connect(context: SyncContext, request: ConnectRequest): Promise<ConnectionRow> {
	const now = context.now();
	const existing = request.provider === "zoom" ? await sameZoomConnection(context, request) : await findSameConnection(context, request);
	if (request.staffId === null && request.provider !== "zoom") {
		const business = await liveBusinessConnection(context.db, request.merchantId);
		if (business !== null && business.id !== existing?.id) throw new BusinessCalendarTakenError({ id: business.id, account: business.accountLabel });
	}
	const sealed = await context.vault.seal(request.credentials);
	const id = existing?.id ?? newId("con");
	const stored = { credentials: sealed.ciphertext, credentialsKeyId: sealed.keyId, accessTokenExpiresAt: request.accessTokenExpiresAt, serverUrl: request.serverUrl };
	try {
		if (existing === null) {
			await context.db.insert(calendarConnections).values({
				id,
				merchantId: request.merchantId,
				staffId: request.staffId,
				provider: request.provider,
				accountLabel: request.accountLabel,
				externalAccountId: request.externalAccountId,
				status: "active",
				updatedAt: now,
				...stored,
			});
		} else {
			// A Zoom account's address may have changed, or been erased when the app was removed in Zoom.
			const account = request.provider === "zoom" ? { accountLabel: request.accountLabel, externalAccountId: request.externalAccountId } : {};
			await context.db
				.update(calendarConnections)
				.set({ ...stored, ...account, status: "active", errorKind: null, statusMessage: null, retryAttempts: 0, nextRetryAt: null, refreshLeaseUntil: null, updatedAt: now })
				.where(eq(calendarConnections.id, id));
		}
	} catch (error) {
		// Two Zoom connections of one owner raced past the check: the unique index kept the first.
		if (request.provider === "zoom") await sameZoomConnection(context, request);
		// Two business connections raced past the check: the unique index kept the first.
		const business = request.staffId === null ? await liveBusinessConnection(context.db, request.merchantId) : null;
		if (business !== null && business.id !== id) throw new BusinessCalendarTakenError({ id: business.id, account: business.accountLabel });
		throw error;
	}
	await logOperation(context.db, id, existing === null ? "connect" : "reconnect", "ok", null, now);
	const connection = await mustConnection(context.db, id);
	if (request.provider === "zoom") {
		// No calendars: what waited for a Zoom host (a lost grant, a removed app, no Zoom yet) goes out now.
		await resumeZoomMeetings(context, connection);
		return connection;
	}
	const rows = await storeCalendars(context, connection, request.calendars);
	const listedIds = new Set(request.calendars.map((c) => c.id));
	// No write calendar yet, or the chosen one is no longer in the account: fall back to the main one.
	if (!rows.some((c) => c.isWriteTarget && listedIds.has(c.externalId))) {
		// A sensible default the person can change: write to, and check, the account's main calendar.
		const primary = request.calendars.find((c) => c.primary && c.writable);
		const row = rows.find((r) => r.externalId === primary?.id);
		if (row !== undefined) await chooseCalendars(context, connection, { writeCalendarId: row.id, conflictCalendarIds: row.readable ? [row.id] : [] });
		// A feed cannot be written to: it is there to block time.
		else if (request.provider === "ics" && rows[0] !== undefined) await chooseCalendars(context, connection, { writeCalendarId: null, conflictCalendarIds: [rows[0].id] });
	}
	// Work that waited for this account (revoked grant) goes out now; a reconnect after a
	// disconnect pushes everything again, updating the events it had already written.
	if (existing !== null) await resync(context, connection);
	// A reconnected account syncs its checked calendars again (and reopens their channels).
	if (existing !== null) await enqueueSyncs(context, (await calendarsOf(context.db, id)).filter((c) => c.checkConflicts).map((c) => c.id), "connect");
	// A new or re-entered password, or a feed: its poller starts (again) and reads the connection afresh.
	if (isPolledProvider(request.provider)) await ensurePolling(context.env, id);
	return mustConnection(context.db, id);
}

/**
 * The Zoom connection a new grant goes into: the owner's live one when it is the same Zoom user (or its
 * account was erased when the app was removed in Zoom), which keeps the row and what waits on it; else a
 * disconnected one of the same user. A live one of another Zoom user is refused: one Zoom per owner.
 */
async function sameZoomConnection(context: SyncContext, request: ConnectRequest): Promise<ConnectionRow | null> {
	const rows = (await connectionsOf(context.db, request.merchantId, request.staffId)).filter((row) => row.provider === "zoom");
	const live = rows.find((row) => row.status !== "disconnected");
	if (live !== undefined) {
		if (live.externalAccountId === null || live.externalAccountId === request.externalAccountId) return live;
		throw new ZoomTakenError({ id: live.id, account: live.accountLabel });
	}
	return rows.find((row) => row.externalAccountId === request.externalAccountId) ?? null;
}

/**
 * The stored connection of the same account and owner. A feed's "account" is its URL, which only
 * the sealed credentials hold (the label is masked), so feeds are compared by opening them.
 */
async function findSameConnection(context: SyncContext, request: ConnectRequest): Promise<ConnectionRow | null> {
	if (request.credentials.kind !== "feed") return findSameAccount(context.db, request);
	const url = request.credentials.url;
	for (const row of await connectionsOf(context.db, request.merchantId, request.staffId)) {
		if (row.provider !== "ics" || row.credentials === null) continue;
		const stored = await decryptCredentials(context, row).catch((error: unknown) => {
			if (error instanceof CredentialKeyError || error instanceof ProviderError) return null;
			throw error;
		});
		if (stored?.kind === "feed" && stored.url === url) return row;
	}
	return null;
}

/**
 * Connects a CalDAV/iCloud account or an ICS feed: the credentials are tried first (discovery and the
 * calendar list, or one read of the feed), and only a connection that works is stored. Errors of the
 * provider (a refused password, an unreachable server) reach the caller with nothing stored.
 */
export async function connectUnstored(context: SyncContext, owner: { merchantId: string; staffId: string | null }, unstored: UnstoredConnection): Promise<ConnectionRow> {
	const calendars = await unstoredAdapter(context.env, unstored).listCalendars();
	return connect(context, {
		...owner,
		externalAccountId: null,
		provider: unstored.provider,
		accountLabel: unstored.accountLabel,
		credentials: unstored.credentials,
		accessTokenExpiresAt: null,
		serverUrl: unstored.serverUrl,
		calendars,
	});
}

/** What a person types to connect a calendar without OAuth: a CalDAV or iCloud account, or an ICS feed's address. */
export type TypedCredentials =
	| { provider: "ics"; feedUrl: string }
	| { provider: "caldav" | "icloud"; serverUrl: string | null; username: string; password: string };

/** connectUnstored with what was typed; the feed URL may carry a secret token: it is stored sealed, and shown only masked. */
export function connectTyped(context: SyncContext, owner: { merchantId: string; staffId: string | null }, typed: TypedCredentials): Promise<ConnectionRow> {
	const unstored: UnstoredConnection =
		typed.provider === "ics"
			? { provider: "ics", credentials: { kind: "feed", url: typed.feedUrl }, serverUrl: null, accountLabel: maskFeedUrl(typed.feedUrl) }
			: { provider: typed.provider, credentials: { kind: "password", username: typed.username, password: typed.password }, serverUrl: typed.serverUrl, accountLabel: typed.username };
	return connectUnstored(context, owner, unstored);
}

async function mustConnection(db: Database, id: string): Promise<ConnectionRow> {
	const row = await connectionById(db, id);
	if (row === null) throw new Error(`connection ${id} vanished`);
	return row;
}

/**
 * Stops push channels (best effort), deletes the stored credentials and stops writing. Events already
 * written stay in the calendar and every booking stays in Slotline. The database goes first, so a sync
 * or channel renewal in flight finds the calendar's generation moved and cannot write anything back;
 * the calendars' busy blocks go from the merchant's object after the channels. If the object cannot be
 * reached this throws, unlogged, with the rest done; disconnecting again clears them, and so does
 * reconnecting (its first sync is a full one, which replaces them). `reason`, when Slotline rather than
 * a person disconnected it, goes into the log line.
 */
export async function disconnect(context: SyncContext, connection: ConnectionRow, reason: string | null = null): Promise<void> {
	const calendars = await calendarsOf(context.db, connection.id);
	const watched = calendars.filter((c) => c.pushChannelId !== null);
	// Opened before the credentials are deleted: stopping the channels needs them.
	const adapter = watched.length > 0 && connection.credentials !== null ? await adapterFor(context, connection).catch(() => null) : null;
	// Zoom asks apps to end the grant they hold; it goes before the credentials it needs.
	if (connection.provider === "zoom") await revokeZoomGrant(context, connection);
	const now = context.now();
	const [, moved] = await context.db.batch([
		context.db
			.update(calendarConnections)
			.set({ status: "disconnected", errorKind: null, statusMessage: null, credentials: null, credentialsKeyId: null, accessTokenExpiresAt: null, refreshLeaseUntil: null, updatedAt: now })
			.where(eq(calendarConnections.id, connection.id)),
		context.db
			.update(connectionCalendars)
			.set({ pushChannelId: null, pushResourceId: null, pushSecretHash: null, pushExpiresAt: null, syncCursor: null, changeTag: null, syncGeneration: sql`${connectionCalendars.syncGeneration} + 1` })
			.where(eq(connectionCalendars.connectionId, connection.id))
			.returning({ id: connectionCalendars.id, generation: connectionCalendars.syncGeneration }),
	]);
	for (const calendar of watched) {
		if (adapter === null) {
			await logOperation(context.db, connection.id, "stop-push", "error", `${calendar.name}: the stored credentials could not be opened; its channel lapses by itself`, context.now());
			continue;
		}
		try {
			await adapter.push?.stop({ id: calendar.pushChannelId ?? "", resourceId: calendar.pushResourceId, expiresAt: calendar.pushExpiresAt ?? 0 });
		} catch (error) {
			await logOperation(context.db, connection.id, "stop-push", "error", errorSummary(error), context.now());
		}
	}
	// A disconnected calendar no longer blocks time; a reconnect starts from a full sync.
	const schedule = merchantSchedule(context.env, connection.merchantId);
	await Promise.all(moved.map((calendar) => schedule.clearCalendar(calendar.id, calendar.generation)));
	await logOperation(context.db, connection.id, "disconnect", "ok", reason, now);
	// Its poller finds the connection gone and stops, instead of probing with the credentials it cached.
	if (isPolledProvider(connection.provider)) await ensurePolling(context.env, connection.id);
}

/**
 * A deactivated staff member's calendars stop syncing: each of their connections not yet disconnected
 * is disconnected exactly as the Disconnect button does (their access to the merchant is gone, so
 * nobody could otherwise stop it, and their external busy time must stop shaping anyone's day).
 * Returns how many were disconnected.
 */
export async function disconnectStaffConnections(context: SyncContext, merchantId: string, staffId: string): Promise<number> {
	const live = (await connectionsOf(context.db, merchantId, staffId)).filter((row) => row.status !== "disconnected");
	for (const row of live) await disconnect(context, row, "The staff member was deactivated");
	return live.length;
}
