// The browser side of provider sign-in, shared by Google and Facebook: the signed cookie that ties
// a callback to the browser (and, when linking, the account) that started it, and how it ends.
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { z } from "zod";
import { IdentityLinkError, signInWithIdentity } from "../../auth/identity-link";
import type { IdentityProvider, UnverifiedEmailPolicy } from "../../auth/identity-link";
import type { ProviderProfile } from "../../oauth/profile";
import type { SignInErrorCode } from "../../auth/sign-in-errors";
import { sessionUserById } from "../../db/queries/users";
import type { AppEnv } from "../context";
import { sendVerification } from "./email-links";
import { decodeJsonCookie, encodeJsonCookie } from "./json-cookie";
import { clearPendingLogin, setPendingLogin } from "./pending-login-cookie";
import { safeReturnTo } from "./return-to";
import { startSession } from "./session-cookie";

/** Hono adds the prefix: `__Host-slotline_oauth`. */
const FLOW_COOKIE = "slotline_oauth";
/** Long enough to pick an account and consent; short enough that a stale flow cannot be replayed later. */
const FLOW_TTL_SECONDS = 10 * 60;
/** Where a link flow returns to unless told otherwise: the profile page. */
const LINK_RETURN_TO = "/account";

const flowSchema = z.object({
	provider: z.enum(["google", "facebook"]),
	state: z.string().min(1),
	codeVerifier: z.string().min(43),
	nonce: z.string().optional(),
	returnTo: z.string(),
	/** Set by `?link=1`: the account the login is added to; the callback must come from its session. */
	linkUserId: z.string().nullable(),
	/** Set by `?invitation=TOKEN` (Google only): the staff invitation this sign-in accepts. */
	invitation: z.string().min(1).max(200).optional(),
});
export type OAuthFlow = z.infer<typeof flowSchema>;

/** What the start routes read from their query string. */
export interface FlowRequest {
	returnTo: string;
	linkUserId: string | null;
	loginHint: string | undefined;
	/** A staff invitation token to accept with this sign-in; never together with linking. */
	invitation: string | undefined;
}

/** Ends a browser flow on the sign-in page with an error code (see auth/sign-in-errors.ts). */
export function signInFailure(c: Context<AppEnv>, code: SignInErrorCode): Response {
	const url = new URL("/signin", c.env.APP_URL);
	url.searchParams.set("error", code);
	return c.redirect(url.toString(), 303);
}

/**
 * Reads `returnTo`, `login_hint`, `invitation` and `link`. Linking (`link=1`) needs a signed-in person: the
 * new login is then added to their account, never used to open another one.
 */
export function flowRequest(c: Context<AppEnv>): FlowRequest | Response {
	const link = c.req.query("link") === "1";
	if (link && c.var.user === undefined) return signInFailure(c, "signin-required");
	return {
		returnTo: safeReturnTo(c.req.query("returnTo"), c.env.APP_URL) ?? (link ? LINK_RETURN_TO : "/"),
		linkUserId: link ? (c.var.user?.id ?? null) : null,
		loginHint: c.req.query("login_hint"),
		invitation: link ? undefined : c.req.query("invitation")?.slice(0, 200) || undefined,
	};
}

/** Keeps the flow in a signed HttpOnly cookie and sends the browser to the provider. */
export async function redirectToProvider(c: Context<AppEnv>, flow: OAuthFlow, url: URL): Promise<Response> {
	await setSignedCookie(c, FLOW_COOKIE, encodeJsonCookie(flow), c.env.SESSION_SECRET, {
		prefix: "host",
		httpOnly: true,
		secure: true,
		// Lax: the callback is a top-level navigation back from the provider, which Lax cookies accompany.
		sameSite: "Lax",
		path: "/",
		maxAge: FLOW_TTL_SECONDS,
	});
	return c.redirect(url.toString(), 302);
}

/** The flow this browser started with `provider`, used up whatever happens next; null when none. */
export async function takeFlow(c: Context<AppEnv>, provider: IdentityProvider): Promise<OAuthFlow | null> {
	const raw = await getSignedCookie(c, c.env.SESSION_SECRET, FLOW_COOKIE, "host");
	deleteCookie(c, FLOW_COOKIE, { prefix: "host", secure: true, path: "/" });
	const flow = typeof raw === "string" ? decodeJsonCookie(raw, flowSchema) : null;
	return flow !== null && flow.provider === provider ? flow : null;
}

/**
 * Signs in (or links) with a profile the provider vouched for. A refusal that the person can
 * resolve with an email address (none shared, not verified, already used by an account) keeps
 * the profile in a pending-login cookie for POST /auth/pending-login/email.
 */
export async function completeProviderSignIn(
	c: Context<AppEnv>,
	flow: OAuthFlow,
	profile: ProviderProfile,
	unverifiedEmail: UnverifiedEmailPolicy,
): Promise<Response> {
	if (flow.linkUserId !== null && c.var.user?.id !== flow.linkUserId) return signInFailure(c, "link-session-changed");
	const now = Date.now();
	let result;
	try {
		// Link only when the person asked to (?link=1, bound to their session when the flow started).
		// Falling back to whoever is signed in would let a planted session capture a victim's provider login.
		result = await signInWithIdentity(c.var.db, flow.provider, profile, flow.linkUserId, now, unverifiedEmail);
	} catch (error) {
		if (!(error instanceof IdentityLinkError)) throw error;
		if (error.reason !== "identity-taken") await setPendingLogin(c, { provider: flow.provider, reason: error.reason, profile });
		return signInFailure(c, error.reason);
	}
	clearPendingLogin(c);
	await startSession(c, result.userId, now);
	if (result.created) {
		const user = await sessionUserById(c.var.db, result.userId);
		// An account opened on an address nobody proved: the person can confirm it (and is reachable there).
		if (user !== undefined && user.emailVerifiedAt === null) await sendVerification(c, result.userId, user.email, now);
	}
	// Checked again here, not only when the flow started: the cookie outlives any change to the rules.
	return c.redirect(new URL(safeReturnTo(flow.returnTo, c.env.APP_URL) ?? "/", c.env.APP_URL).toString(), 303);
}
