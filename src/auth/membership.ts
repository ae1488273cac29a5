// Merchant-side roles: which merchants a user belongs to, and as what.
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { emailTokens, memberships, merchants } from "../db/schema";

export type MerchantRole = (typeof memberships.$inferSelect)["role"];

export interface MerchantMembership {
	merchantId: string;
	role: MerchantRole;
	/** The staff member this user is, if any (owners may also take bookings). */
	staffId: string | null;
}

const columns = { merchantId: memberships.merchantId, role: memberships.role, staffId: memberships.staffId };

export async function listMemberships(db: Database, userId: string): Promise<MerchantMembership[]> {
	return db.select(columns).from(memberships).where(eq(memberships.userId, userId)).orderBy(asc(memberships.createdAt), asc(memberships.merchantId)).all();
}

export async function findMembership(db: Database, userId: string, merchantId: string): Promise<MerchantMembership | null> {
	const row = await db
		.select(columns)
		.from(memberships)
		.where(and(eq(memberships.userId, userId), eq(memberships.merchantId, merchantId)))
		.get();
	return row ?? null;
}

/**
 * The membership an admin request acts on: the business the session chose (see setSessionMerchant)
 * while the person still belongs to it, else their oldest membership; null without any.
 */
export async function actingMembershipOf(db: Database, userId: string, chosenMerchantId: string | null): Promise<MerchantMembership | null> {
	if (chosenMerchantId !== null) {
		const chosen = await findMembership(db, userId, chosenMerchantId);
		if (chosen !== null) return chosen;
	}
	return (await listMemberships(db, userId))[0] ?? null;
}

export interface NamedMembership extends MerchantMembership {
	merchantName: string;
}

/** Every business the person belongs to, oldest membership first, with its name (for the switcher). */
export async function businessesOf(db: Database, userId: string): Promise<NamedMembership[]> {
	return db
		.select({ ...columns, merchantName: merchants.name })
		.from(memberships)
		.innerJoin(merchants, eq(merchants.id, memberships.merchantId))
		.where(eq(memberships.userId, userId))
		.orderBy(asc(memberships.createdAt), asc(memberships.merchantId))
		.all();
}

/** Whether `role` is at least `required`: an owner can do everything staff can. */
export function roleSatisfies(role: MerchantRole, required: MerchantRole): boolean {
	return required === "staff" || role === "owner";
}

/**
 * A deactivated staff member loses the merchant: a staff-role membership bound to them is deleted
 * (an owner who also took bookings stays owner, without the staff record), and invitations not yet
 * accepted stop working. Access is read from memberships on every request, so their sessions lose
 * the merchant at once. Coming back needs a new invitation.
 */
export async function revokeStaffAccess(db: Database, merchantId: string, staffId: string): Promise<void> {
	await db.batch([
		db.delete(memberships).where(and(eq(memberships.merchantId, merchantId), eq(memberships.staffId, staffId), eq(memberships.role, "staff"))),
		db
			.update(memberships)
			.set({ staffId: null })
			.where(and(eq(memberships.merchantId, merchantId), eq(memberships.staffId, staffId))),
		db.delete(emailTokens).where(and(eq(emailTokens.staffId, staffId), eq(emailTokens.purpose, "invite"), isNull(emailTokens.usedAt))),
	]);
}
