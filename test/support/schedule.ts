// Test helpers around a merchant's Durable Object, which holds its schedule (src/booking/merchant-schedule.ts).
// The object relays its changes to D1's read model in the background; a test that reads D1 after a write
// flushes first. A test that writes setup or bookings straight into D1 (to build a situation the API would not)
// hands them to the object the way a deployment's data moves there.
import { env } from "cloudflare:workers";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import type { BusyRecord } from "../../src/booking/schedule-store";

/** Relays the object's unsent changes to D1's read model and the queue, and waits until they are there. */
export async function flushSchedule(merchantId = "mer_demo"): Promise<void> {
	await merchantSchedule(env, merchantId).flush();
}

/** Reloads the object's copy of the setup from D1 (after a test changed setup rows directly). */
export async function refreshSchedule(merchantId = "mer_demo"): Promise<void> {
	await merchantSchedule(env, merchantId).refreshSetup();
}

/** Moves bookings, series and busy blocks a test inserted into D1 into the object (idempotent). */
export async function importSchedule(merchantId = "mer_demo"): Promise<void> {
	const report = await merchantSchedule(env, merchantId).importFromD1();
	if (report.d1.checksum !== report.object.checksum) throw new Error(`schedule import of ${merchantId} does not match D1`);
}

/** Every external busy block the merchant's object holds (inbound calendar sync writes them there), by start. */
export async function busyBlocksOf(merchantId = "mer_demo"): Promise<BusyRecord[]> {
	return (await merchantSchedule(env, merchantId).scheduleBetween(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).busy;
}
