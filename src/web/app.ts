// Builds the Hono application: one router per resource, mounted here, errors mapped in one place.
import { Hono } from "hono";
import { database } from "../db/client";
import { csrfProtection } from "./auth/csrf-protection";
import { facebookAuth } from "./auth/facebook-sign-in";
import { googleAuth } from "./auth/google-sign-in";
import { invitationAcceptance, staffInvitations } from "./auth/invitations";
import { loadSession } from "./auth/load-session";
import { authRoutes } from "./auth/routes";
import type { AppEnv } from "./context";
import { adminApi } from "./admin";
import { bookingCalendar } from "./api/booking-calendar";
import { publicApi } from "./api/public";
import { connectCallback } from "./connections/callback";
import { connectionRoutes, connectStart } from "./connections/routes";
import { dev } from "./dev";
import { health } from "./health";
import { ops } from "./ops";
import { provideMailer } from "./mailer";
import { accountPages } from "./pages/account";
import { adminPages } from "./pages/admin";
import { bookingPages } from "./pages/booking-pages";
import { handleError, handleNotFound } from "./problem";
import { securityHeaders } from "./security-headers";
import { webhooks } from "./webhooks";

export function createApp(): Hono<AppEnv> {
	const app = new Hono<AppEnv>();
	app.use(securityHeaders);
	app.use(async (c, next) => {
		c.set("db", database(c.env.DB));
		await next();
	});
	app.use(provideMailer);
	app.use(loadSession);
	app.use(csrfProtection);
	app.route("/", health);
	app.route("/auth", authRoutes);
	app.route("/auth", invitationAcceptance);
	app.route("/auth", googleAuth);
	app.route("/auth", facebookAuth);
	app.route("/admin/api", staffInvitations);
	app.route("/admin/api/connections", connectionRoutes);
	app.route("/admin/api/connect", connectStart);
	app.route("/connect", connectCallback);
	app.route("/webhooks", webhooks);
	app.route("/admin/api", adminApi);
	app.route("/admin", adminPages);
	app.route("/", publicApi);
	app.route("/", bookingCalendar);
	app.route("/", bookingPages);
	app.route("/", accountPages);
	app.route("/", ops);
	app.route("/", dev);
	app.onError(handleError);
	app.notFound(handleNotFound);
	return app;
}
