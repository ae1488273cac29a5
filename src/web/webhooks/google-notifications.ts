// POST /webhooks/google: Google's push notifications, answered at once; verifying them and queueing the
// sync is src/sync/push-google.ts, and this route only turns its verdict into a status.
import { Hono } from "hono";
import { syncContextFor } from "../../sync/context";
import { receiveGoogleNotification } from "../../sync/push-google";
import type { GoogleVerdict } from "../../sync/push-google";
import type { AppEnv } from "../context";

const statusOf = { refused: 401, unknown: 401, confirmed: 200, queued: 200 } as const satisfies Record<GoogleVerdict["kind"], number>;

export const googleWebhook = new Hono<AppEnv>().post("/google", async (c) => {
	const verdict = await receiveGoogleNotification(syncContextFor(c.env, c.var.db, c.var.mailer), c.req.raw.headers);
	return c.body(null, statusOf[verdict.kind]);
});
