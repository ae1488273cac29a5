// /auth/facebook: start a Facebook sign-in (or, with ?link=1, add Facebook to the signed-in account)
// and finish it on the callback. Facebook's email is never taken as proof of an address.
import { Hono } from "hono";
import { OAuthError } from "../../oauth/client";
import { FacebookOAuth } from "../../oauth/facebook";
import type { AppEnv } from "../context";
import { completeProviderSignIn, flowRequest, redirectToProvider, signInFailure, takeFlow } from "./oauth-flow";

/** The one place sign-in reads Facebook's configuration. */
function facebookFor(env: Env): FacebookOAuth {
	return new FacebookOAuth({
		dialogUrl: env.FACEBOOK_DIALOG_URL,
		graphApi: env.FACEBOOK_GRAPH_API,
		appId: env.FACEBOOK_APP_ID,
		appSecret: env.FACEBOOK_APP_SECRET,
		redirectUri: new URL("/auth/facebook/callback", env.APP_URL).toString(),
	});
}

export const facebookAuth = new Hono<AppEnv>()
	.get("/facebook", async (c) => {
		const request = flowRequest(c);
		if (request instanceof Response) return request;
		const { url, flow } = await facebookFor(c.env).startSignIn(request.loginHint ?? null);
		return redirectToProvider(c, { provider: "facebook", ...flow, returnTo: request.returnTo, linkUserId: request.linkUserId }, url);
	})

	.get("/facebook/callback", async (c) => {
		const flow = await takeFlow(c, "facebook");
		if (flow === null) return signInFailure(c, "facebook-expired");
		let profile;
		try {
			profile = await facebookFor(c.env).finishSignIn(new URL(c.req.url), { state: flow.state, codeVerifier: flow.codeVerifier });
		} catch (error) {
			if (error instanceof OAuthError) return signInFailure(c, `facebook-${error.reason}`);
			throw error;
		}
		// A new address may open a new (unverified) account; an address an account uses links nothing.
		return completeProviderSignIn(c, flow, profile, "new-account");
	});
