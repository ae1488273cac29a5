// The Hono environment shared by every router: bindings plus per-request variables.
import type { Session } from "../auth/session";
import type { SessionUser } from "../db/queries/users";
import type { MerchantMembership } from "../auth/membership";
import type { Database } from "../db/client";
import type { Mailer } from "../mail/mailer";

export interface AppVariables {
	db: Database;
	/** Outgoing mail; set from the environment unless an earlier middleware (a test) supplied one. */
	mailer: Mailer;
	/** The signed-in person and their session, when the request carries a valid session cookie. */
	user?: SessionUser;
	session?: Session;
	/** Set by requireMerchantMember: the merchant this request acts on and the caller's role there. */
	membership?: MerchantMembership;
}

export interface AppEnv {
	Bindings: Env;
	Variables: AppVariables;
}
