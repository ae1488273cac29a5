// The once-only ledger of customer emails: one email per (booking, version), however often the
// queue delivers its message. A sender claims the version before sending and marks it sent after.
import { and, eq, isNull, lt } from "drizzle-orm";
import type { Database } from "../db/client";
import { customerEmails } from "../db/schema";
import { MAIL_SEND_TIMEOUT_MS } from "../mail/mailer";

/**
 * How long a claim is honoured: no longer than the delivery holding it can still be sending (its send
 * gives up after MAIL_SEND_TIMEOUT_MS, then it releases or marks the claim). An older unsent claim
 * belongs to a delivery that died mid-send, and the next delivery takes it over.
 */
export const CLAIM_LEASE_MS = MAIL_SEND_TIMEOUT_MS + 10_000;

/** Another delivery holds the claim; the queue retries this one once that claim has lapsed. */
export class EmailInFlightError extends Error {
	constructor(
		bookingId: string,
		version: number,
		/** Until the holder's lease ends (src/sync/retry.ts honours it as it does a provider's Retry-After). */
		readonly retryAfterSeconds: number,
	) {
		super(`the email for ${bookingId} v${version} is being sent by another delivery`);
		this.name = "EmailInFlightError";
	}
}

/**
 * Claims the email of `version`: true when this caller should send it, false when it was sent
 * already. Throws EmailInFlightError while another sender's claim is within its lease.
 */
export async function claimEmail(db: Database, bookingId: string, version: number, now: number): Promise<boolean> {
	const claimed = await db
		.insert(customerEmails)
		.values({ bookingId, version, claimedAt: now })
		.onConflictDoUpdate({
			target: [customerEmails.bookingId, customerEmails.version],
			set: { claimedAt: now },
			setWhere: and(isNull(customerEmails.sentAt), lt(customerEmails.claimedAt, now - CLAIM_LEASE_MS)),
		})
		.returning({ claimedAt: customerEmails.claimedAt });
	if (claimed.length > 0) return true;
	const existing = await db.query.customerEmails.findFirst({ where: and(eq(customerEmails.bookingId, bookingId), eq(customerEmails.version, version)) });
	if (existing?.sentAt !== null && existing?.sentAt !== undefined) return false;
	// Gone already (its holder gave it back): try again at once.
	const leaseLeft = existing === undefined ? 0 : existing.claimedAt + CLAIM_LEASE_MS - now;
	throw new EmailInFlightError(bookingId, version, Math.max(1, Math.ceil(leaseLeft / 1000)));
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
