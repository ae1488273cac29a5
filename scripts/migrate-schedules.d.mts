// Types for scripts/migrate-schedules.mjs, which test/ops/schedule-migration.test.ts drives against the Worker.
export class MigrationError extends Error {}

export interface MigrateOptions {
	/** The deployment's base URL. */
	url: string;
	/** Its OPS_TOKEN secret. */
	token: string;
	dryRun?: boolean;
	/** Merchants asked for per page (1-200). */
	pageSize?: number;
	fetch?: (input: URL, init: RequestInit) => Promise<Response>;
	print?: (line: string) => void;
}

export function migrateSchedules(options: MigrateOptions): Promise<{ merchants: number }>;
