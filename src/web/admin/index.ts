// The Admin API (/admin/api): one router per resource, session-authenticated and scoped to the
// caller's merchant. Mounted once in web/app.ts.
import { Hono } from "hono";
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
	.route("/", adminServices)
	.route("/", adminStaff)
	.route("/", adminHours)
	.route("/", adminOverrides)
	.route("/", adminTimeOff)
	.route("/", adminResources)
	.route("/", adminBookings)
	.route("/", adminBusy)
	.route("/", adminSettings);
