// The 5-minute Cron Trigger: the safety net for everything push-based. It refreshes merchant objects
// whose setup copy is behind D1 (setup-sync.ts; each object's own alarm retries its outbox relay),
// queues again jobs that ran out of retries (dead-letters.ts), and keeps calendar sync honest, pushed
// and polled (see maintenance.ts).
import { cleanupAuthTables } from "../auth/cleanup";
import type { AuthCleanupResult } from "../auth/cleanup";
import { pruneBookingMessages } from "../booking/retention";
import { refreshStaleSchedules } from "../booking/setup-sync";
import { database } from "../db/client";
import { errorFields, logLine } from "../log";
import { syncContextFor } from "./context";
import type { SyncContext } from "./context";
import { requeueDeadJobs } from "./dead-letters";
import { enqueueSafetyNetSyncs, ensurePollers, refreshExpiringTokens, resealOldCredentials, retryErroredConnections } from "./maintenance";

export interface CronReport {
	/** Merchant objects whose setup copy was behind and was refreshed. */
	schedulesRefreshed: number;
	syncsQueued: number;
	/** Connections whose poller was ensured (restarted if it had stopped). */
	pollersEnsured: number;
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
	const [schedulesRefreshed, syncsQueued, pollersEnsured, tokensRefreshed, connectionsRetried, credentialsResealed, authRowsDeleted, bookingMessagesPruned, deadJobsRequeued] = await Promise.all([
		settle("schedules", () => refreshStaleSchedules(env)),
		settle("sync", () => enqueueSafetyNetSyncs(context())),
		settle("pollers", () => ensurePollers(context())),
		settle("tokens", () => refreshExpiringTokens(context())),
		settle("retries", () => retryErroredConnections(context())),
		settle("reseal", () => resealOldCredentials(context())),
		settle("auth-cleanup", () => cleanupAuthTables(db, now).then(countDeleted)),
		settle("booking-retention", () => pruneBookingMessages(db, now)),
		settle("dead-jobs", () => requeueDeadJobs(context())),
	]);
	return { schedulesRefreshed, syncsQueued, pollersEnsured, tokensRefreshed, connectionsRetried, credentialsResealed, authRowsDeleted, bookingMessagesPruned, deadJobsRequeued };
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
