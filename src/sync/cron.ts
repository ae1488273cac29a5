// The 5-minute Cron Trigger: the safety net for everything push-based. It relays outbox rows their
// Durable Object could not send, queues again jobs that ran out of retries (dead-letters.ts), and keeps
// calendar sync honest (see maintenance.ts).
import { cleanupAuthTables } from "../auth/cleanup";
import type { AuthCleanupResult } from "../auth/cleanup";
import { relayOutbox } from "../booking/outbox";
import { pruneBookingMessages } from "../booking/retention";
import { database } from "../db/client";
import { jobQueue } from "../jobs";
import { errorFields, logLine } from "../log";
import { syncContextFor } from "./connections";
import type { SyncContext } from "./connections";
import { requeueDeadJobs } from "./dead-letters";
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
	deadJobsRequeued: number;
}

export async function runCron(env: Env, now: number): Promise<CronReport> {
	const db = database(env.DB);
	// Built inside each part that needs it: even a keyring that cannot be read fails only those parts.
	const context = (): SyncContext => syncContextFor(env, db);
	// Each part runs even if another fails: one bad connection, or an outbox row the queue refuses, must not stop the rest.
	const [relayed, syncsQueued, tokensRefreshed, connectionsRetried, credentialsResealed, authRowsDeleted, bookingMessagesPruned, deadJobsRequeued] = await Promise.all([
		settle("relay", () => relayOutbox(db, jobQueue(env), { createdBefore: now - OUTBOX_GRACE_MS }, now)),
		settle("sync", () => enqueueSafetyNetSyncs(context())),
		settle("tokens", () => refreshExpiringTokens(context())),
		settle("retries", () => retryErroredConnections(context())),
		settle("reseal", () => resealOldCredentials(context())),
		settle("auth-cleanup", () => cleanupAuthTables(db, now).then(countDeleted)),
		settle("booking-retention", () => pruneBookingMessages(db, now)),
		settle("dead-jobs", () => requeueDeadJobs(context())),
	]);
	return { relayed, syncsQueued, tokensRefreshed, connectionsRetried, credentialsResealed, authRowsDeleted, bookingMessagesPruned, deadJobsRequeued };
}

function countDeleted(result: AuthCleanupResult): number {
	return result.emailTokens + result.authAttempts + result.sessions;
}

/** Runs one part; a failure, thrown at once or later, is logged and counts as nothing done. */
async function settle(part: string, work: () => Promise<number>): Promise<number> {
	try {
		return await work();
	} catch (error) {
		logLine("error", "cron part failed", { part, error: errorFields(error) });
		return 0;
	}
}
