// The merchant admin pages under /admin (the Admin API itself lives at /admin/api): sign-in, dashboard,
// calendar, setup and integrations, each behind the page gate and never framable, and the business
// switcher's POST. Mounted once in web/app.ts.
import { Hono } from "hono";
import type { AppEnv } from "../../context";
import { calendarPage } from "./calendar";
import { dashboardPage } from "./dashboard";
import { adminPageGate } from "./guard";
import { integrationsPage } from "./integrations";
import { securityHeaders } from "../../security-headers";
import { localInstant } from "./local-instant";
import { setupPage } from "./setup";
import { signInPage } from "./signin";
import { switchBusiness } from "./switch-business";

const gate = adminPageGate();

export const adminPages = new Hono<AppEnv>()
	// Also applied here, not only globally: an admin page must never be framable, whatever else is mounted.
	.use(securityHeaders)
	.get("/signin", signInPage)
	.get("/", gate, dashboardPage)
	.get("/calendar", gate, calendarPage)
	.get("/setup", gate, setupPage)
	.get("/integrations", gate, integrationsPage)
	.get("/instant", gate, localInstant)
	.post("/switch-business", switchBusiness);
