// The 5-minute Cron Trigger: the safety net for everything push-based. It relays outbox rows their
// Durable Object could not send.
import { relayOutbox } from "../booking/outbox";
import { database } from "../db/client";
import { jobQueue } from "../jobs";

/** Rows younger than this are left to their Durable Object, which relays right after the write. */
const OUTBOX_GRACE_MS = 60_000;

export async function runCron(env: Env, now: number): Promise<{ relayed: number }> {
	const relayed = await relayOutbox(database(env.DB), jobQueue(env), { createdBefore: now - OUTBOX_GRACE_MS }, now);
	return { relayed };
}
