// /auth/pending-login: finishing a provider login we could not attach on the callback (no email
// shared, an unproven one, or one an account already uses) by proving an address with an emailed link.
import { Hono } from "hono";
import { z } from "zod";
import { linkLoginEmail } from "../../auth/emails";
import { IdentityLinkError, signInWithIdentity } from "../../auth/identity-link";
import { signInErrorMessage } from "../../auth/sign-in-errors";
import { consumeEmailToken, invalidLinkError, issueEmailToken, issuedToAddressSince, peekEmailToken } from "../../auth/tokens";
import { NotFoundError, RateLimitedError, UnprocessableError } from "../../errors";
import type { AppEnv } from "../context";
import { sendInBackground } from "../mailer";
import { requireSameOrigin } from "./csrf-protection";
import { appLink } from "./email-links";
import { emailSchema, tokenSchema } from "./fields";
import { parseJsonBody } from "./json-body";
import { clearPendingLogin, readPendingLogin } from "./pending-login-cookie";
import { PROVIDER_TITLES, linkPayload, linkPayloadSchema, providerAccountName, sameBrowser } from "./pending-login-token";
import { startSession } from "./session-cookie";
import { sessionView } from "./session-view";

/** At most one link a minute per address, so nobody can fill a mailbox through this form. */
const RESEND_INTERVAL_MS = 60 * 1000;

export const pendingLogin = new Hono<AppEnv>()
	.use(requireSameOrigin)

	// The words for a /signin?error=CODE redirect, so every page shows the same message.
	.get("/sign-in-errors/:code", (c) => {
		const message = signInErrorMessage(c.req.param("code"));
		if (message === null) throw new NotFoundError("Sign-in error");
		return c.json({ code: c.req.param("code"), message });
	})

	// What the sign-in page shows after a refused provider login: why, and the address to prefill.
	.get("/pending-login", async (c) => {
		const pending = await readPendingLogin(c);
		if (pending === null) throw new NotFoundError("Pending sign-in");
		c.header("cache-control", "no-store");
		return c.json({
			provider: pending.provider,
			reason: pending.reason,
			message: signInErrorMessage(pending.reason),
			email: pending.profile.email,
			firstName: pending.profile.givenName,
			lastName: pending.profile.familyName,
		});
	})

	.post("/pending-login/email", async (c) => {
		const body = await parseJsonBody(c, z.object({ email: emailSchema }));
		const pending = await readPendingLogin(c);
		if (pending === null) throw new UnprocessableError("no-pending-login", "Start again by signing in with Google or Facebook.");
		const now = Date.now();
		if (await issuedToAddressSince(c.var.db, body.email, "link-identity", now - RESEND_INTERVAL_MS)) {
			throw new RateLimitedError("A link was sent to this address less than a minute ago.", 60);
		}
		const payload = linkPayload(pending);
		const token = await issueEmailToken(c.var.db, { purpose: "link-identity", email: body.email, payload: { ...payload } }, now);
		const message = linkLoginEmail(body.email, PROVIDER_TITLES[pending.provider], providerAccountName(payload), appLink(c, "/link-login", token));
		sendInBackground(c, message, "link-identity");
		return c.json({ message: `We have sent a link to ${body.email}. Open it in this browser to finish signing in.` }, 202);
	})

	// The emailed link's page posts its token here. The link proves the mailbox; the pending-login
	// cookie proves this is the browser that signed in with the provider. Both are needed: with the
	// link alone, someone could mail a victim a link that attaches the sender's Facebook to the
	// victim's account the moment the victim opens it.
	.post("/pending-login/confirm", async (c) => {
		const body = await parseJsonBody(c, z.object({ token: tokenSchema }));
		const now = Date.now();
		// Peek first: opening the link in the wrong browser must not use it up for the right one.
		const row = await peekEmailToken(c.var.db, body.token, "link-identity", now);
		const payload = linkPayloadSchema.safeParse(row?.payload);
		if (row === null || !payload.success) throw invalidLinkError();
		const { provider, subject, givenName, familyName, picture } = payload.data;
		if (!sameBrowser(await readPendingLogin(c), payload.data)) {
			throw new UnprocessableError(
				"pending-login-elsewhere",
				`Open this link in the browser where you signed in with ${PROVIDER_TITLES[provider]}, or start again by signing in with ${PROVIDER_TITLES[provider]} in this one. If you did not sign in with ${PROVIDER_TITLES[provider]}, ignore the email: nothing changes.`,
			);
		}
		if ((await consumeEmailToken(c.var.db, body.token, "link-identity", now)) === null) throw invalidLinkError();
		const profile = { subject, email: row.email, emailVerified: true, givenName, familyName, picture };
		let userId: string;
		try {
			// Not the current session's account: the link and this browser's pending login speak for the mailbox's account.
			({ userId } = await signInWithIdentity(c.var.db, provider, profile, null, now));
		} catch (error) {
			if (error instanceof IdentityLinkError) throw new UnprocessableError(error.reason, signInErrorMessage(error.reason) ?? error.message);
			throw error;
		}
		clearPendingLogin(c);
		await startSession(c, userId, now);
		return c.json(await sessionView(c));
	});
