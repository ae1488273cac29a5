// The cron's calendar upkeep: safety-net syncs of checked calendars of active connections only,
// access tokens refreshed before expiry, and errored connections retried on a backoff (never those
// that need the person to re-authorise).
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { connectionById, setStatus } from "../../src/db/queries/connections";
import { calendarConnections } from "../../src/db/schema";
import { enqueueSafetyNetSyncs, refreshExpiringTokens, retryBackoffMs, retryErroredConnections } from "../../src/sync/maintenance";
import { connectStaff, db, inboundContext, seed, syncJobs } from "./harness";

beforeEach(seed);

describe("cron upkeep", () => {
	it("queues a safety-net sync for each checked calendar of active connections only", async () => {
		const context = inboundContext();
		const active = await connectStaff(context, "google");
		const revoked = await connectStaff(context, "microsoft", "stf_demo_ben");
		await setStatus(db, revoked.connection.id, "error", { kind: "reauthorize", message: "x" }, Date.now());
		context.recording.take();
		expect(await enqueueSafetyNetSyncs(context)).toBe(1);
		expect(syncJobs(context.recording.take())).toEqual([{ type: "calendar.sync", calendarId: active.write.id, reason: "cron" }]);
	});

	it("refreshes access tokens that expire within ten minutes", async () => {
		const context = inboundContext();
		const { connection } = await connectStaff(context, "google");
		const soon = Date.now() + 60_000;
		await db.update(calendarConnections).set({ accessTokenExpiresAt: soon }).where(eq(calendarConnections.id, connection.id));
		expect(await refreshExpiringTokens(context)).toBe(1);
		const after = await connectionById(db, connection.id);
		expect(after?.accessTokenExpiresAt ?? 0).toBeGreaterThan(soon + 30 * 60_000);
		expect(await refreshExpiringTokens(context)).toBe(0);
	});

	it("retries errored connections with backoff and leaves ones needing re-authorisation alone", async () => {
		let now = Date.now();
		const context = inboundContext(() => now);
		const failed = await connectStaff(context, "google");
		const revoked = await connectStaff(context, "microsoft", "stf_demo_ben");
		await setStatus(db, failed.connection.id, "error", { kind: "calendar-unavailable", message: "gone" }, now);
		await setStatus(db, revoked.connection.id, "error", { kind: "reauthorize", message: "x" }, now);
		// The write calendar is still there, so the retry clears the error.
		expect(await retryErroredConnections(context)).toBe(1);
		expect(await connectionById(db, failed.connection.id)).toMatchObject({ status: "active", retryAttempts: 1, nextRetryAt: now + retryBackoffMs(0) });
		expect(await connectionById(db, revoked.connection.id)).toMatchObject({ status: "error", errorKind: "reauthorize", retryAttempts: 0 });

		// It fails again at once: the next retry waits for its backoff, then doubles it.
		await setStatus(db, failed.connection.id, "error", { kind: "calendar-unavailable", message: "gone" }, now);
		expect(await retryErroredConnections(context)).toBe(0);
		now += retryBackoffMs(0);
		expect(await retryErroredConnections(context)).toBe(1);
		expect(await connectionById(db, failed.connection.id)).toMatchObject({ retryAttempts: 2, nextRetryAt: now + retryBackoffMs(1) });
		expect(retryBackoffMs(1)).toBe(2 * retryBackoffMs(0));
	});
});
