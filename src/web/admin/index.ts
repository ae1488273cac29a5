// The Admin API (/admin/api): one router per resource, session-authenticated and scoped to the
// caller's merchant. Mounted once in web/app.ts.
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { adminServices } from "./services";

export const adminApi = new Hono<AppEnv>().route("/", adminServices);
