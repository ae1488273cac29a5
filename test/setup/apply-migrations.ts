// Runs before each test file. The storage (D1 and Durable Objects) belongs to the test runner, which several files
// share (vitest.config.ts: isolate false), so every test starts from an empty database and empty Durable Objects with
// the migrations applied. The file-level migration is a no-op once the runner's database has them.
import { applyD1Migrations, evictAllDurableObjects, reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach } from "vitest";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

beforeEach(async () => {
	// The previous test may have left Durable Object work running: a merchant's outbox relay starts after its write
	// has answered (waitUntil), and it reads and writes D1. reset() aborts running objects and wipes their storage,
	// so resetting under that work could fail the relay with a reset error outside any test, or leave the database
	// half reset (a later seed then hits duplicate rows). Eviction waits for in-flight work to finish first.
	await evictAllDurableObjects();
	await reset();
	await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
});
