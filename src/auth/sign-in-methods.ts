// An account's ways in (a password, provider logins), and removing one without locking the person out.
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { identities, users } from "../db/schema";
import { NotFoundError, UnprocessableError } from "../errors";
import type { IdentityProvider } from "./identity-link";

export interface LinkedLogin {
	id: string;
	provider: IdentityProvider;
	/** The address the provider gave when last used; informational only. */
	email: string | null;
	linkedAt: number;
}

export interface SignInMethods {
	password: boolean;
	logins: LinkedLogin[];
}

export async function signInMethods(db: Database, userId: string): Promise<SignInMethods> {
	const [user, logins] = await Promise.all([
		db.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).get(),
		db
			.select({ id: identities.id, provider: identities.provider, email: identities.email, linkedAt: identities.createdAt })
			.from(identities)
			.where(eq(identities.userId, userId))
			.orderBy(asc(identities.createdAt))
			.all(),
	]);
	return { password: user?.passwordHash !== null && user?.passwordHash !== undefined, logins };
}

/**
 * Unlinks one of the user's provider logins if another way in remains (a password or another
 * login). One conditional DELETE, so two concurrent unlinks cannot remove the last two together.
 */
export async function unlinkLogin(db: Database, userId: string, identityId: string): Promise<void> {
	const deleted = await db
		.delete(identities)
		.where(
			and(
				eq(identities.id, identityId),
				eq(identities.userId, userId),
				sql`((select ${users.passwordHash} from ${users} where ${users.id} = ${userId}) is not null
					or (select count(*) from ${identities} where ${identities.userId} = ${userId}) > 1)`,
			),
		)
		.returning({ id: identities.id })
		.get();
	if (deleted !== undefined) return;
	const exists = await db
		.select({ id: identities.id })
		.from(identities)
		.where(and(eq(identities.id, identityId), eq(identities.userId, userId)))
		.get();
	if (exists === undefined) throw new NotFoundError("Linked login");
	throw new UnprocessableError(
		"last-sign-in-method",
		"This is your only way to sign in. Set a password or link another login before removing it.",
	);
}
