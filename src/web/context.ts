// The Hono environment shared by every router: bindings plus per-request variables.
import type { Database } from "../db/client";

export interface AppVariables {
	db: Database;
}

export interface AppEnv {
	Bindings: Env;
	Variables: AppVariables;
}
