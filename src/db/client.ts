// One drizzle instance per D1 binding; the schema is passed so relational helpers know the tables.
import { drizzle } from "drizzle-orm/d1";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Database = DrizzleD1Database<typeof schema>;

export function database(d1: D1Database): Database {
	return drizzle(d1, { schema });
}
