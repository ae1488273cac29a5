// Every calendar connection flow under the leak guard, and the sync consumer's log lines: Google and
// Microsoft connected by OAuth through the API, a CalDAV account (a wrong password first, then the right
// one, then a new one), an iCloud account, an ICS feed whose URL carries a secret token, a CalDAV server
// address with a user name and password in it; then pushes, syncs and dead letters run through the real
// consumer while providers fail (a revoked grant, an unreachable server, a feed that went away). Every
// response and console line is scanned for the OAuth codes and tokens, the passwords, the feed URL and
// its token, and the sealed credentials.
import { env } from "cloudflare:workers";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, inject, it, vi } from "vitest";
import { calendarsOf, connectionById } from "../../src/db/queries/connections";
import { calendarConnections, connectionCalendars } from "../../src/db/schema";
import { DEMO_MERCHANT_ID, DEMO_OWNER_EMAIL } from "../../src/demo/seed";
import type { Job } from "../../src/jobs";
import { consumeBatch } from "../../src/sync/consumer";
import { CredentialVault } from "../../src/sync/credentials";
import { PASSWORD, harness, signIn } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";
import { control, sandboxUrl } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { book, calendarPushes, db, outboxJobs, uniqueEmail } from "../sync/harness";
import { expectNoLeaks, guardLeaks } from "./leak-guard";

const caldavUrl = inject("caldavUrl");
const guard = guardLeaks();
const FEED_TOKEN = `feed-secret-${crypto.randomUUID()}`;

let h: Harness;
let owner: Browser;
beforeEach(async () => {
	await seedDemo({ owner: { password: PASSWORD } });
	h = guard.watch(harness());
	guard.watchProviders();
	guard.addSecret("owner password", PASSWORD);
	guard.addSecret("feed token", FEED_TOKEN);
	owner = h.browser();
	expect((await signIn(h, owner, DEMO_OWNER_EMAIL)).status).toBe(200);
});
afterEach(() => {
	vi.restoreAllMocks();
});

interface ShownConnection {
	id: string;
	account: string;
	serverUrl: string | null;
	calendars: Array<{ id: string; write: boolean; checkConflicts: boolean }>;
}

/** "Connect Google/Microsoft" as the browser does it: our start URL, the sandbox consent shortcut, our callback with the flow cookie. */
async function connectOAuth(provider: "google" | "microsoft", staffId: string): Promise<string> {
	const email = uniqueEmail(provider);
	await control(`/${provider}/users`, { email, name: "Lee Leak" });
	const start = await h.request(`/admin/api/connect/${provider}?staffId=${staffId}&loginHint=${encodeURIComponent(email)}`, { browser: owner });
	expect(start.status).toBe(302);
	const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith("__Host-slotline_connect="))?.split(";")[0] ?? "";
	guard.addSecret("connect flow cookie", flowCookie.split("=").slice(1).join("="));
	const consent = await fetch(start.headers.get("location") ?? "", { redirect: "manual" });
	const callback = new URL(consent.headers.get("location") ?? "");
	guard.addUrlSecrets(`${provider} connect callback`, callback.toString());
	const done = await h.request(`${callback.pathname}${callback.search}`, { headers: { cookie: `__Host-slotline_session=${owner.cookie}; ${flowCookie}` } });
	expect(done.status).toBe(303);
	return new URL(done.headers.get("location") ?? "").searchParams.get("connected") ?? "";
}

function connectWithPassword(body: Record<string, unknown>): Promise<Response> {
	if (typeof body.password === "string") guard.addSecret("password entered on the connect form", body.password);
	return h.request("/admin/api/connections", { method: "POST", browser: owner, json: body });
}

/** An ICS feed on a real HTTP server (the sandbox mailbox serves attachments), at a URL with a secret token. */
async function feedUrl(): Promise<string> {
	const ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//leak//EN\r\nBEGIN:VEVENT\r\nUID:busy-1@leak.test\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20300101T100000Z\r\nDTEND:20300101T110000Z\r\nSUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
	const stored = await fetch(`${sandboxUrl}/mail/messages`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ from: "feeds@leak.test", to: "feeds@leak.test", subject: "feed", text: "feed", attachments: [{ filename: "team.ics", contentType: "text/calendar", content: btoa(ics) }] }),
	});
	const { id } = await stored.json<{ id: string }>();
	return `${sandboxUrl}/mail/${id}/attachments/0?token=${FEED_TOKEN}`;
}

/** Runs messages through the real consumer (the Worker's queue handler) on the given queue. */
async function consume(bodies: Job[], queue = "slotline-provider-push"): Promise<void> {
	const batch = createMessageBatch<Job>(queue, bodies.map((body, i) => ({ id: `leak-${i}`, timestamp: new Date(), attempts: 1, body })));
	await consumeBatch(batch as MessageBatch<unknown>, env);
	await getQueueResult(batch, createExecutionContext());
}

describe("calendar connections", () => {
	it("OAuth, CalDAV, iCloud and ICS feed connections, through every connection route", async () => {
		const google = await connectOAuth("google", "stf_demo_ana");
		const microsoft = await connectOAuth("microsoft", "stf_demo_ben");

		const username = `leak-${crypto.randomUUID().slice(0, 8)}`;
		const password = `caldav-pw-${crypto.randomUUID()}`;
		await control("/caldav/users", { username, password });
		await control("/caldav/calendars", { username, password, slug: "work", displayName: "Work" });
		expect((await connectWithPassword({ provider: "caldav", staffId: "stf_demo_chloe", serverUrl: caldavUrl, username, password: "a wrong caldav password" })).status).toBe(422);
		const caldav = await connectWithPassword({ provider: "caldav", staffId: "stf_demo_chloe", serverUrl: caldavUrl, username, password });
		expect(caldav.status).toBe(201);
		const caldavId = (await caldav.json<{ connection: ShownConnection }>()).connection.id;
		expect((await h.request(`/admin/api/connections/${caldavId}/password`, { method: "PUT", browser: owner, json: { password: "another wrong one" } })).status).toBe(422);
		expect((await h.request(`/admin/api/connections/${caldavId}/password`, { method: "PUT", browser: owner, json: { password } })).status).toBe(200);

		const appleId = `leak-${crypto.randomUUID().slice(0, 8)}@icloud.test`;
		const appPassword = `abcd-efgh-${crypto.randomUUID().slice(0, 8)}`;
		await control("/icloud/accounts", { appleId, appPassword });
		expect((await connectWithPassword({ provider: "icloud", staffId: "business", serverUrl: `${sandboxUrl}/icloud`, username: appleId, password: appPassword })).status).toBe(201);

		const feed = await feedUrl();
		expect((await connectWithPassword({ provider: "ics", staffId: "stf_demo_ana", serverUrl: feed.replace("attachments/0", "attachments/9") })).status).toBe(422);
		expect((await connectWithPassword({ provider: "ics", staffId: "stf_demo_ana", serverUrl: feed })).status).toBe(201);

		// A server address with the credentials in it, as people paste them: refused, naming the field.
		const inUrl = new URL(caldavUrl);
		inUrl.username = username;
		inUrl.password = password;
		const pasted = await connectWithPassword({ provider: "caldav", staffId: "stf_demo_ben", serverUrl: inUrl.toString(), username, password });
		expect(pasted.status).toBe(400);
		expect((await pasted.json<{ errors: Array<{ field: string }> }>()).errors.map((e) => e.field)).toEqual(["serverUrl"]);

		const listed = await (await h.request("/admin/api/connections", { browser: owner })).json<{ connections: ShownConnection[] }>();
		expect(listed.connections.length).toBeGreaterThanOrEqual(5);
		for (const shown of listed.connections) {
			expect((await h.request(`/admin/api/connections/${shown.id}`, { browser: owner })).status).toBe(200);
			const write = shown.calendars.find((c) => c.write)?.id ?? null;
			expect((await h.request(`/admin/api/connections/${shown.id}/calendars`, { method: "PUT", browser: owner, json: { writeCalendarId: write, conflictCalendarIds: shown.calendars.filter((c) => c.checkConflicts).map((c) => c.id) } })).status).toBe(200);
			expect((await h.request(`/admin/api/connections/${shown.id}/refresh-calendars`, { method: "POST", browser: owner })).status).toBe(200);
			expect((await h.request(`/admin/api/connections/${shown.id}/resync`, { method: "POST", browser: owner })).status).toBe(202);
			expect((await h.request(`/admin/api/connections/${shown.id}/retry`, { method: "POST", browser: owner })).status).toBe(202);
		}
		expect((await h.request("/admin/integrations", { browser: owner })).status).toBe(200);
		expect((await h.request(`/admin/api/connections/${microsoft}`, { method: "DELETE", browser: owner })).status).toBe(200);
		expect(google).toMatch(/^con_/);
	});
});

describe("the sync consumer's log lines", () => {
	it("outbound and inbound runs with a revoked grant, unreachable servers, a vanished feed and dead letters", async () => {
		const google = await connectOAuth("google", "stf_demo_ana");
		const feed = await feedUrl();
		const ics = await connectWithPassword({ provider: "ics", staffId: "stf_demo_ben", serverUrl: feed });
		expect(ics.status).toBe(201);
		const icsId = (await ics.json<{ connection: ShownConnection }>()).connection.id;

		// Chloé's CalDAV server and a second feed are unreachable now. Her connection dates from before server
		// addresses with a password in them were refused: the API must show the address without it.
		const vault = new CredentialVault(env.ENCRYPTION_KEYS);
		const unreachablePassword = `gone-pw-${crypto.randomUUID()}`;
		const unreachableFeed = `http://127.0.0.1:9/private/${FEED_TOKEN}/calendar.ics?token=${FEED_TOKEN}`;
		guard.addSecret("unreachable CalDAV password", unreachablePassword);
		guard.addSecret("unreachable feed URL", unreachableFeed);
		const caldavSealed = await vault.seal({ kind: "password", username: "chloe", password: unreachablePassword });
		const feedSealed = await vault.seal({ kind: "feed", url: unreachableFeed });
		await db.insert(calendarConnections).values([
			{ id: "con_leak_caldav", merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_chloe", provider: "caldav", accountLabel: "chloe", status: "active", credentials: caldavSealed.ciphertext, credentialsKeyId: caldavSealed.keyId, serverUrl: `http://chloe:${unreachablePassword}@127.0.0.1:9/dav/`, updatedAt: 0 },
			{ id: "con_leak_feed", merchantId: DEMO_MERCHANT_ID, staffId: "stf_demo_chloe", provider: "ics", accountLabel: "127.0.0.1/…/calendar.ics", status: "active", credentials: feedSealed.ciphertext, credentialsKeyId: feedSealed.keyId, serverUrl: null, updatedAt: 0 },
		]);
		await db.insert(connectionCalendars).values([
			{ id: "cal_leak_caldav", connectionId: "con_leak_caldav", externalId: "http://127.0.0.1:9/dav/chloe/work/", name: "Work", writable: true, readable: true, isWriteTarget: true, checkConflicts: true },
			{ id: "cal_leak_feed", connectionId: "con_leak_feed", externalId: "feed", name: "127.0.0.1/…/calendar.ics", writable: false, readable: true, isWriteTarget: false, checkConflicts: true },
		]);

		// Bookings for Ana (Google), Ben (the feed cannot be written) and Chloé (unreachable CalDAV).
		for (const staffId of ["stf_demo_ana", "stf_demo_chloe"]) await book({ staffId, serviceId: "svc_demo_consult" });
		const changed = await outboxJobs();
		const pushes = calendarPushes(changed);
		const syncs: Job[] = [...(await calendarsOf(db, google)), ...(await calendarsOf(db, icsId))].map((c) => ({ type: "calendar.sync", calendarId: c.id, reason: "cron" }));
		syncs.push({ type: "calendar.sync", calendarId: "cal_leak_caldav", reason: "cron" }, { type: "calendar.sync", calendarId: "cal_leak_feed", reason: "cron" });
		await consume([...changed, ...syncs]);

		// Ana revokes Google, and her access token is past its time: the next push and sync meet invalid_grant.
		const row = await connectionById(db, google);
		await control("/faults", { provider: "google", revokeRefreshTokens: true, email: row?.accountLabel });
		await db.update(calendarConnections).set({ accessTokenExpiresAt: 1 }).where(eq(calendarConnections.id, google));
		await book({ staffId: "stf_demo_ana", serviceId: "svc_demo_consult", start: Date.now() + 3 * 86_400_000 });
		await consume([...(await outboxJobs()), ...syncs]);
		expect((await connectionById(db, google))?.errorKind).toBe("reauthorize");

		// What exhausted its retries reaches the dead-letter consumer.
		await consume(pushes, "slotline-provider-push-dlq");
		expect(guard.consoleLines().some((l) => l.text.includes('"msg":"job failed"'))).toBe(true);
		expect(guard.consoleLines().some((l) => l.text.includes('"msg":"job dead-lettered"'))).toBe(true);

		// The connection log an admin reads says what failed, never with what.
		for (const id of [google, icsId, "con_leak_caldav", "con_leak_feed"]) expect((await h.request(`/admin/api/connections/${id}`, { browser: owner })).status).toBe(200);
		const shown = await (await h.request("/admin/api/connections/con_leak_caldav", { browser: owner })).json<{ connection: ShownConnection }>();
		expect(shown.connection.serverUrl).toBe("http://127.0.0.1:9/dav/");
		expect((await h.request("/admin/integrations", { browser: owner })).status).toBe(200);
	});
});

expectNoLeaks(guard);
