// The context sync code runs in (database, credential vault, mailer, queue, clock) and the adapter of a stored connection.
import type { CalendarProvider } from "../calendars/provider";
import type { Database } from "../db/client";
import type { ConnectionRow } from "../db/queries/connections";
import { jobQueue } from "../jobs";
import type { Job } from "../jobs";
import type { Mailer } from "../mail/mailer";
import { mailerFor } from "../mail/mailer";
import { openAdapter } from "./adapters";
import { CredentialVault } from "./credentials";

export interface SyncContext {
	env: Env;
	db: Database;
	vault: CredentialVault;
	mailer: Mailer;
	queue: Queue<Job>;
	now: () => number;
}

/** Opens a connection's adapter (decrypting, and re-sealing under the current key, its credentials). */
export function adapterFor(context: SyncContext, connection: ConnectionRow, ownAddresses?: string[]): Promise<CalendarProvider> {
	return openAdapter(context, connection, ownAddresses);
}

/** The context sync code runs in, from the Worker's bindings. */
export function syncContextFor(env: Env, db: Database, mailer: Mailer = mailerFor(env)): SyncContext {
	return { env, db, vault: new CredentialVault(env.ENCRYPTION_KEYS), mailer, queue: jobQueue(env), now: () => Date.now() };
}
