// /auth/google: start a Google sign-in and finish it on the callback. Failures end on the sign-in
// page with an error code, since the person arrives here by browser navigation, not from a script.
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { z } from "zod";
import { GoogleSignIn, GoogleSignInError } from "../../auth/google";
import { IdentityLinkError, signInWithIdentity } from "../../auth/identity-link";
import type { AppEnv } from "../context";
import { startSession } from "./session-cookie";

/** Hono adds the prefix: `__Host-slotline_oauth`. */
const FLOW_COOKIE = "slotline_oauth";
/** Long enough to pick an account and consent; short enough that a stale flow cannot be replayed later. */
const FLOW_TTL_SECONDS = 10 * 60;

const flowSchema = z.object({
	state: z.string().min(1),
	codeVerifier: z.string().min(43),
	nonce: z.string().min(1),
	returnTo: z.string(),
});
type Flow = z.infer<typeof flowSchema>;

function googleFor(env: Env): GoogleSignIn {
	return new GoogleSignIn({
		issuer: env.GOOGLE_ISSUER,
		clientId: env.GOOGLE_CLIENT_ID,
		clientSecret: env.GOOGLE_CLIENT_SECRET,
		redirectUri: new URL("/auth/google/callback", env.APP_URL).toString(),
	});
}

/** Only a path on our own site: "//evil.example" and "/\evil.example" are other hosts to a browser. */
function safeReturnTo(value: string | undefined): string {
	if (value === undefined || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/\\")) return "/";
	return value;
}

function encodeFlow(flow: Flow): string {
	return encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(flow)));
}

function decodeFlow(value: string): Flow | null {
	try {
		const parsed = flowSchema.safeParse(JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(value))));
		return parsed.success ? parsed.data : null;
	} catch {
		return null;
	}
}

function failure(c: Context<AppEnv>, code: string): Response {
	const url = new URL("/signin", c.env.APP_URL);
	url.searchParams.set("error", code);
	return c.redirect(url.toString(), 303);
}

export const googleAuth = new Hono<AppEnv>()
	.get("/google", async (c) => {
		const { url, flow } = await googleFor(c.env).start(c.req.query("login_hint"));
		const value = encodeFlow({ ...flow, returnTo: safeReturnTo(c.req.query("returnTo")) });
		await setSignedCookie(c, FLOW_COOKIE, value, c.env.SESSION_SECRET, {
			prefix: "host",
			httpOnly: true,
			secure: true,
			// Lax: the callback is a top-level navigation back from Google, which Lax cookies accompany.
			sameSite: "Lax",
			path: "/",
			maxAge: FLOW_TTL_SECONDS,
		});
		return c.redirect(url.toString(), 302);
	})

	.get("/google/callback", async (c) => {
		const raw = await getSignedCookie(c, c.env.SESSION_SECRET, FLOW_COOKIE, "host");
		// One attempt per flow, whatever happens next.
		deleteCookie(c, FLOW_COOKIE, { prefix: "host", secure: true, path: "/" });
		const flow = typeof raw === "string" ? decodeFlow(raw) : null;
		if (flow === null) return failure(c, "google-expired");

		const now = Date.now();
		try {
			const profile = await googleFor(c.env).finish(new URL(c.req.url), flow);
			const { userId } = await signInWithIdentity(c.var.db, "google", profile, c.var.user?.id ?? null, now);
			await startSession(c, userId, now);
		} catch (error) {
			if (error instanceof GoogleSignInError) return failure(c, `google-${error.reason}`);
			if (error instanceof IdentityLinkError) return failure(c, error.reason);
			throw error;
		}
		return c.redirect(new URL(flow.returnTo, c.env.APP_URL).toString(), 303);
	});
