// What proving a mailbox (a reset link, an invitation link) does to an account whose address nobody
// had proven before: whoever opened it in advance keeps no way in.
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { identities, sessions } from "../db/schema";
import { claimGuestCustomers } from "./customer-claims";

/**
 * The account of `email` was never verified, so its provider logins and sessions may belong to
 * someone who registered the address first ("pre-hijacking", e.g. with a Facebook account that
 * claims it). The mailbox owner just proved the address: those logins and sessions go, and guest
 * bookings made with the address become the account's. The caller sets the new password.
 */
export async function takeOverUnprovenAccount(db: Database, userId: string, email: string): Promise<void> {
	await db.batch([db.delete(identities).where(eq(identities.userId, userId)), db.delete(sessions).where(eq(sessions.userId, userId))]);
	await claimGuestCustomers(db, userId, email);
}
