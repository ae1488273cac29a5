// Which account a provider sign-in opens: the linked one, the signed-in one, or the one with the
// same verified email. Linking by email happens only on a provider-verified address.
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { identities, sessions, users } from "../db/schema";
import { newId } from "../ids";
import type { ProviderProfile } from "./provider-profile";

export type IdentityProvider = (typeof identities.$inferSelect)["provider"];

/** A provider sign-in that must not go ahead; `reason` is shown to the person as a code. */
export class IdentityLinkError extends Error {
	constructor(readonly reason: "email-unverified" | "identity-taken") {
		super(reason === "email-unverified" ? "The provider has not verified this email address" : "This login is linked to another account");
		this.name = "IdentityLinkError";
	}
}

export interface IdentitySignIn {
	userId: string;
	/** A new account was created. */
	created: boolean;
}

/**
 * Resolves (and records) the account for a provider identity:
 * 1. an identity already linked signs in to its account;
 * 2. a signed-in user links it to themselves (state and PKCE tie the callback to their browser);
 * 3. otherwise only a provider-verified email may match an existing account or create one.
 * An existing account whose own address was never verified may have been registered by someone
 * else in advance ("pre-hijacking"): linking it drops its password and sessions.
 */
export async function signInWithIdentity(
	db: Database,
	provider: IdentityProvider,
	profile: ProviderProfile,
	currentUserId: string | null,
	now: number,
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

	if (profile.email === null || !profile.emailVerified) throw new IdentityLinkError("email-unverified");
	const user = await db
		.select({ id: users.id, emailVerifiedAt: users.emailVerifiedAt, firstName: users.firstName, photoUrl: users.photoUrl })
		.from(users)
		.where(eq(users.email, profile.email))
		.get();
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
		await db.batch([updateUser, db.delete(sessions).where(eq(sessions.userId, user.id)), link]);
	} else {
		await db.batch([updateUser, link]);
	}
	return { userId: user.id, created: false };
}
