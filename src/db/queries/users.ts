// Queries on `users`, the people who sign in: found by address or id, an address proven or changed, a
// password or profile set. One home, so that every lookup by address means the same thing.
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../client";
import { memberships, merchants, users } from "../schema";

/** What request handlers may know about the signed-in person (never the password hash). */
export interface SessionUser {
	id: string;
	email: string;
	emailVerifiedAt: number | null;
	firstName: string | null;
	lastName: string | null;
	photoUrl: string | null;
}

/** The columns of `users` that make a SessionUser, for any query that loads one (a join included). */
export const sessionUserColumns = {
	id: users.id,
	email: users.email,
	emailVerifiedAt: users.emailVerifiedAt,
	firstName: users.firstName,
	lastName: users.lastName,
	photoUrl: users.photoUrl,
};

export function sessionUserById(db: Database, userId: string): Promise<SessionUser | undefined> {
	return db.select(sessionUserColumns).from(users).where(eq(users.id, userId)).get();
}

/** The account an address belongs to, with what signing in, joining or linking a login decides on. */
export interface UserByEmail {
	id: string;
	passwordHash: string | null;
	emailVerifiedAt: number | null;
	firstName: string | null;
	photoUrl: string | null;
}

export function userByEmail(db: Database, email: string): Promise<UserByEmail | undefined> {
	return db
		.select({ id: users.id, passwordHash: users.passwordHash, emailVerifiedAt: users.emailVerifiedAt, firstName: users.firstName, photoUrl: users.photoUrl })
		.from(users)
		.where(eq(users.email, email))
		.get();
}

export async function emailInUse(db: Database, email: string): Promise<boolean> {
	return (await db.select({ id: users.id }).from(users).where(eq(users.email, email)).get()) !== undefined;
}

/**
 * Marks the account's address proven, if it is still `email` and was not proven already: a statement
 * to await or to put in a batch, answering the row it changed (none when the address moved on).
 */
export function confirmEmail(db: Database, userId: string, email: string, now: number) {
	return db
		.update(users)
		.set({ emailVerifiedAt: now })
		.where(and(eq(users.id, userId), eq(users.email, email), isNull(users.emailVerifiedAt)))
		.returning({ id: users.id });
}

/** Moves the account to a new, proven address; answers the row it changed. */
export function changeEmail(db: Database, userId: string, email: string, now: number): Promise<{ id: string } | undefined> {
	return db.update(users).set({ email, emailVerifiedAt: now }).where(eq(users.id, userId)).returning({ id: users.id }).get();
}

export async function setPasswordHash(db: Database, userId: string, passwordHash: string): Promise<void> {
	await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}

export async function updateProfile(db: Database, userId: string, profile: Partial<Pick<SessionUser, "firstName" | "lastName" | "photoUrl">>): Promise<void> {
	await db.update(users).set(profile).where(eq(users.id, userId));
}

/** The owners of a merchant, with the business's name, for mail sent to them about it. */
export function ownersOf(db: Database, merchantId: string): Promise<Array<{ email: string; merchantName: string }>> {
	return db
		.select({ email: users.email, merchantName: merchants.name })
		.from(memberships)
		.innerJoin(users, eq(users.id, memberships.userId))
		.innerJoin(merchants, eq(merchants.id, memberships.merchantId))
		.where(and(eq(memberships.merchantId, merchantId), eq(memberships.role, "owner")))
		.all();
}
