// The provider webhooks, mounted together at /webhooks. They carry no session or CSRF token: each
// notification proves itself with the channel's secret instead.
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { googleWebhook } from "./google-notifications";
import { microsoftWebhook } from "./microsoft-notifications";

export const webhooks = new Hono<AppEnv>().route("/", googleWebhook).route("/", microsoftWebhook);
