// One-time email link tokens (verification, reset, invitation, identity link): random, stored
// hashed, expiring, and consumed atomically so a link works exactly once.
import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { emailTokens } from "../db/schema";
import { UnprocessableError } from "../errors";

export type EmailTokenPurpose = (typeof emailTokens.$inferInsert)["purpose"];
export type EmailToken = typeof emailTokens.$inferSelect;

const HOUR_MS = 60 * 60 * 1000;

/** Short for reset and linking (they grant access), long for invitations (people read mail late). */
export const EMAIL_TOKEN_TTL_MS: Record<EmailTokenPurpose, number> = {
	"verify-email": 24 * HOUR_MS,
	"reset-password": HOUR_MS,
	invite: 7 * 24 * HOUR_MS,
	// Only as long as the pending-login cookie it must be opened with (web/auth/pending-login-cookie.ts).
	"link-identity": HOUR_MS / 2,
};

export interface EmailTokenRequest {
	purpose: EmailTokenPurpose;
	email: string;
	userId?: string | null;
	merchantId?: string | null;
	staffId?: string | null;
	payload?: Record<string, unknown> | null;
}

function tokenId(token: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

/**
 * Creates a token and returns it; only its hash is stored. Earlier unused tokens of the same
 * purpose for the same user (or, for invitations, the same staff member) are withdrawn, so only
 * the newest link works.
 */
export async function issueEmailToken(db: Database, request: EmailTokenRequest, now: number): Promise<string> {
	const token = encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));
	const row = {
		id: tokenId(token),
		purpose: request.purpose,
		email: request.email,
		userId: request.userId ?? null,
		merchantId: request.merchantId ?? null,
		staffId: request.staffId ?? null,
		payload: request.payload ?? null,
		expiresAt: now + EMAIL_TOKEN_TTL_MS[request.purpose],
	};
	// An invitation is replaced per staff member (the invitee may have no account yet); anything else per user.
	const owner =
		request.purpose === "invite" && request.staffId
			? eq(emailTokens.staffId, request.staffId)
			: request.userId
				? eq(emailTokens.userId, request.userId)
				: undefined;
	if (owner === undefined) {
		await db.insert(emailTokens).values(row);
	} else {
		await db.batch([
			db.delete(emailTokens).where(and(owner, eq(emailTokens.purpose, request.purpose), isNull(emailTokens.usedAt))),
			db.insert(emailTokens).values(row),
		]);
	}
	return token;
}

/**
 * Marks the token used and returns its row, or null when it is unknown, of another purpose,
 * expired or already used. A single conditional UPDATE, so two concurrent uses cannot both win.
 */
export async function consumeEmailToken(db: Database, token: string, purpose: EmailTokenPurpose, now: number): Promise<EmailToken | null> {
	const row = await db
		.update(emailTokens)
		.set({ usedAt: now })
		.where(and(eq(emailTokens.id, tokenId(token)), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
		.returning()
		.get();
	return row ?? null;
}

/**
 * Whether a token of this purpose was sent to the user since `since`: a cheap brake on requests
 * that would otherwise let anyone fill a mailbox with reset or verification mail.
 */
export async function issuedSince(db: Database, userId: string, purpose: EmailTokenPurpose, since: number): Promise<boolean> {
	const row = await db
		.select({ id: emailTokens.id })
		.from(emailTokens)
		.where(and(eq(emailTokens.userId, userId), eq(emailTokens.purpose, purpose), gt(emailTokens.createdAt, since)))
		.get();
	return row !== undefined;
}

/** Whether a token of this purpose was mailed to `email` since `since` (for links sent before an account exists). */
export async function issuedToAddressSince(db: Database, email: string, purpose: EmailTokenPurpose, since: number): Promise<boolean> {
	const row = await db
		.select({ id: emailTokens.id })
		.from(emailTokens)
		.where(and(eq(emailTokens.email, email), eq(emailTokens.purpose, purpose), gt(emailTokens.createdAt, since)))
		.get();
	return row !== undefined;
}

/** Reads a live token without using it (to show an invitation before it is accepted). */
export async function peekEmailToken(db: Database, token: string, purpose: EmailTokenPurpose, now: number): Promise<EmailToken | null> {
	const row = await db
		.select()
		.from(emailTokens)
		.where(and(eq(emailTokens.id, tokenId(token)), eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), gt(emailTokens.expiresAt, now)))
		.get();
	return row ?? null;
}

/** The one answer for a bad link, whatever is wrong with it (unknown, expired, used). */
export function invalidLinkError(): UnprocessableError {
	return new UnprocessableError("invalid-token", "This link is invalid, has expired or was already used. Ask for a new one.");
}
