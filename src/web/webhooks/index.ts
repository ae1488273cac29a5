// The provider webhooks, mounted together at /webhooks. They carry no session or CSRF token: each
// notification proves itself with the channel's secret (Zoom: the app's signing secret) instead.
import { Hono } from "hono";
import type { AppEnv } from "../context";
import { googleWebhook } from "./google-notifications";
import { microsoftWebhook } from "./microsoft-notifications";
import { zoomWebhook } from "./zoom";

export const webhooks = new Hono<AppEnv>().route("/", googleWebhook).route("/", microsoftWebhook).route("/", zoomWebhook);
