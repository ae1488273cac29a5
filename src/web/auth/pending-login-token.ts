// The emailed link that finishes a pending provider login: what its token stores, and the check that
// it is opened in the browser that started the login (not merely by whoever reads the mailbox).
import { sha256 } from "@oslojs/crypto/sha2";
import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeHexLowerCase } from "@oslojs/encoding";
import type { Context } from "hono";
import { z } from "zod";
import { peekEmailToken } from "../../auth/tokens";
import type { AppEnv } from "../context";
import { readPendingLogin } from "./pending-login-cookie";
import type { PendingLogin } from "./pending-login-cookie";

export const PROVIDER_TITLES = { google: "Google", facebook: "Facebook" } as const;

/** Stored server-side in the token row's payload; never sent to a browser as is. */
export const linkPayloadSchema = z.object({
	provider: z.enum(["google", "facebook"]),
	subject: z.string().min(1),
	givenName: z.string().nullable(),
	familyName: z.string().nullable(),
	picture: z.string().nullable(),
	/** SHA-256 of the pending-login cookie's binding secret. */
	binding: z.string().length(64),
});
export type LinkPayload = z.infer<typeof linkPayloadSchema>;

function bindingHash(binding: string): string {
	return encodeHexLowerCase(sha256(new TextEncoder().encode(binding)));
}

export function linkPayload(pending: PendingLogin): LinkPayload {
	const { profile } = pending;
	return {
		provider: pending.provider,
		subject: profile.subject,
		givenName: profile.givenName,
		familyName: profile.familyName,
		picture: profile.picture,
		binding: bindingHash(pending.binding),
	};
}

/** Whether this browser's pending login is the one the link was sent for. */
export function sameBrowser(pending: PendingLogin | null, payload: LinkPayload): boolean {
	if (pending === null || pending.provider !== payload.provider || pending.profile.subject !== payload.subject) return false;
	const encoder = new TextEncoder();
	return constantTimeEqual(encoder.encode(bindingHash(pending.binding)), encoder.encode(payload.binding));
}

/** The provider account's name as shown in the email and on the page (the provider's words, trimmed). */
export function providerAccountName(payload: Pick<LinkPayload, "givenName" | "familyName">): string | null {
	const name = [payload.givenName, payload.familyName]
		.filter((part): part is string => part !== null)
		.join(" ")
		.replace(/[\u0000-\u001f\u007f]/g, " ")
		.trim();
	return name === "" ? null : name.slice(0, 100);
}

export interface LinkTokenView {
	provider: LinkPayload["provider"];
	providerTitle: string;
	email: string;
	accountName: string | null;
	/** The browser opening the link holds the pending login it was sent for. */
	sameBrowser: boolean;
}

/** What a live link is for, without using it up (mail scanners open links too); null when it is not live. */
export async function describeLinkToken(c: Context<AppEnv>, token: string, now: number): Promise<LinkTokenView | null> {
	if (token === "" || token.length > 200) return null;
	const row = await peekEmailToken(c.var.db, token, "link-identity", now);
	const payload = linkPayloadSchema.safeParse(row?.payload);
	if (row === null || !payload.success) return null;
	return {
		provider: payload.data.provider,
		providerTitle: PROVIDER_TITLES[payload.data.provider],
		email: row.email,
		accountName: providerAccountName(payload.data),
		sameBrowser: sameBrowser(await readPendingLogin(c), payload.data),
	};
}
