// The connection API end to end: OAuth connect through the sandbox, tenant and staff scoping,
// disconnect keeping events and bookings, reconnect and resync without duplicates, and no token in any response.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { hashPassword } from "../../src/auth/password";
import { connectionById } from "../../src/db/queries/connections";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { bookings, connectionCalendars, memberships, users } from "../../src/db/schema";
import { CredentialVault } from "../../src/sync/credentials";
import { resync } from "../../src/sync/connection-jobs";
import { handleCalendarPush } from "../../src/sync/outbound";
import { PASSWORD, harness, seedMerchant, signIn } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";
import { control } from "../support/sandbox-control";
import { busyBlocksOf } from "../support/schedule";
import { seedDemo } from "../support/seed";
import { call, ownerBrowser, responses } from "./support";
import { book, db, deliver, liveEvents, testContext, uniqueEmail } from "../sync/harness";

beforeEach(async () => {
	await seedDemo({ owner: { password: PASSWORD } });
	responses.length = 0;
});

/** Runs the browser side of "Connect Google": our start URL, the sandbox consent shortcut, our callback. */
async function connectThroughBrowser(h: Harness, browser: Browser, email: string, staffId: string): Promise<string> {
	await control("/google/users", { email, name: "Ana" });
	const start = await call(h, browser, `/admin/api/connect/google?staffId=${staffId}&loginHint=${encodeURIComponent(email)}`);
	expect(start.status).toBe(302);
	const consent = new URL(start.headers.get("location") ?? "");
	expect(consent.searchParams.get("scope")).toBe("https://www.googleapis.com/auth/calendar.events.owned https://www.googleapis.com/auth/calendar.calendarlist.readonly");
	expect(consent.searchParams.get("access_type")).toBe("offline");
	expect(consent.searchParams.get("prompt")).toBe("consent");
	const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith("__Host-slotline_connect="))?.split(";")[0] ?? "";
	const back = await fetch(consent, { redirect: "manual" });
	const callback = new URL(back.headers.get("location") ?? "");
	expect(callback.pathname).toBe("/connect/google/callback");
	const done = await call(h, browser, `${callback.pathname}${callback.search}`, { extraCookie: flowCookie });
	expect(done.status).toBe(303);
	const connected = new URL(done.headers.get("location") ?? "").searchParams.get("connected");
	expect(connected).toMatch(/^con_/);
	return connected ?? "";
}

describe("calendar connections API", () => {
	it("connects Google by OAuth, disconnects keeping events and bookings, reconnects and resyncs without duplicates", async () => {
		const h = harness();
		const browser = await ownerBrowser(h);
		const email = uniqueEmail("ana");
		const id = await connectThroughBrowser(h, browser, email, "stf_demo_ana");

		const listed = await (await call(h, browser, "/admin/api/connections")).json<{ connections: Array<{ id: string; account: string; status: string; calendars: Array<{ id: string; write: boolean }> }> }>();
		const shown = listed.connections.find((c) => c.id === id);
		expect(shown?.account).toBe(email);
		expect(shown?.status).toBe("active");
		expect(shown?.calendars.filter((c) => c.write)).toHaveLength(1);

		const context = testContext();
		const [booking] = await book();
		expect(await deliver(context)).toEqual(["written"]);
		expect(await liveEvents("google", email)).toHaveLength(1);

		const stored = await connectionById(db, id);
		const secrets = await new CredentialVault(env.ENCRYPTION_KEYS).open({ ciphertext: stored!.credentials!, keyId: stored!.credentialsKeyId! });

		// A block from this account's calendar, as inbound sync would have stored it in the merchant's object.
		const checked = (await db.select().from(connectionCalendars).where(eq(connectionCalendars.connectionId, id)))[0]!;
		const block = { instanceId: "ext1", start: Date.now() + 86_400_000, end: Date.now() + 90_000_000, allDay: false, tentative: false };
		await merchantSchedule(env, "mer_demo").applyFeed({ calendarId: checked.id, generation: checked.syncGeneration, step: 1, staffId: "stf_demo_ana", full: false, events: [{ eventId: "ext1", marker: null, blocks: [block] }], removed: [] });
		expect((await busyBlocksOf()).filter((b) => b.calendarId === checked.id)).toHaveLength(1);

		const disconnected = await call(h, browser, `/admin/api/connections/${id}`, { method: "DELETE" });
		expect(disconnected.status).toBe(200);
		const after = await connectionById(db, id);
		expect(after?.status).toBe("disconnected");
		expect(after?.credentials).toBeNull();
		// Its calendar no longer blocks time.
		expect((await busyBlocksOf()).filter((b) => b.calendarId === checked.id)).toEqual([]);
		expect(await liveEvents("google", email)).toHaveLength(1);
		expect(await db.query.bookings.findFirst({ where: eq(bookings.id, booking!.id) })).toBeDefined();

		// Reconnecting the same account brings the same connection back; pushing everything again updates, never duplicates.
		expect(await connectThroughBrowser(h, browser, email, "stf_demo_ana")).toBe(id);
		const again = await connectionById(db, id);
		expect(await resync(context, again!)).toBe(1);
		for (const job of context.recording.take()) if (job.type === "calendar.push") expect(await handleCalendarPush(context, job)).toBe("written");
		const resynced = await call(h, browser, `/admin/api/connections/${id}/resync`, { method: "POST" });
		expect(resynced.status).toBe(202);
		expect(await liveEvents("google", email)).toHaveLength(1);

		const detail = await (await call(h, browser, `/admin/api/connections/${id}`)).json<{ log: Array<{ operation: string }> }>();
		expect(detail.log.map((l) => l.operation)).toContain("disconnect");

		expect(secrets.kind).toBe("oauth");
		if (secrets.kind !== "oauth") return;
		for (const body of responses) {
			expect(body).not.toContain(secrets.accessToken);
			expect(body).not.toContain(secrets.refreshToken ?? "no refresh token");
			expect(body).not.toMatch(/accessToken|refreshToken|credentials/);
		}
	});

	it("hides other tenants' and colleagues' connections (404) and lets staff connect only themselves", async () => {
		const h = harness();
		const owner = await ownerBrowser(h);
		const id = await connectThroughBrowser(h, owner, uniqueEmail("ana"), "stf_demo_ana");

		const other = await seedMerchant();
		const outsider = h.browser();
		expect((await signIn(h, outsider, other.ownerEmail)).status).toBe(200);
		expect((await call(h, outsider, `/admin/api/connections/${id}`)).status).toBe(404);
		expect((await call(h, outsider, `/admin/api/connections/${id}`, { method: "DELETE" })).status).toBe(404);

		const benEmail = uniqueEmail("ben");
		await db.insert(users).values({ id: `usr_${crypto.randomUUID()}`, email: benEmail, emailVerifiedAt: 1, passwordHash: await hashPassword(PASSWORD) });
		const ben = await db.query.users.findFirst({ where: eq(users.email, benEmail) });
		await db.insert(memberships).values({ userId: ben!.id, merchantId: "mer_demo", role: "staff", staffId: "stf_demo_ben" });
		const staffBrowser = h.browser();
		expect((await signIn(h, staffBrowser, benEmail)).status).toBe(200);
		expect((await call(h, staffBrowser, `/admin/api/connections/${id}`)).status).toBe(404);
		expect((await call(h, staffBrowser, "/admin/api/connect/google?staffId=stf_demo_ana")).status).toBe(404);
		const own = await call(h, staffBrowser, "/admin/api/connect/google");
		expect(own.status).toBe(302);
		const list = await (await call(h, staffBrowser, "/admin/api/connections")).json<{ connections: unknown[] }>();
		expect(list.connections).toHaveLength(0);
	});
});
