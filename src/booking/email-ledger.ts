// The once-only ledger of customer emails: one email per (booking, version), however often the
// queue delivers its message. A sender claims the version before sending and marks it sent after.
import { and, eq, isNull, lt } from "drizzle-orm";
import type { Database } from "../db/client";
import { customerEmails } from "../db/schema";

/** How long a claim is honoured; after that its sender is presumed to have crashed before sending. */
const CLAIM_TTL_MS = 5 * 60_000;

/** Another delivery of the same message holds the claim; the queue should retry this one later. */
export class EmailInFlightError extends Error {
	constructor(bookingId: string, version: number) {
		super(`the email for ${bookingId} v${version} is being sent by another delivery`);
		this.name = "EmailInFlightError";
	}
}

/**
 * Claims the email of `version`: true when this caller should send it, false when it was sent
 * already. Throws EmailInFlightError while another sender's claim is fresh.
 */
export async function claimEmail(db: Database, bookingId: string, version: number, now: number): Promise<boolean> {
	const claimed = await db
		.insert(customerEmails)
		.values({ bookingId, version, claimedAt: now })
		.onConflictDoUpdate({
			target: [customerEmails.bookingId, customerEmails.version],
			set: { claimedAt: now },
			setWhere: and(isNull(customerEmails.sentAt), lt(customerEmails.claimedAt, now - CLAIM_TTL_MS)),
		})
		.returning({ claimedAt: customerEmails.claimedAt });
	if (claimed.length > 0) return true;
	const existing = await db.query.customerEmails.findFirst({ where: and(eq(customerEmails.bookingId, bookingId), eq(customerEmails.version, version)) });
	if (existing?.sentAt !== null && existing?.sentAt !== undefined) return false;
	throw new EmailInFlightError(bookingId, version);
}

export async function markEmailSent(db: Database, bookingId: string, version: number, now: number): Promise<void> {
	await db
		.update(customerEmails)
		.set({ sentAt: now })
		.where(and(eq(customerEmails.bookingId, bookingId), eq(customerEmails.version, version)));
}

/** Gives a claim back after a failed send, so the message's retry can send at once. */
export async function releaseEmail(db: Database, bookingId: string, version: number, claimedAt: number): Promise<void> {
	await db
		.delete(customerEmails)
		.where(
			and(eq(customerEmails.bookingId, bookingId), eq(customerEmails.version, version), eq(customerEmails.claimedAt, claimedAt), isNull(customerEmails.sentAt)),
		);
}

/** Deletes ledger rows claimed before `before`: their messages are long past any redelivery. */
export async function pruneEmailLedger(db: Database, before: number): Promise<number> {
	const deleted = await db.delete(customerEmails).where(lt(customerEmails.claimedAt, before)).returning({ bookingId: customerEmails.bookingId });
	return deleted.length;
}
