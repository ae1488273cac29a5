// Password and feed connections through the API: CalDAV/iCloud and ICS feeds are tried before anything is
// stored (a refused password or an unreachable server is a 422 naming the field, with no row left
// behind), feed URLs are sealed and never returned in full, and a CalDAV/iCloud connection whose password
// was refused takes a new one in place (same connection, calendars and choices), sending what waited.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { calendarsOf, connectionById, pendingCount } from "../../src/db/queries/connections";
import { calendarConnections } from "../../src/db/schema";
import { DEMO_OWNER_EMAIL } from "../../src/demo/seed";
import { decryptCredentials } from "../../src/sync/adapters";
import { adapterFor } from "../../src/sync/context";
import { CredentialVault } from "../../src/sync/credentials";
import { handleCalendarPush } from "../../src/sync/outbound";
import { PASSWORD, harness, signIn } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";
import { control, sandboxUrl } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, db, deliver, testContext } from "../sync/harness";

interface Problem {
	type: string;
	status: number;
	detail: string;
	errors?: Array<{ field: string; message: string }>;
}

beforeEach(async () => {
	await seedDemo({ owner: { password: PASSWORD } });
});
afterEach(() => {
	vi.restoreAllMocks();
});

async function owner(h: Harness): Promise<Browser> {
	const browser = h.browser();
	expect((await signIn(h, browser, DEMO_OWNER_EMAIL)).status).toBe(200);
	return browser;
}

async function connectionCount(): Promise<number> {
	return (await db.select().from(calendarConnections).all()).length;
}

async function icloudAccount(password: string): Promise<string> {
	const appleId = `apple-${crypto.randomUUID().slice(0, 8)}@icloud.test`;
	await control("/icloud/accounts", { appleId, appPassword: password });
	return appleId;
}

/** The iCloud form of the Integrations page, sent for Ana. */
function connectICloud(h: Harness, browser: Browser, appleId: string, password: string): Promise<Response> {
	return h.request("/admin/api/connections", {
		method: "POST",
		browser,
		json: { provider: "icloud", staffId: "stf_demo_ana", serverUrl: `${sandboxUrl}/icloud`, username: appleId, password },
	});
}

describe("POST /admin/api/connections", () => {
	it("connects an iCloud account that works, with its calendars, and nothing else", async () => {
		const h = harness();
		const browser = await owner(h);
		const appleId = await icloudAccount("abcd-efgh-ijkl-mnop");
		const res = await connectICloud(h, browser, appleId, "abcd-efgh-ijkl-mnop");
		expect(res.status).toBe(201);
		const body = await res.json<{ connection: { id: string; status: string; account: string; calendars: Array<{ name: string; write: boolean }> } }>();
		expect(body.connection).toMatchObject({ status: "active", account: appleId });
		expect(body.connection.calendars).toEqual([expect.objectContaining({ name: "Home", write: true })]);
		expect(JSON.stringify(body)).not.toContain("abcd-efgh-ijkl-mnop");
	});

	it("a wrong password is a 422 naming the password field, with the app-specific password hint, and stores nothing", async () => {
		const h = harness();
		const browser = await owner(h);
		const appleId = await icloudAccount("abcd-efgh-ijkl-mnop");
		const res = await connectICloud(h, browser, appleId, "my-apple-id-password");
		expect(res.status).toBe(422);
		expect(res.headers.get("content-type")).toContain("application/problem+json");
		const problem = await res.json<Problem>();
		expect(problem.type).toMatch(/connection-failed$/);
		expect(problem.errors).toEqual([{ field: "password", message: expect.stringContaining("app-specific password") }]);
		expect(JSON.stringify(problem)).not.toContain("my-apple-id-password");
		expect(await connectionCount()).toBe(0);
	});

	it("refuses to connect a calendar for a deactivated staff member", async () => {
		const h = harness();
		const browser = await owner(h);
		const off = await h.request("/admin/api/staff/stf_demo_ana", { method: "PATCH", browser, json: { active: false } });
		expect(off.status).toBe(200);
		const appleId = await icloudAccount("abcd-efgh-ijkl-mnop");
		const res = await connectICloud(h, browser, appleId, "abcd-efgh-ijkl-mnop");
		expect(res.status).toBe(422);
		expect((await res.json<Problem>()).type).toMatch(/staff-inactive$/);
		expect(await connectionCount()).toBe(0);
	});

	it("an unreachable server or a missing field is refused naming the field, and stores nothing", async () => {
		const h = harness();
		const browser = await owner(h);
		// Nothing listens on port 9 (discard): the connection is refused.
		const unreachable = await h.request("/admin/api/connections", {
			method: "POST",
			browser,
			json: { provider: "caldav", staffId: "stf_demo_ana", serverUrl: "http://127.0.0.1:9/dav/", username: "ana", password: "secret-pw" },
		});
		expect(unreachable.status).toBe(422);
		expect((await unreachable.json<Problem>()).errors).toEqual([{ field: "serverUrl", message: expect.stringContaining("could not be reached") }]);

		const incomplete = await h.request("/admin/api/connections", { method: "POST", browser, json: { provider: "caldav", serverUrl: "https://dav.example.test/" } });
		expect(incomplete.status).toBe(400);
		expect((await incomplete.json<Problem>()).errors?.map((e) => e.field).sort()).toEqual(["password", "username"]);
		expect(await connectionCount()).toBe(0);
	});

	it("an ICS feed is read before it is stored; its URL is sealed and only ever shown masked", async () => {
		const feedUrl = "https://calendar.example.test/calendar/ical/ana%40example.test/private-7c1d9a4e0b22f8/basic.ics";
		const real = globalThis.fetch;
		let served = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n";
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const url = input instanceof Request ? input.url : String(input);
			if (url.startsWith("https://calendar.example.test/")) return new Response(served, { headers: { "content-type": "text/calendar" } });
			return real(input, init);
		});
		const h = harness();
		const browser = await owner(h);
		served = "<html>Sign in</html>";
		const refused = await h.request("/admin/api/connections", { method: "POST", browser, json: { provider: "ics", staffId: "stf_demo_ana", serverUrl: feedUrl } });
		expect(refused.status).toBe(422);
		expect((await refused.json<Problem>()).errors).toEqual([{ field: "serverUrl", message: expect.stringContaining("iCalendar") }]);
		expect(await connectionCount()).toBe(0);

		served = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n";
		const added = await h.request("/admin/api/connections", { method: "POST", browser, json: { provider: "ics", staffId: "stf_demo_ana", serverUrl: feedUrl } });
		expect(added.status).toBe(201);
		const text = await added.text();
		expect(text).not.toContain("private-7c1d9a4e0b22f8");
		const shown = (JSON.parse(text) as { connection: { id: string; account: string; serverUrl: string | null } }).connection;
		expect(shown).toMatchObject({ account: "https://calendar.example.test/…/basic.ics", serverUrl: null });
		const listed = await (await h.request("/admin/api/connections", { browser })).text();
		expect(listed).not.toContain("private-7c1d9a4e0b22f8");
		// In the database only inside the sealed credentials: not in server_url, not as a calendar id.
		const row = await connectionById(db, shown.id);
		expect(row?.serverUrl).toBeNull();
		expect(JSON.stringify(await calendarsOf(db, shown.id))).not.toContain("private-7c1d9a4e0b22f8");
		expect(await new CredentialVault(env.ENCRYPTION_KEYS).open({ ciphertext: row!.credentials!, keyId: row!.credentialsKeyId! })).toEqual({ kind: "feed", url: feedUrl });
		// Adding the same feed again brings back the same connection instead of a second one.
		const again = await h.request("/admin/api/connections", { method: "POST", browser, json: { provider: "ics", staffId: "stf_demo_ana", serverUrl: feedUrl } });
		expect((await again.json<{ connection: { id: string } }>()).connection.id).toBe(shown.id);
	});

	it("a feed stored before feed URLs were sealed moves its URL into the credentials when next read", async () => {
		const context = testContext();
		const legacyUrl = "https://feeds.example.test/u/secret-token-123/cal.ics";
		const sealed = await context.vault.seal({ kind: "none" });
		await db.insert(calendarConnections).values({
			id: "con_legacy_feed",
			merchantId: "mer_demo",
			staffId: "stf_demo_ana",
			provider: "ics",
			accountLabel: "feeds.example.test",
			status: "active",
			credentials: sealed.ciphertext,
			credentialsKeyId: sealed.keyId,
			serverUrl: legacyUrl,
			updatedAt: 0,
		});
		const h = harness();
		const browser = await owner(h);
		// Even before the upgrade the API does not show it.
		expect(await (await h.request("/admin/api/connections/con_legacy_feed", { browser })).text()).not.toContain("secret-token-123");
		expect(await decryptCredentials(context, (await connectionById(db, "con_legacy_feed"))!)).toEqual({ kind: "feed", url: legacyUrl });
		const upgraded = await connectionById(db, "con_legacy_feed");
		expect(upgraded?.serverUrl).toBeNull();
		expect(await context.vault.open({ ciphertext: upgraded!.credentials!, keyId: upgraded!.credentialsKeyId! })).toEqual({ kind: "feed", url: legacyUrl });
	});
});

describe("PUT /admin/api/connections/:id/password", () => {
	it("after iCloud refuses the stored password: the page offers to re-enter it, a wrong one is refused, the right one restores the same connection and sends what waited", async () => {
		const h = harness();
		const browser = await owner(h);
		const appleId = await icloudAccount("old-app-password");
		const connected = await connectICloud(h, browser, appleId, "old-app-password");
		const { connection } = await connected.json<{ connection: { id: string; calendars: Array<{ id: string; write: boolean; checkConflicts: boolean }> } }>();
		const calendarsBefore = connection.calendars;

		// The Apple ID password changed: every app-specific password is revoked (the sandbox replaces it).
		await control("/icloud/accounts", { appleId, appPassword: "new-app-password" });
		const context = testContext();
		const [booking] = await book();
		expect(await deliver(context)).toEqual(["waiting"]);
		const errored = await connectionById(db, connection.id);
		expect(errored).toMatchObject({ status: "error", errorKind: "reauthorize" });
		expect(errored?.statusMessage).toContain("app-specific password");
		expect(await pendingCount(db, connection.id)).toEqual({ waiting: 1, failed: 0 });
		const page = await (await h.request("/admin/integrations", { browser })).text();
		expect(page).toContain(`data-api="/admin/api/connections/${connection.id}/password" data-method="PUT"`);
		expect(page).toContain("Re-enter password");

		const wrong = await h.request(`/admin/api/connections/${connection.id}/password`, { method: "PUT", browser, json: { password: "still-wrong" } });
		expect(wrong.status).toBe(422);
		expect((await wrong.json<Problem>()).errors?.[0]?.field).toBe("password");
		expect((await connectionById(db, connection.id))?.status).toBe("error");

		const right = await h.request(`/admin/api/connections/${connection.id}/password`, { method: "PUT", browser, json: { password: "new-app-password" } });
		expect(right.status).toBe(200);
		const restored = await right.json<{ connection: { id: string; status: string; calendars: Array<{ id: string; write: boolean; checkConflicts: boolean }> } }>();
		expect(restored.connection.id).toBe(connection.id);
		expect(restored.connection.status).toBe("active");
		expect(restored.connection.calendars).toEqual(calendarsBefore.map((c) => expect.objectContaining({ id: c.id, write: c.write, checkConflicts: c.checkConflicts })));
		expect(await connectionCount()).toBe(1);

		// What waited was sent again (to the Worker's own queue), and goes out with the new password.
		expect(await pendingCount(db, connection.id)).toEqual({ waiting: 0, failed: 0 });
		const write = (await calendarsOf(db, connection.id)).find((c) => c.isWriteTarget);
		const outcome = await handleCalendarPush(context, { type: "calendar.push", bookingId: booking!.id, calendarId: write!.id, version: booking!.version });
		// The queue consumer may have written it already; either way it is there exactly once.
		expect(["written", "skipped"]).toContain(outcome);
		const adapter = await adapterFor(context, (await connectionById(db, connection.id))!);
		const synced = await adapter.syncEvents(write!.externalId, null, { from: Date.now() - 86_400_000, to: Date.now() + 30 * 86_400_000, timeZone: "Europe/Amsterdam" });
		expect(synced.changed.filter((e) => e.slotlineBookingId === booking!.id)).toHaveLength(1);
	});

	it("is only for password connections", async () => {
		const h = harness();
		const browser = await owner(h);
		const context = testContext();
		const { connectSandboxAccount } = await import("../../src/sync/sandbox-connect");
		const google = await connectSandboxAccount(context, { sandboxUrl, provider: "google", email: `g-${crypto.randomUUID().slice(0, 8)}@example.test`, name: "Ana", merchantId: "mer_demo", staffId: "stf_demo_ana" });
		const res = await h.request(`/admin/api/connections/${google.id}/password`, { method: "PUT", browser, json: { password: "x" } });
		expect(res.status).toBe(422);
	});
});
