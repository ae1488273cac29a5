// /connect/{provider}/callback: the provider sends the person back here; the code becomes a stored,
// encrypted connection. Ends on the Integrations page, since the person arrives by browser navigation.
import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getSignedCookie } from "hono/cookie";
import { findMembership } from "../../auth/membership";
import { OAuthError } from "../../oauth/client";
import { connectOAuth } from "../../sync/connect-oauth";
import { connectionOAuth } from "../../sync/connection-oauth";
import { BusinessCalendarTakenError, ZoomTakenError } from "../../sync/connection-lifecycle";
import { syncContextFor } from "../../sync/context";
import { ProviderError } from "../../calendars/provider";
import type { AppEnv } from "../context";
import { CONNECT_COOKIE, decodeConnectFlow } from "./flow";

function done(c: Context<AppEnv>, outcome: { connected: string } | { error: string }): Response {
	const url = new URL("/admin/integrations", c.env.APP_URL);
	if ("connected" in outcome) url.searchParams.set("connected", outcome.connected);
	else url.searchParams.set("error", outcome.error);
	return c.redirect(url.toString(), 303);
}

export const connectCallback = new Hono<AppEnv>().get("/:provider/callback", async (c) => {
	const raw = await getSignedCookie(c, c.env.SESSION_SECRET, CONNECT_COOKIE, "host");
	// One attempt per flow, whatever happens next.
	deleteCookie(c, CONNECT_COOKIE, { prefix: "host", secure: true, path: "/" });
	const flow = typeof raw === "string" ? decodeConnectFlow(raw) : null;
	if (flow === null || flow.provider !== c.req.param("provider")) return done(c, { error: "connect-expired" });
	// The same person must finish what they started, and still belong to the merchant.
	const user = c.var.user;
	if (user === undefined || user.id !== flow.userId || (await findMembership(c.var.db, user.id, flow.merchantId)) === null) {
		return done(c, { error: "connect-expired" });
	}
	const context = syncContextFor(c.env, c.var.db, c.var.mailer);
	try {
		const tokens = await connectionOAuth(c.env, flow.provider).finishConnection(new URL(c.req.url), flow, context.now());
		const connection = await connectOAuth(context, { merchantId: flow.merchantId, staffId: flow.staffId, provider: flow.provider, tokens });
		return done(c, { connected: connection.id });
	} catch (error) {
		if (error instanceof OAuthError) return done(c, { error: `connect-${error.reason}` });
		if (error instanceof BusinessCalendarTakenError) return done(c, { error: "business-calendar-exists" });
		if (error instanceof ZoomTakenError) return done(c, { error: "zoom-exists" });
		if (error instanceof ProviderError) return done(c, { error: "connect-provider" });
		throw error;
	}
});
