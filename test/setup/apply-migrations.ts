// Runs before each test file. The storage (D1 and Durable Objects) belongs to the test runner, which several files
// share (vitest.config.ts: isolate false), so every test starts from an empty database and empty Durable Objects with
// the migrations applied. The file-level migration is a no-op once the runner's database has them.
import { applyD1Migrations, evictAllDurableObjects, listDurableObjectIds, reset, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeEach } from "vitest";
import { clearMerchantDirectory } from "../../src/web/merchant-directory";
import { backgroundQuiet, backgroundSettled } from "./worker";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

beforeEach(async () => {
	// The previous test may have left work running that reads and writes D1: a merchant's outbox relay starts after
	// its write has answered, the queue consumer runs the relayed jobs a second or two later, and some handlers send
	// mail from waitUntil. reset() aborts whatever uses storage at that moment, which
	// surfaced as an uncaught "Application called deleteAllDurableObjects()" from D1, or could leave the database half
	// reset (a later seed then hits duplicate rows). So let that work finish first: eviction waits for Durable
	// Object work, and the Worker under test counts its queue batches and waitUntil tasks. Messages still waiting in
	// the queue are deleted by reset() with the rest of the storage.
	await evictAllDurableObjects();
	await backgroundSettled();
	// reset() empties D1 but keeps the merchant objects' SQLite, which now holds each merchant's schedule:
	// delete it object by object, then evict them so the next request constructs each afresh (and its
	// constructor migrates the empty storage).
	// An object once used stays listed (its storage file remains, and its constructor recreates its tables),
	// so the lists only grow during a run (a test polls 200 connections): wipe them all at once, not in turn.
	await Promise.all(
		(await listDurableObjectIds(env.MERCHANT_SCHEDULE)).map((id) =>
			runInDurableObject(env.MERCHANT_SCHEDULE.get(id), async (_instance, state) => {
				// A relay retry left for the alarm would run in this instance, which has no name to know its merchant by.
				await state.storage.deleteAlarm();
				await state.storage.deleteAll();
			}),
		),
	);
	// Calendar pollers too, with their alarms: one left behind would poll a connection the reset deleted.
	await Promise.all(
		(await listDurableObjectIds(env.CALENDAR_POLLER)).map((id) =>
			runInDurableObject(env.CALENDAR_POLLER.get(id), async (_instance, state) => {
				await state.storage.deleteAlarm();
				await state.storage.deleteAll();
			}),
		),
	);
	await evictAllDurableObjects();
	// Work that started while the objects were being wiped (an alarm's relay, a late queue batch) can make
	// reset() abort it halfway or write after it, which left rows behind now and then (a later seed then hit
	// a duplicate slug): reset again until the database is really empty.
	for (let attempt = 0; ; attempt++) {
		await reset();
		await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
		const left = await env.DB.prepare("select (select count(*) from merchants) + (select count(*) from users) as n").first<{ n: number }>();
		if ((left?.n ?? 0) === 0 || attempt === 2) break;
		await evictAllDurableObjects();
		await backgroundSettled();
	}
	// The merchants it remembered are gone with the database (the next test may reuse their slugs).
	clearMerchantDirectory();
});

// The last test of a file may leave work running as well (a relay, a queued email whose mail library loads by
// import()): the file's environment closing under it surfaced as an unhandled "Closing rpc while resolve was
// pending" after every test had passed. It finishes before the file ends, and so do jobs still waiting in the
// queue for their batch (up to its 1 s timeout), which settling alone missed after the concurrency storms: a
// file whose tests left no background work in their last 1.5 s pays nothing.
afterAll(async () => {
	await backgroundQuiet(1_500, 15_000);
});
