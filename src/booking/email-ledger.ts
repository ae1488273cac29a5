// The once-only ledger of customer emails: one email per (booking, version), however often the
// queue delivers its message. A sender claims the version before sending and marks it sent after. It
// lives in the merchant's object (table email_claims), beside the bookings it is about.
import { lt } from "drizzle-orm";
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

/** What a claim found: this caller sends; it went out already; or another delivery holds it for this long. */
export type EmailClaim = { kind: "claimed" } | { kind: "sent" } | { kind: "in-flight"; retryAfterSeconds: number };

/**
 * Claims the email of `version` in the merchant object's ledger (synchronous, like every write there).
 * A claim older than its lease and still unsent is taken over.
 */
export function claimEmail(sql: SqlStorage, bookingId: string, version: number, now: number): EmailClaim {
	const claimed = sql.exec(
		`insert into email_claims (booking_id, version, claimed_at) values (?1, ?2, ?3)
		 on conflict (booking_id, version) do update set claimed_at = excluded.claimed_at
		 where email_claims.sent_at is null and email_claims.claimed_at < ?3 - ?4`,
		bookingId,
		version,
		now,
		CLAIM_LEASE_MS,
	);
	if (claimed.rowsWritten > 0) return { kind: "claimed" };
	const existing = sql.exec<{ claimed_at: number; sent_at: number | null }>("select claimed_at, sent_at from email_claims where booking_id = ? and version = ?", bookingId, version).one();
	if (existing.sent_at !== null) return { kind: "sent" };
	return { kind: "in-flight", retryAfterSeconds: Math.max(1, Math.ceil((existing.claimed_at + CLAIM_LEASE_MS - now) / 1000)) };
}

export function markEmailSent(sql: SqlStorage, bookingId: string, version: number, now: number): void {
	sql.exec("update email_claims set sent_at = ? where booking_id = ? and version = ?", now, bookingId, version);
}

/** Gives a claim back after a failed send, so the message's retry can send at once. */
export function releaseEmail(sql: SqlStorage, bookingId: string, version: number, claimedAt: number): void {
	sql.exec("delete from email_claims where booking_id = ? and version = ? and claimed_at = ? and sent_at is null", bookingId, version, claimedAt);
}

/** Deletes claims made before `before`: their messages are long past any redelivery. */
export function pruneEmailClaims(sql: SqlStorage, before: number): void {
	sql.exec("delete from email_claims where claimed_at < ?", before);
}

export interface EmailRecord {
	bookingId: string;
	version: number;
	claimedAt: number;
	sentAt: number | null;
}

/**
 * Merges ledger rows kept elsewhere (D1's customer_emails, from before the ledger moved here) into the
 * object's: a version sent on either side is sent, and a claim still held there is honoured here.
 * Returns how many rows it added or marked sent.
 */
export function mergeEmailRecords(sql: SqlStorage, records: readonly EmailRecord[]): number {
	let changed = 0;
	for (const r of records) {
		changed += sql.exec(
			`insert into email_claims (booking_id, version, claimed_at, sent_at) values (?, ?, ?, ?)
			 on conflict (booking_id, version) do update set sent_at = excluded.sent_at
			 where email_claims.sent_at is null and excluded.sent_at is not null`,
			r.bookingId,
			r.version,
			r.claimedAt,
			r.sentAt,
		).rowsWritten > 0
			? 1
			: 0;
	}
	return changed;
}

/** Deletes rows of D1's ledger (customer_emails, written before the ledger moved into the objects) claimed before `before`. */
export async function pruneEmailLedger(db: Database, before: number): Promise<number> {
	const deleted = await db.delete(customerEmails).where(lt(customerEmails.claimedAt, before)).returning({ bookingId: customerEmails.bookingId });
	return deleted.length;
}
