// A provider login we could not attach yet (no email, an unproven one, or one an account uses),
// kept in a signed HttpOnly cookie until the person proves an address by email.
import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { z } from "zod";
import type { IdentityLinkFailure } from "../../auth/identity-link";
import type { ProviderProfile } from "../../oauth/profile";
import type { AppEnv } from "../context";
import { decodeJsonCookie, encodeJsonCookie } from "./json-cookie";

/** Hono adds the prefix: `__Host-slotline_pending`. */
const PENDING_COOKIE = "slotline_pending";
/** The emailed link that finishes it lives as long (EMAIL_TOKEN_TTL_MS["link-identity"]): it needs this cookie. */
const PENDING_TTL_SECONDS = 30 * 60;

const pendingSchema = z.object({
	/**
	 * A random secret only this browser holds (the cookie is HttpOnly and signed). An emailed link
	 * carries its hash, so the link finishes the login only in the browser that started it.
	 */
	binding: z.string().min(32),
	provider: z.enum(["google", "facebook"]),
	reason: z.enum(["email-missing", "email-unverified", "email-in-use"]),
	profile: z.object({
		subject: z.string().min(1),
		email: z.string().nullable(),
		emailVerified: z.boolean(),
		givenName: z.string().nullable(),
		familyName: z.string().nullable(),
		picture: z.string().nullable(),
	}),
});
export type PendingLogin = z.infer<typeof pendingSchema>;

export async function setPendingLogin(
	c: Context<AppEnv>,
	pending: { provider: PendingLogin["provider"]; reason: Exclude<IdentityLinkFailure, "identity-taken">; profile: ProviderProfile },
): Promise<void> {
	const binding = encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
	await setSignedCookie(c, PENDING_COOKIE, encodeJsonCookie({ binding, ...pending }), c.env.SESSION_SECRET, {
		prefix: "host",
		httpOnly: true,
		secure: true,
		sameSite: "Lax",
		path: "/",
		maxAge: PENDING_TTL_SECONDS,
	});
}

export async function readPendingLogin(c: Context<AppEnv>): Promise<PendingLogin | null> {
	const raw = await getSignedCookie(c, c.env.SESSION_SECRET, PENDING_COOKIE, "host");
	return typeof raw === "string" ? decodeJsonCookie(raw, pendingSchema) : null;
}

export function clearPendingLogin(c: Context<AppEnv>): void {
	deleteCookie(c, PENDING_COOKIE, { prefix: "host", secure: true, path: "/" });
}
