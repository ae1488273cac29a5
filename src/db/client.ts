// How the Worker reaches D1: d1() for raw statements, database() for drizzle (the schema is passed so
// relational helpers know the tables). Both go through d1(), the one place a wrapper can sit.
import { env } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";
import { countStatements, countingEnabled } from "./statement-count";

/** drizzle over D1, with the binding it runs on (`$client`) for statements built once as text. */
export type Database = DrizzleD1Database<typeof schema> & { $client: D1Database };

/**
 * The D1 binding as the Worker uses it: `binding` itself, or, when D1_STATEMENT_COUNTING is "1" (tests,
 * benchmarks), the same binding counting its statements (./statement-count.ts). It takes the binding rather
 * than the env, and reads the switch from the Worker's own env, so callers that hold only `env.DB` (the
 * Durable Object's constructor) are counted too.
 */
export function d1(binding: D1Database): D1Database {
	return countingEnabled(env) ? countStatements(binding) : binding;
}

/** One drizzle instance per binding: building one walks the whole schema's relations, which profiled at about 5% of an availability request's CPU. */
const databases = new WeakMap<D1Database, Database>();

export function database(binding: D1Database): Database {
	let db = databases.get(binding);
	if (db === undefined) {
		db = drizzle(d1(binding), { schema });
		databases.set(binding, db);
	}
	return db;
}
