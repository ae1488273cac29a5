// POST /webhooks/microsoft and /webhooks/microsoft/lifecycle: Graph's validation handshake, a 202 within
// Graph's 3 seconds, and a body too large to be a batch left unread. Verifying the items and queueing
// the work is src/sync/push-microsoft.ts; this route only turns its verdict into a status.
import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { syncContextFor } from "../../sync/context";
import type { InboundContext } from "../../sync/push-channels";
import { receiveGraphLifecycle, receiveGraphNotifications } from "../../sync/push-microsoft";
import type { GraphVerdict } from "../../sync/push-microsoft";
import type { AppEnv } from "../context";

type Receiver = (context: InboundContext, body: unknown) => Promise<GraphVerdict>;

const statusOf = { malformed: 400, forged: 401, accepted: 202 } as const satisfies Record<GraphVerdict["kind"], number>;

/** Graph's handshake: the decoded validationToken back as text/plain, 200. */
function validationAnswer(c: Context<AppEnv>): Response | null {
	const token = c.req.query("validationToken");
	if (token === undefined) return null;
	return c.text(token, 200, { "content-type": "text/plain; charset=utf-8" });
}

async function handle(c: Context<AppEnv>, receive: Receiver): Promise<Response> {
	const handshake = validationAnswer(c);
	if (handshake !== null) return handshake;
	let body: unknown;
	try {
		body = await c.req.json();
	} catch {
		return c.body(null, statusOf.malformed);
	}
	const verdict = await receive(syncContextFor(c.env, c.var.db, c.var.mailer), body);
	return c.body(null, statusOf[verdict.kind]);
}

/** A batch of 1,000 items is well under this; anything larger is not read, let alone parsed. */
const notificationLimit = bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.body(null, 413) });

export const microsoftWebhook = new Hono<AppEnv>()
	.post("/microsoft", notificationLimit, (c) => handle(c, receiveGraphNotifications))
	.post("/microsoft/lifecycle", notificationLimit, (c) => handle(c, receiveGraphLifecycle));
