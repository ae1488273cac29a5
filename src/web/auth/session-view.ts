// What the browser learns about its session: the user, their merchant roles and the CSRF token.
import type { Context } from "hono";
import { csrfTokenFor } from "../../auth/csrf";
import { listMemberships } from "../../auth/membership";
import { sessionUserById } from "../../db/queries/users";
import type { AppEnv } from "../context";
import type { SessionView } from "./session-schema";

/** The view of the request's current session (after sign-in, the new one). */
export async function sessionView(c: Context<AppEnv>): Promise<SessionView> {
	const session = c.var.session;
	if (session === undefined) return { user: null, csrfToken: null };
	const user = await sessionUserById(c.var.db, session.userId);
	if (user === undefined) return { user: null, csrfToken: null };
	const { emailVerifiedAt, ...rest } = user;
	return {
		user: { ...rest, emailVerified: emailVerifiedAt !== null, memberships: await listMemberships(c.var.db, user.id) },
		csrfToken: csrfTokenFor(c.env.SESSION_SECRET, session.id),
	};
}
