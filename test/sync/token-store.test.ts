// Refreshed OAuth tokens are stored only in place of the credentials they were refreshed from: a refresh
// that was in flight when Disconnect cleared them does not bring them back, while a refresh right after the
// record was re-sealed under a new key still stores the (rotated) tokens.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { connectionById } from "../../src/db/queries/connections";
import { calendarConnections } from "../../src/db/schema";
import { disconnect } from "../../src/sync/connection-lifecycle";
import { adapterFor } from "../../src/sync/context";
import { CredentialVault } from "../../src/sync/credentials";
import { calendar, connectStaff, db, inboundContext, runQueuedSyncs } from "../inbound/harness";
import { control } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";

beforeEach(() => seedDemo({ owner: { password: null } }));

/** Makes the stored access token one that has lapsed, so the next use of the connection refreshes it. */
async function expireAccessToken(connectionId: string): Promise<void> {
	await db.update(calendarConnections).set({ accessTokenExpiresAt: Date.now() - 60_000 }).where(eq(calendarConnections.id, connectionId));
}

describe("storing refreshed tokens", () => {
	it("a refresh during Disconnect (to stop a channel) does not put the credentials back", async () => {
		const context = inboundContext();
		const { connection, write } = await connectStaff(context, "google");
		await runQueuedSyncs(context);
		const channel = (await calendar(write.id)).pushChannelId;
		expect(channel).not.toBeNull();
		await expireAccessToken(connection.id);

		// Disconnect opens the adapter, clears the credentials, then stops the channel: that stop refreshes the token.
		await disconnect(context, (await connectionById(db, connection.id))!);
		expect(await connectionById(db, connection.id)).toMatchObject({ status: "disconnected", credentials: null, credentialsKeyId: null, accessTokenExpiresAt: null });
		// The fresh token still served the request it was made for.
		const channels = ((await control("/google/channels")) as { channels: Array<{ id: string }> }).channels;
		expect(channels.some((c) => c.id === channel)).toBe(false);
	});

	it("a refresh just after the record was re-sealed under a new key stores the rotated tokens", async () => {
		const K2 = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)));
		const k1 = (JSON.parse(env.ENCRYPTION_KEYS) as { keys: Record<string, string> }).keys.k1 ?? "";
		const context = inboundContext();
		const { connection } = await connectStaff(context, "microsoft", "stf_demo_ben");
		await expireAccessToken(connection.id);
		const rotated = { ...context, vault: new CredentialVault(JSON.stringify({ current: "k2", keys: { k1, k2: K2 } })) };
		const before = await rotated.vault.open({ ciphertext: connection.credentials ?? "", keyId: connection.credentialsKeyId ?? "" });

		// Opening re-seals under k2; the first request then refreshes (Microsoft rotates the refresh token).
		const adapter = await adapterFor(rotated, (await connectionById(db, connection.id))!);
		await adapter.listCalendars();
		const after = (await connectionById(db, connection.id))!;
		expect(after.credentialsKeyId).toBe("k2");
		expect(after.accessTokenExpiresAt ?? 0).toBeGreaterThan(Date.now());
		const stored = await rotated.vault.open({ ciphertext: after.credentials ?? "", keyId: "k2" });
		expect(stored.kind === "oauth" && before.kind === "oauth" && stored.refreshToken !== before.refreshToken && stored.accessToken !== before.accessToken).toBe(true);
	});
});
