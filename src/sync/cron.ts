// The 5-minute Cron Trigger: the safety net for everything push-based. It relays outbox rows their
// Durable Object could not send, and keeps calendar sync honest (see maintenance.ts).
import { cleanupAuthTables } from "../auth/cleanup";
import type { AuthCleanupResult } from "../auth/cleanup";
import { relayOutbox } from "../booking/outbox";
import { pruneBookingMessages } from "../booking/retention";
import { database } from "../db/client";
import { jobQueue } from "../jobs";
import { errorFields, logLine } from "../log";
import { syncContextFor } from "./connections";
import { enqueueSafetyNetSyncs, refreshExpiringTokens, resealOldCredentials, retryErroredConnections } from "./maintenance";

/** Rows younger than this are left to their Durable Object, which relays right after the write. */
const OUTBOX_GRACE_MS = 60_000;

export interface CronReport {
	relayed: number;
	syncsQueued: number;
	tokensRefreshed: number;
	connectionsRetried: number;
	credentialsResealed: number;
	authRowsDeleted: number;
	bookingMessagesPruned: number;
}

export async function runCron(env: Env, now: number): Promise<CronReport> {
	const db = database(env.DB);
	const relayed = await relayOutbox(db, jobQueue(env), { createdBefore: now - OUTBOX_GRACE_MS }, now);
	const context = syncContextFor(env, db);
	// Each part runs even if another fails: one bad connection must not stop the rest.
	const [syncsQueued, tokensRefreshed, connectionsRetried, credentialsResealed, authRowsDeleted, bookingMessagesPruned] = await Promise.all([
		settle("sync", enqueueSafetyNetSyncs(context)),
		settle("tokens", refreshExpiringTokens(context)),
		settle("retries", retryErroredConnections(context)),
		settle("reseal", resealOldCredentials(context)),
		settle("auth-cleanup", cleanupAuthTables(db, now).then(countDeleted)),
		settle("booking-retention", pruneBookingMessages(db, now)),
	]);
	return { relayed, syncsQueued, tokensRefreshed, connectionsRetried, credentialsResealed, authRowsDeleted, bookingMessagesPruned };
}

function countDeleted(result: AuthCleanupResult): number {
	return result.emailTokens + result.authAttempts + result.sessions;
}

async function settle(part: string, work: Promise<number>): Promise<number> {
	try {
		return await work;
	} catch (error) {
		logLine("error", "cron part failed", { part, error: errorFields(error) });
		return 0;
	}
}
