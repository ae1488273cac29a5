// POST /webhooks/zoom: Zoom's event deliveries and its url_validation challenge. Verifying, deduplicating
// and acting is src/meetings/zoom-webhook.ts; this route reads the raw body (the signature covers its
// exact bytes) and maps the verdict to a status. Nothing of the body is logged.
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { receiveZoomWebhook } from "../../meetings/zoom-webhook";
import type { ZoomVerdict } from "../../meetings/zoom-webhook";
import { syncContextFor } from "../../sync/context";
import type { AppEnv } from "../context";

const statusOf = { malformed: 400, forged: 401, stale: 401, replayed: 200, accepted: 200 } as const satisfies Record<Exclude<ZoomVerdict["kind"], "validation">, number>;

/** Zoom's events are a few kilobytes; anything much larger is not one, and is not read. */
const deliveryLimit = bodyLimit({ maxSize: 256 * 1024, onError: (c) => c.body(null, 413) });

export const zoomWebhook = new Hono<AppEnv>().post("/zoom", deliveryLimit, async (c) => {
	const verdict = await receiveZoomWebhook(syncContextFor(c.env, c.var.db, c.var.mailer), {
		timestamp: c.req.header("x-zm-request-timestamp") ?? null,
		signature: c.req.header("x-zm-signature") ?? null,
		rawBody: await c.req.text(),
	});
	if (verdict.kind === "validation") return c.json(verdict.answer, 200);
	return c.body(null, statusOf[verdict.kind]);
});
