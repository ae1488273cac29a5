// Attaching a merchant's customer records to the account whose address they use, once proven.
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { customers } from "../db/schema";

/**
 * Guest bookings made with `email` (customer rows with no account yet) become the account's,
 * so they show in its booking list. Only call when the account has just proven the mailbox:
 * the bookings' confirmations went to that mailbox anyway.
 */
export async function claimGuestCustomers(db: Database, userId: string, email: string): Promise<void> {
	await db
		.update(customers)
		.set({ userId })
		.where(and(eq(customers.email, email), isNull(customers.userId)));
}
