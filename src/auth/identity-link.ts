// Which account a provider sign-in opens: the linked one, the signed-in one, or the one with the
// same verified email. Linking by email happens only on a verified address (the provider's or ours).
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { userByEmail } from "../db/queries/users";
import { identities, sessions, users } from "../db/schema";
import { newId } from "../ids";
import { claimGuestCustomers } from "./customer-claims";
import type { ProviderProfile } from "../oauth/profile";

export type IdentityProvider = (typeof identities.$inferSelect)["provider"];

/** A provider sign-in that must not go ahead; `reason` is shown to the person as a code. */
export type IdentityLinkFailure = "email-missing" | "email-unverified" | "email-in-use" | "identity-taken";

export class IdentityLinkError extends Error {
	constructor(readonly reason: IdentityLinkFailure) {
		super(`Provider sign-in refused: ${reason}`);
		this.name = "IdentityLinkError";
	}
}

/**
 * What to do with an address the provider does not vouch for. "refuse": nothing (Google says
 * outright it has not verified it). "new-account": it may open a new, unverified account but
 * never an existing one (Facebook, which does not say whether it checked the address).
 */
export type UnverifiedEmailPolicy = "refuse" | "new-account";

export interface IdentitySignIn {
	userId: string;
	/** A new account was created. */
	created: boolean;
}

/**
 * Resolves (and records) the account for a provider identity:
 * 1. an identity already linked signs in to its account;
 * 2. a signed-in user links it to themselves (state and PKCE tie the callback to their browser);
 * 3. otherwise only a verified email may match an existing account; an unverified one may at most
 *    open a new account (`unverifiedEmail`), and a missing one opens nothing.
 * An existing account whose own address was never verified may have been registered by someone
 * else in advance ("pre-hijacking"): linking it drops its password, sessions and other logins.
 */
export async function signInWithIdentity(
	db: Database,
	provider: IdentityProvider,
	profile: ProviderProfile,
	currentUserId: string | null,
	now: number,
	unverifiedEmail: UnverifiedEmailPolicy = "refuse",
): Promise<IdentitySignIn> {
	const existing = await db
		.select({ id: identities.id, userId: identities.userId })
		.from(identities)
		.where(and(eq(identities.provider, provider), eq(identities.subject, profile.subject)))
		.get();
	if (existing !== undefined) {
		if (currentUserId !== null && currentUserId !== existing.userId) throw new IdentityLinkError("identity-taken");
		await db
			.update(identities)
			.set({ email: profile.email, emailVerified: profile.emailVerified })
			.where(eq(identities.id, existing.id));
		return { userId: existing.userId, created: false };
	}

	const identity = {
		id: newId("idn"),
		provider,
		subject: profile.subject,
		email: profile.email,
		emailVerified: profile.emailVerified,
	};
	if (currentUserId !== null) {
		await db.insert(identities).values({ ...identity, userId: currentUserId });
		return { userId: currentUserId, created: false };
	}

	if (profile.email === null) throw new IdentityLinkError("email-missing");
	if (!profile.emailVerified) {
		if (unverifiedEmail === "refuse") throw new IdentityLinkError("email-unverified");
		return createUnverifiedAccount(db, profile.email, profile, identity);
	}
	const user = await userByEmail(db, profile.email);
	if (user === undefined) {
		const userId = newId("usr");
		await db.batch([
			db.insert(users).values({
				id: userId,
				email: profile.email,
				emailVerifiedAt: now,
				firstName: profile.givenName,
				lastName: profile.familyName,
				photoUrl: profile.picture,
			}),
			db.insert(identities).values({ ...identity, userId }),
		]);
		await claimGuestCustomers(db, userId, profile.email);
		return { userId, created: true };
	}

	const unverified = user.emailVerifiedAt === null;
	const updateUser = db
		.update(users)
		.set({
			emailVerifiedAt: user.emailVerifiedAt ?? now,
			...(unverified ? { passwordHash: null } : {}),
			...(user.firstName === null ? { firstName: profile.givenName, lastName: profile.familyName } : {}),
			...(user.photoUrl === null ? { photoUrl: profile.picture } : {}),
		})
		.where(eq(users.id, user.id));
	const link = db.insert(identities).values({ ...identity, userId: user.id });
	if (unverified) {
		// Whoever registered the address before it was proven keeps no way in: no password, no
		// session, and no provider login they may have attached.
		await db.batch([
			updateUser,
			db.delete(sessions).where(eq(sessions.userId, user.id)),
			db.delete(identities).where(eq(identities.userId, user.id)),
			link,
		]);
		await claimGuestCustomers(db, user.id, profile.email);
	} else {
		await db.batch([updateUser, link]);
	}
	return { userId: user.id, created: false };
}

/**
 * A new account from a profile whose address nobody has proven: its email stays unverified (so
 * it unlocks no linking, and whoever proves the mailbox later takes the account over cleanly).
 * An address some account already uses is never attached this way.
 */
async function createUnverifiedAccount(
	db: Database,
	email: string,
	profile: ProviderProfile,
	identity: Omit<typeof identities.$inferInsert, "userId">,
): Promise<IdentitySignIn> {
	const userId = newId("usr");
	const created = await db
		.insert(users)
		.values({ id: userId, email, firstName: profile.givenName, lastName: profile.familyName, photoUrl: profile.picture })
		.onConflictDoNothing({ target: users.email })
		.returning({ id: users.id })
		.get();
	if (created === undefined) throw new IdentityLinkError("email-in-use");
	await db.insert(identities).values({ ...identity, userId });
	return { userId, created: true };
}
