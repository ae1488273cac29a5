// Forged webhooks that the inbound tests do not already try: one calendar's valid secret presented for
// another calendar's channel or subscription, and a channel's secret replayed after the channel was
// replaced. Each is a 401 that queues nothing and changes no row.
import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { beforeEach, describe, expect, it } from "vitest";
import * as schema from "../../src/db/schema";
import { calendarConnections, connectionCalendars } from "../../src/db/schema";
import { DEMO_MERCHANT_ID } from "../../src/demo/seed";
import { hashPushSecret } from "../../src/sync/push-secret";
import { receiveGoogleNotification } from "../../src/sync/push-google";
import { receiveGraphLifecycle, receiveGraphNotifications } from "../../src/sync/push-microsoft";
import { db, inboundContext } from "../inbound/harness";
import { seedDemo } from "../support/seed";
import { expectNoLeaks, guardLeaks } from "./leak-guard";

const guard = guardLeaks();

const SECRET_A = "channel-secret-of-calendar-a-0123456789";
const SECRET_B = "channel-secret-of-calendar-b-0123456789";

/** Two connections (Ana's Google, Ben's Microsoft), each with two calendars holding a push channel. */
async function channels(): Promise<void> {
	const now = Date.now();
	await db.batch([
		db.insert(calendarConnections).values({ id: "con_g", merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ana", provider: "google", accountLabel: "ana@g.test", status: "active", updatedAt: now }),
		db.insert(calendarConnections).values({ id: "con_m", merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_ben", provider: "microsoft", accountLabel: "ben@m.test", status: "active", updatedAt: now }),
	]);
	const rows = [
		{ id: "cal_g_a", connectionId: "con_g", channel: "chan-a", secret: SECRET_A },
		{ id: "cal_g_b", connectionId: "con_g", channel: "chan-b", secret: SECRET_B },
		{ id: "cal_m_a", connectionId: "con_m", channel: "sub-a", secret: SECRET_A },
		{ id: "cal_m_b", connectionId: "con_m", channel: "sub-b", secret: SECRET_B },
	];
	for (const row of rows) {
		await db.insert(connectionCalendars).values({
			id: row.id,
			connectionId: row.connectionId,
			externalId: `${row.id}@external`,
			name: row.id,
			checkConflicts: true,
			pushChannelId: row.channel,
			pushResourceId: `res-${row.channel}`,
			pushSecretHash: await hashPushSecret(row.secret),
			pushExpiresAt: now + 86_400_000,
		});
	}
	guard.addSecret("push secret", SECRET_A);
	guard.addSecret("push secret", SECRET_B);
}

async function calendarsState(): Promise<unknown> {
	return (await env.DB.prepare("select * from connection_calendars order by id").all()).results;
}

function googleHeaders(channel: string, token: string): Record<string, string> {
	return { "x-goog-channel-id": channel, "x-goog-channel-token": token, "x-goog-resource-id": `res-${channel}`, "x-goog-resource-state": "exists", "x-goog-message-number": "9" };
}

function graphBody(subscriptionId: string, clientState: string): unknown {
	return { value: [{ subscriptionId, clientState, changeType: "updated", resource: "me/events/x" }] };
}

async function post(path: string, init: RequestInit): Promise<Response> {
	return guard.response(`POST ${path}`, await exports.default.fetch(`http://slotline.test${path}`, { method: "POST", ...init }));
}

beforeEach(async () => {
	await seedDemo({ owner: { password: null } });
	await channels();
});

describe("webhook forgeries", () => {
	it("Google: another calendar's channel token is refused, and nothing is queued", async () => {
		const context = inboundContext();
		const swapped = await receiveGoogleNotification(context, new Headers(googleHeaders("chan-a", SECRET_B)));
		expect(swapped).toEqual({ kind: "refused" });
		const genuine = await receiveGoogleNotification(context, new Headers(googleHeaders("chan-a", SECRET_A)));
		expect(genuine).toEqual({ kind: "queued", job: { type: "calendar.sync", calendarId: "cal_g_a", reason: "push" } });
		// Only the genuine one reached the queue.
		expect(context.recording.take()).toEqual([{ type: "calendar.sync", calendarId: "cal_g_a", reason: "push" }]);

		const before = await calendarsState();
		expect((await post("/webhooks/google", { headers: googleHeaders("chan-b", SECRET_A) })).status).toBe(401);
		expect((await post("/webhooks/google", { headers: googleHeaders("chan-a", SECRET_A.toUpperCase()) })).status).toBe(401);
		expect((await post("/webhooks/google", { headers: googleHeaders("chan-a", SECRET_A.slice(0, -1)) })).status).toBe(401);
		expect(await calendarsState()).toEqual(before);
	});

	it("Google: the secret of a replaced channel is refused on the old and the new channel id", async () => {
		await db.update(connectionCalendars).set({ pushChannelId: "chan-a2", pushSecretHash: await hashPushSecret("renewed-secret-0123456789") }).where(eq(connectionCalendars.id, "cal_g_a"));
		guard.addSecret("push secret", "renewed-secret-0123456789");
		const context = inboundContext();
		expect(await receiveGoogleNotification(context, new Headers(googleHeaders("chan-a2", SECRET_A)))).toEqual({ kind: "refused" });
		// The old channel id names nothing now: refused (and left to expire or be stopped).
		const old = await receiveGoogleNotification(context, new Headers(googleHeaders("chan-a", SECRET_A)));
		expect(old).toEqual({ kind: "unknown", channelId: "chan-a" });
		expect(context.recording.take()).toEqual([]);
	});

	it("Graph: another subscription's clientState is refused, also mixed into a batch with a genuine item", async () => {
		const context = inboundContext();
		expect(await receiveGraphNotifications(context, graphBody("sub-a", SECRET_B))).toEqual({ kind: "forged" });
		expect(await receiveGraphLifecycle(context, graphBody("sub-b", SECRET_A))).toEqual({ kind: "forged" });
		// A forged item riding along with a genuine one queues only the genuine calendar.
		const mixed = { value: [...(graphBody("sub-a", SECRET_A) as { value: unknown[] }).value, ...(graphBody("sub-b", SECRET_A) as { value: unknown[] }).value] };
		expect(await receiveGraphNotifications(context, mixed)).toEqual({ kind: "accepted", queued: [{ type: "calendar.sync", calendarId: "cal_m_a", reason: "push" }] });

		const before = await calendarsState();
		const lifecycle = { value: [{ subscriptionId: "sub-b", clientState: SECRET_A, lifecycleEvent: "subscriptionRemoved" }] };
		const removed = await post("/webhooks/microsoft/lifecycle", { headers: { "content-type": "application/json" }, body: JSON.stringify(lifecycle) });
		expect(removed.status).toBe(401);
		expect((await post("/webhooks/microsoft", { headers: { "content-type": "application/json" }, body: JSON.stringify(graphBody("sub-a", "")) })).status).toBe(401);
		// A forged subscriptionRemoved did not drop the subscription.
		expect(await calendarsState()).toEqual(before);
	});

	it("Graph: a batch of a thousand forged items costs one query, and a body too large to be a batch is not read", async () => {
		const queries: string[] = [];
		const counted = drizzle(env.DB, { schema, logger: { logQuery: (query: string): void => void queries.push(query) } });
		const context = { ...inboundContext(), db: counted };
		// Known and unknown subscriptions, none with its clientState.
		const items = Array.from({ length: 1000 }, (_, i) => ({ subscriptionId: i % 2 === 0 ? "sub-a" : `sub-${i}`, clientState: `guess-${i}`, changeType: "updated", resource: "me/events/x" }));
		expect(await receiveGraphLifecycle(context, { value: items })).toEqual({ kind: "forged" });
		expect(queries).toHaveLength(1);

		const before = await calendarsState();
		const padded = JSON.stringify({ value: [{ subscriptionId: "sub-a", clientState: SECRET_A, lifecycleEvent: "subscriptionRemoved", padding: "x".repeat(2 * 1024 * 1024) }] });
		expect((await post("/webhooks/microsoft/lifecycle", { headers: { "content-type": "application/json" }, body: padded })).status).toBe(413);
		expect(await calendarsState()).toEqual(before);
	});
});

expectNoLeaks(guard);
