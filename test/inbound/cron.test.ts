// The cron's calendar upkeep: safety-net syncs of checked calendars of every connection that can still
// be read (not disconnected ones, nor those waiting to be re-authorised), channels renewed before they
// lapse, access tokens refreshed before expiry, errored connections retried on a backoff (only pushes
// that may succeed), and credentials re-sealed under the current key.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { addPending, connectionById, pendingCount, setStatus } from "../../src/db/queries/connections";
import { calendarConnections, connectionCalendars } from "../../src/db/schema";
import { retryFailed } from "../../src/sync/connection-health";
import { disconnect } from "../../src/sync/connection-lifecycle";
import { adapterFor } from "../../src/sync/context";
import { CredentialVault } from "../../src/sync/credentials";
import { runCalendarSync } from "../../src/sync/inbound";
import { enqueueSafetyNetSyncs, refreshExpiringTokens, resealOldCredentials, retryBackoffMs, retryErroredConnections } from "../../src/sync/maintenance";
import { control } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, calendar, connectStaff, db, inboundContext, runQueuedSyncs, syncJobs } from "./harness";

beforeEach(() => seedDemo({ owner: { password: null } }));

describe("cron upkeep", () => {
	it("queues a safety-net sync for each checked calendar of every readable connection, errored ones included", async () => {
		const context = inboundContext();
		const active = await connectStaff(context, "google");
		const pushFailed = await connectStaff(context, "google", "stf_demo_chloe");
		const lostWrite = await connectStaff(context, "microsoft", "stf_demo_ana");
		const revoked = await connectStaff(context, "microsoft", "stf_demo_ben");
		const gone = await connectStaff(context, "google", "stf_demo_ben");
		// Failed pushes or a lost write calendar say nothing about reading: these still need polling (and channel renewal).
		await setStatus(db, pushFailed.connection.id, "error", { kind: "push-failed", message: "x" }, Date.now());
		await setStatus(db, lostWrite.connection.id, "error", { kind: "calendar-unavailable", message: "x" }, Date.now());
		await setStatus(db, revoked.connection.id, "error", { kind: "reauthorize", message: "x" }, Date.now());
		await disconnect(context, gone.connection);
		context.recording.take();
		expect(await enqueueSafetyNetSyncs(context)).toBe(3);
		const queued = syncJobs(context.recording.take()).map((j) => j.calendarId).sort();
		expect(queued).toEqual([active.write.id, pushFailed.write.id, lostWrite.write.id].sort());
	});

	it("renews a Google channel through the cron's sync before it lapses, and stops the old one at Google", async () => {
		const context = inboundContext();
		const { write } = await connectStaff(context, "google");
		await runQueuedSyncs(context);
		const opened = await calendar(write.id);
		expect(opened.pushChannelId).not.toBeNull();
		// Expires within the renewal margin (a day): the next safety-net sync renews it.
		await db.update(connectionCalendars).set({ pushExpiresAt: Date.now() + 3_600_000 }).where(eq(connectionCalendars.id, write.id));
		await enqueueSafetyNetSyncs(context);
		await runQueuedSyncs(context);
		const renewed = await calendar(write.id);
		expect(renewed.pushChannelId).not.toBe(opened.pushChannelId);
		expect(renewed.pushExpiresAt ?? 0).toBeGreaterThan(Date.now() + 6 * 86_400_000);
		expect(renewed.pushSecretHash).not.toBe(opened.pushSecretHash);
		const channels = ((await control("/google/channels")) as { channels: Array<{ id: string }> }).channels.map((c) => c.id);
		expect(channels).toContain(renewed.pushChannelId);
		expect(channels).not.toContain(opened.pushChannelId);
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

	it("retries on its own only failures that may succeed; a hopeless 4xx waits for the admin's retry", async () => {
		const context = inboundContext();
		const { connection } = await connectStaff(context, "google");
		const [gaveUp] = await book();
		const [refused] = await book({ start: Date.now() + 3 * 86_400_000 + 3_600_000 });
		// One ran out of queue retries (transient errors); the other was refused with a 4xx that repeating cannot fix.
		await addPending(db, connection.id, gaveUp!.id, { state: "failed", retryable: true }, "gave up");
		await addPending(db, connection.id, refused!.id, { state: "failed", retryable: false }, "google 400 invalid");
		await setStatus(db, connection.id, "error", { kind: "push-failed", message: "x" }, Date.now());
		context.recording.take();
		expect(await retryErroredConnections(context)).toBe(1);
		const pushes = context.recording.take().filter((j) => j.type === "calendar.push").map((j) => (j as { bookingId: string }).bookingId);
		expect(pushes).toEqual([gaveUp!.id]);
		expect(await pendingCount(db, connection.id)).toEqual({ waiting: 0, failed: 1 });
		// The admin's retry takes everything, the hopeless one included.
		expect(await retryFailed(context, (await connectionById(db, connection.id))!)).toBe(1);
		expect(await pendingCount(db, connection.id)).toEqual({ waiting: 0, failed: 0 });
	});

	it("re-seals credentials under the current key, on use and for idle connections, so the old key can go", async () => {
		const K2 = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
		const k1 = (JSON.parse(env.ENCRYPTION_KEYS) as { keys: Record<string, string> }).keys.k1 ?? "";
		const context = inboundContext();
		const used = await connectStaff(context, "google");
		const idle = await connectStaff(context, "microsoft", "stf_demo_ben");
		expect((await connectionById(db, used.connection.id))?.credentialsKeyId).toBe("k1");

		// k2 becomes the current key; k1 stays readable for now.
		const rotated = { ...context, vault: new CredentialVault(JSON.stringify({ current: "k2", keys: { k1, k2: K2 } })) };
		// Using a connection re-seals it.
		await runCalendarSync(rotated, { type: "calendar.sync", calendarId: used.write.id, reason: "cron" });
		expect((await connectionById(db, used.connection.id))?.credentialsKeyId).toBe("k2");
		expect((await connectionById(db, idle.connection.id))?.credentialsKeyId).toBe("k1");
		// The cron reaches the idle one.
		expect(await resealOldCredentials(rotated)).toBe(1);
		expect(await resealOldCredentials(rotated)).toBe(0);

		// Without k1 every connection still opens.
		const withoutOld = { ...context, vault: new CredentialVault(JSON.stringify({ current: "k2", keys: { k2: K2 } })) };
		for (const id of [used.connection.id, idle.connection.id]) {
			const row = (await connectionById(db, id))!;
			expect(row.credentialsKeyId).toBe("k2");
			await expect((await adapterFor(withoutOld, row)).listCalendars()).resolves.not.toHaveLength(0);
		}
	});
});
