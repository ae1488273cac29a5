// The Admin API (/admin/api): one router per resource, session-authenticated and scoped to the
// caller's merchant. Mounted once in web/app.ts.
import { Hono } from "hono";
import { syncScheduleSetup } from "../../booking/setup-sync";
import type { AppEnv } from "../context";
import { adminBookings } from "./bookings";
import { adminBusy } from "./busy";
import { adminHours } from "./hours";
import { adminOverrides } from "./overrides";
import { adminResources } from "./resources";
import { adminServices } from "./services";
import { adminSettings } from "./settings";
import { adminStaff } from "./staff";
import { adminTimeOff } from "./time-off";

export const adminApi = new Hono<AppEnv>()
	// A setup change (hours, services, staff, time off, rooms, settings) reaches the merchant's object
	// before the admin hears it succeeded, so the booking page offers the new times at once. One
	// indexed D1 read tells whether anything changed (setup-sync.ts); booking writes change nothing there.
	.use(async (c, next) => {
		await next();
		const merchantId = c.var.membership?.merchantId;
		if (c.req.method === "GET" || c.res.status >= 400 || merchantId === undefined) return;
		await syncScheduleSetup(c.env, merchantId);
	})
	.route("/", adminServices)
	.route("/", adminStaff)
	.route("/", adminHours)
	.route("/", adminOverrides)
	.route("/", adminTimeOff)
	.route("/", adminResources)
	.route("/", adminBookings)
	.route("/", adminBusy)
	.route("/", adminSettings);
