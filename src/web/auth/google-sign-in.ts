// /auth/google: start a Google sign-in (or, with ?link=1, add Google to the signed-in account; with
// ?invitation=TOKEN, accept a staff invitation) and finish it on the callback. Failures end on the
// sign-in page with an error code, since the person arrives here by browser navigation, not a script.
import { Hono } from "hono";
import { OAuthError } from "../../oauth/client";
import { GoogleOAuth } from "../../oauth/google";
import type { AppEnv } from "../context";
import { completeInvitationSignIn } from "./invitations";
import { completeProviderSignIn, flowRequest, redirectToProvider, signInFailure, takeFlow } from "./oauth-flow";

/** The one place sign-in reads Google's configuration. */
function googleFor(env: Env): GoogleOAuth {
	return new GoogleOAuth({
		issuer: env.GOOGLE_ISSUER,
		clientId: env.GOOGLE_CLIENT_ID,
		clientSecret: env.GOOGLE_CLIENT_SECRET,
		redirectUri: new URL("/auth/google/callback", env.APP_URL).toString(),
	});
}

export const googleAuth = new Hono<AppEnv>()
	.get("/google", async (c) => {
		const request = flowRequest(c);
		if (request instanceof Response) return request;
		const { url, flow } = await googleFor(c.env).startSignIn(request.loginHint ?? null);
		const invitation = request.invitation === undefined ? {} : { invitation: request.invitation };
		return redirectToProvider(c, { provider: "google", ...flow, returnTo: request.returnTo, linkUserId: request.linkUserId, ...invitation }, url);
	})

	.get("/google/callback", async (c) => {
		const flow = await takeFlow(c, "google");
		if (flow === null || flow.nonce === undefined) return signInFailure(c, "google-expired");
		let profile;
		try {
			profile = await googleFor(c.env).finishSignIn(new URL(c.req.url), { state: flow.state, codeVerifier: flow.codeVerifier, nonce: flow.nonce });
		} catch (error) {
			if (error instanceof OAuthError) return signInFailure(c, `google-${error.reason}`);
			throw error;
		}
		// Merchants' staff may join with the Google account of the address they were invited at.
		if (flow.invitation !== undefined) return completeInvitationSignIn(c, flow, flow.invitation, profile);
		// Google says outright whether it verified the address; an unverified one opens nothing.
		return completeProviderSignIn(c, flow, profile, "refuse");
	});
