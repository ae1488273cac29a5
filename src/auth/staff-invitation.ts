// Staff invitations as the invitee meets them: a live invitation (to an active staff member) and
// joining the merchant with it, whichever way in (a password, Google) proved the invited mailbox.
import { and, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { confirmEmail } from "../db/queries/users";
import { memberships, merchants, staff } from "../db/schema";
import { consumeEmailToken, invalidLinkError, peekEmailToken } from "./tokens";

export interface Invitation {
	/** Lower-cased address the invitation was sent to. */
	email: string;
	merchantId: string;
	merchantName: string;
	staffId: string;
	staffName: string;
}

/**
 * The invitation a token stands for, without using it up; throws the one "invalid link" error
 * when it is unknown, expired or used, or its staff member was deactivated since it was sent.
 */
export async function liveInvitation(db: Database, token: string, now: number): Promise<Invitation> {
	const row = token === "" ? null : await peekEmailToken(db, token, "invite", now);
	if (row === null || row.merchantId === null || row.staffId === null) throw invalidLinkError();
	const details = await db
		.select({ merchantName: merchants.name, staffName: staff.name })
		.from(staff)
		.innerJoin(merchants, eq(merchants.id, staff.merchantId))
		.where(and(eq(staff.id, row.staffId), eq(staff.merchantId, row.merchantId), eq(staff.active, true)))
		.get();
	if (details === undefined) throw invalidLinkError();
	return { email: row.email, merchantId: row.merchantId, staffId: row.staffId, ...details };
}

/** Uses the invitation up (once: a second use, even a concurrent one, gets the "invalid link" error). */
export async function useInvitation(db: Database, token: string, now: number): Promise<void> {
	if ((await consumeEmailToken(db, token, "invite", now)) === null) throw invalidLinkError();
}

/**
 * Makes `userId` staff of the invitation's merchant (an owner who also takes bookings keeps the
 * owner role and gets the staff record). The account's address counts as proven when it is the
 * invited one: the invitation reached it. Call after useInvitation.
 */
export async function joinAsStaff(db: Database, invitation: Invitation, userId: string, now: number): Promise<void> {
	await db.batch([
		db
			.insert(memberships)
			.values({ userId, merchantId: invitation.merchantId, role: "staff", staffId: invitation.staffId })
			.onConflictDoUpdate({ target: [memberships.userId, memberships.merchantId], set: { staffId: invitation.staffId } }),
		confirmEmail(db, userId, invitation.email, now),
	]);
}
