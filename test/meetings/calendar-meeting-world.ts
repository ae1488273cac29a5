// The world of the Meet and Teams tests: the real queue consumer behind a queue that retries as Cloudflare's
// does (time compressed), staff calendars connected through the shared sandbox by a real OAuth grant, bookings
// written by the merchant's object and relayed from its outbox, and the booking_meetings rows they end in.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { onTestFinished, vi } from "vitest";
import { database } from "../../src/db/client";
import { bookingMeetings, connectionLog, services } from "../../src/db/schema";
import type { Job } from "../../src/jobs";
import type { MeetingRow } from "../../src/meetings/meeting-store";
import { placeColumns } from "../../src/place";
import type { Place } from "../../src/place";
import { consumeBatch } from "../../src/sync/consumer";
import { syncContextFor } from "../../src/sync/context";
import type { SyncContext } from "../../src/sync/context";
import { SimulatedQueue } from "../faults/queue";
import { refreshSchedule } from "../support/schedule";
import { db, relayOutboxes } from "../sync/harness";

export interface MeetingWorld {
	queue: SimulatedQueue;
	env: Env;
	context: SyncContext;
}

export interface MeetingWorldOptions {
	/** Above wrangler.toml's 6 where a test's fault rate would otherwise send jobs to the dead-letter queue. */
	maxRetries?: number;
	/**
	 * Share of messages delivered twice. 0 where a test steps the queue by hand and looks between steps: a
	 * duplicate is ready a compressed second later, so it would land in whichever step comes next.
	 */
	duplicateRate?: number;
}

export function meetingWorld({ maxRetries = 6, duplicateRate = 0.1 }: MeetingWorldOptions = {}): MeetingWorld {
	const queue: SimulatedQueue = new SimulatedQueue({
		consume: (batch) => consumeBatch(batch, world),
		batchSize: 10,
		concurrency: 4,
		maxRetries,
		msPerSecond: 5,
		duplicateRate,
		random: Math.random,
	});
	const world: Env = { ...env, PROVIDER_PUSH: queue as unknown as Queue };
	return { queue, env: world, context: syncContextFor(world, database(world.DB)) };
}

/** Relays what the merchant's object wrote and runs the queue until nothing is left to do (retries included). */
export async function settle(world: MeetingWorld): Promise<void> {
	await world.queue.idle();
	await relayOutboxes(world.queue as unknown as Queue<Job>);
	await world.queue.idle();
}

/** Sets a service's place in D1 (as the admin saves it, without its checks) and hands it to the merchant's object. */
export async function placeService(serviceId: string, place: Place): Promise<void> {
	await db.update(services).set({ ...placeColumns(place), placeKind: place.kind }).where(eq(services.id, serviceId));
	await refreshSchedule();
}

export async function meetingRow(id: string): Promise<MeetingRow | undefined> {
	return db.query.bookingMeetings.findFirst({ where: eq(bookingMeetings.id, id) });
}

export async function meetingRows(): Promise<MeetingRow[]> {
	return db.select().from(bookingMeetings).all();
}

/** Everything logged from now on in this test (console.log and console.error) and every connection log line, to search for links. */
export function captureLogs(): () => Promise<string> {
	const lines: string[] = [];
	const capture = (...args: unknown[]): void => {
		lines.push(args.map(String).join(" "));
	};
	const spies = [vi.spyOn(console, "log").mockImplementation(capture), vi.spyOn(console, "error").mockImplementation(capture)];
	onTestFinished(() => {
		for (const spy of spies) spy.mockRestore();
	});
	return async () => [...lines, ...(await db.select({ message: connectionLog.message }).from(connectionLog).all()).map((row) => row.message ?? "")].join("\n");
}
