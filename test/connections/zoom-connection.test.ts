// Zoom connected on the Integrations page (issue 18 item 4) end to end against the sandbox's Zoom: the OAuth
// flow, sealed tokens that never reach D1 in plain text or a response, refresh with rotation, one refresh
// at a time per connection across isolates, a refresh whose answer was lost, a revoked grant, an expired
// access token, reconnect and disconnect.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { TokenRevokedError } from "../../src/calendars/provider";
import { connectionById } from "../../src/db/queries/connections";
import type { ConnectionRow } from "../../src/db/queries/connections";
import { calendarConnections, connectionLog } from "../../src/db/schema";
import { DEMO_MERCHANT_ID, DEMO_OWNER_EMAIL } from "../../src/demo/seed";
import { saveMeeting } from "../../src/meetings/meeting-store";
import { ZoomApi } from "../../src/meetings/zoom";
import { zoomTokens } from "../../src/meetings/zoom-access";
import { ZoomOAuth } from "../../src/oauth/zoom";
import { refreshExpiringTokens } from "../../src/sync/maintenance";
import { connectSandboxAccount } from "../../src/sync/sandbox-connect";
import { PASSWORD, harness } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";
import { control, sandboxUrl } from "../support/sandbox-control";
import { seedDemo } from "../support/seed";
import { connectZoom } from "../support/zoom";
import { call, ownerBrowser, responses } from "./support";
import { book, db, testContext, uniqueEmail } from "../sync/harness";
import type { TestContext } from "../sync/harness";

beforeEach(async () => {
	await seedDemo({ owner: { password: PASSWORD } });
	responses.length = 0;
});

/** "Connect Zoom" as a browser runs it: our start URL, the sandbox's consent (as `email`), our callback. Answers where it ended. */
async function connectThroughBrowser(h: Harness, browser: Browser, email: string, owner: string): Promise<URL> {
	await control("/zoom/users", { email });
	const start = await call(h, browser, `/admin/api/connect/zoom?staffId=${owner}`);
	expect(start.status).toBe(302);
	const consent = new URL(start.headers.get("location") ?? "");
	expect(consent.origin + consent.pathname).toBe(`${sandboxUrl}/zoom/oauth/authorize`);
	expect(consent.searchParams.get("code_challenge_method")).toBe("S256");
	expect(consent.searchParams.get("redirect_uri")).toBe("http://localhost:8787/connect/zoom/callback");
	// The sandbox's shortcut for "this person signs in and allows".
	consent.searchParams.set("login_hint", email);
	const flowCookie = start.headers.getSetCookie().find((c) => c.startsWith("__Host-slotline_connect="))?.split(";")[0] ?? "";
	const back = await fetch(consent, { redirect: "manual" });
	const callback = new URL(back.headers.get("location") ?? "");
	expect(callback.pathname).toBe("/connect/zoom/callback");
	const done = await call(h, browser, `${callback.pathname}${callback.search}`, { extraCookie: flowCookie });
	expect(done.status).toBe(303);
	return new URL(done.headers.get("location") ?? "");
}

async function zoomUserId(email: string): Promise<string> {
	const users = (await control("/zoom/users")) as Array<{ email: string; id: string }>;
	const user = users.find((u) => u.email === email);
	if (user === undefined) throw new Error(`no sandbox Zoom user ${email}`);
	return user.id;
}

async function stored(connectionId: string): Promise<{ accessToken: string; refreshToken: string | null; row: ConnectionRow }> {
	const row = (await connectionById(db, connectionId)) as ConnectionRow;
	const opened = await testContext().vault.open({ ciphertext: row.credentials ?? "", keyId: row.credentialsKeyId ?? "" });
	if (opened.kind !== "oauth") throw new Error("not OAuth credentials");
	return { accessToken: opened.accessToken, refreshToken: opened.refreshToken, row };
}

/** Makes the stored access token one that is about to lapse, so the next use refreshes it. */
async function expireStoredToken(connectionId: string): Promise<void> {
	await db.update(calendarConnections).set({ accessTokenExpiresAt: Date.now() - 60_000 }).where(eq(calendarConnections.id, connectionId));
}

async function me(accessToken: string): Promise<number> {
	return (await fetch(`${sandboxUrl}/zoom/v2/users/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;
}

const oauth = (): ZoomOAuth => new ZoomOAuth({ base: env.ZOOM_OAUTH_URL, clientId: env.ZOOM_CLIENT_ID, clientSecret: env.ZOOM_CLIENT_SECRET, redirectUri: "http://localhost:8787/connect/zoom/callback" });

describe("connecting Zoom", () => {
	it("connects a staff member's Zoom through the Integrations flow, with sealed tokens that no response or D1 column shows", async () => {
		const h = harness();
		const browser = await ownerBrowser(h);
		const email = uniqueEmail("ana-zoom");
		const ended = await connectThroughBrowser(h, browser, email, "stf_demo_ana");
		const id = ended.searchParams.get("connected") ?? "";
		expect(id).toMatch(/^con_/);

		const { accessToken, refreshToken, row } = await stored(id);
		expect(row).toMatchObject({ provider: "zoom", staffId: "stf_demo_ana", accountLabel: email, externalAccountId: await zoomUserId(email), status: "active" });
		expect(await me(accessToken)).toBe(200);
		expect(refreshToken).not.toBeNull();
		// Not in D1 in plain text (any column), nor in any answer of ours.
		const raw = JSON.stringify(await env.DB.prepare("select * from calendar_connections where id = ?").bind(id).all());
		for (const token of [accessToken, refreshToken ?? ""]) expect(raw).not.toContain(token);

		const listed = await (await call(h, browser, "/admin/api/connections")).json<{ connections: Array<{ id: string; provider: string; account: string; status: string; calendars: unknown[] }> }>();
		expect(listed.connections.find((c) => c.id === id)).toMatchObject({ provider: "zoom", account: email, status: "active", calendars: [] });
		const page = await call(h, browser, `/admin/integrations?connected=${id}`);
		const html = await page.text();
		expect(html).toContain(`Zoom · ${email}`);
		expect(html).toContain("Zoom connected.");
		// Ana has her Zoom; the business and Ben can still connect theirs.
		expect(html.match(/Connect Zoom<\/a>/g)?.length).toBe(html.match(/data-owner=/g)!.length - 1);
		// Calendar routes refuse a Zoom connection (it has no calendars) with a 422, not a 500.
		const resync = await call(h, browser, `/admin/api/connections/${id}/resync`, { method: "POST" });
		expect(resync.status).toBe(422);
		for (const body of responses) for (const token of [accessToken, refreshToken ?? ""]) expect(body).not.toContain(token);
	});

	it("keeps one live Zoom per staff member: another Zoom user is refused, the same one reconnects into the same row", async () => {
		const h = harness();
		const browser = await ownerBrowser(h);
		const email = uniqueEmail("ana-zoom");
		const first = (await connectThroughBrowser(h, browser, email, "stf_demo_ana")).searchParams.get("connected") ?? "";
		const other = await connectThroughBrowser(h, browser, uniqueEmail("other-zoom"), "stf_demo_ana");
		expect(other.searchParams.get("error")).toBe("zoom-exists");
		const again = await connectThroughBrowser(h, browser, email, "stf_demo_ana");
		expect(again.searchParams.get("connected")).toBe(first);
		// The business's Zoom lives beside a business calendar (it is no calendar).
		await connectSandboxAccount(testContext(), { sandboxUrl, provider: "google", email: uniqueEmail("biz"), name: "Biz", merchantId: DEMO_MERCHANT_ID, staffId: null });
		expect((await connectThroughBrowser(h, browser, uniqueEmail("biz-zoom"), "business")).searchParams.get("connected")).toMatch(/^con_/);
		const zoomRows = (await db.select().from(calendarConnections).where(eq(calendarConnections.provider, "zoom")).all()).filter((r) => r.status === "active");
		expect(zoomRows.map((r) => r.staffId).sort()).toEqual(["stf_demo_ana", null].sort());
	});

	it("disconnects: the grant is revoked at Zoom and the credentials deleted", async () => {
		const h = harness();
		const browser = await ownerBrowser(h);
		const context = testContext();
		const { connection } = await connectZoom(context, { staffId: "stf_demo_ana" });
		const { accessToken } = await stored(connection.id);
		const res = await call(h, browser, `/admin/api/connections/${connection.id}`, { method: "DELETE" });
		expect(res.status).toBe(200);
		expect(await connectionById(db, connection.id)).toMatchObject({ status: "disconnected", credentials: null, credentialsKeyId: null, accessTokenExpiresAt: null });
		expect(await me(accessToken)).toBe(401);
	});
});

describe("Zoom tokens", () => {
	it("refreshes before expiry, storing the rotated pair; the old refresh token is dead", async () => {
		const context = testContext();
		const { connection } = await connectZoom(context, { staffId: "stf_demo_ana" });
		const before = await stored(connection.id);
		await expireStoredToken(connection.id);
		const token = await (await zoomTokens(context, (await connectionById(db, connection.id))!)).get();
		const after = await stored(connection.id);
		expect(token).toBe(after.accessToken);
		expect(token).not.toBe(before.accessToken);
		expect(after.refreshToken).not.toBe(before.refreshToken);
		expect(after.row.accessTokenExpiresAt ?? 0).toBeGreaterThan(Date.now() + 50 * 60_000);
		expect(after.row.refreshLeaseUntil).toBeNull();
		expect(await me(token)).toBe(200);
		await expect(oauth().refresh(before.refreshToken ?? "", Date.now())).rejects.toMatchObject({ code: "invalid_grant" });
	});

	it("the cron refreshes a Zoom token that expires soon", async () => {
		const context = testContext();
		const { connection } = await connectZoom(context, { staffId: "stf_demo_ana" });
		const before = await stored(connection.id);
		await expireStoredToken(connection.id);
		expect(await refreshExpiringTokens(context)).toBeGreaterThanOrEqual(1);
		const after = await stored(connection.id);
		expect(after.refreshToken).not.toBe(before.refreshToken);
		expect(await me(after.accessToken)).toBe(200);
	});

	it("two refreshes of one connection at once (two isolates): one refresh at Zoom, and both callers get the working token", async () => {
		const context = testContext();
		const { connection } = await connectZoom(context, { staffId: "stf_demo_ana" });
		const before = await stored(connection.id);
		await expireStoredToken(connection.id);
		// Each source read the row on its own, as two isolates (or a queue consumer and a page) would.
		const row = (await connectionById(db, connection.id))!;
		const [a, b] = await Promise.all([zoomTokens(context, row), zoomTokens(testContext(), row)]);
		const [tokenA, tokenB] = await Promise.all([a.get(), b.get()]);
		const after = await stored(connection.id);
		// One refresh: both hold the one token it issued (a second refresh would have issued another, or died on
		// the rotated refresh token), and that is what D1 keeps.
		expect(tokenA).toBe(tokenB);
		expect(tokenA).toBe(after.accessToken);
		expect(await me(tokenA)).toBe(200);
		expect(after.row.status).toBe("active");
		expect(after.row.refreshLeaseUntil).toBeNull();
		await expect(oauth().refresh(before.refreshToken ?? "", Date.now())).rejects.toMatchObject({ code: "invalid_grant" });
		// The stored refresh token is the live one.
		expect((await oauth().refresh(after.refreshToken ?? "", Date.now())).accessToken).not.toBe("");
	});

	it("an expired access token (401 code 124) is refreshed and the request repeated", async () => {
		const context = testContext();
		const { connection, email } = await connectZoom(context, { staffId: "stf_demo_ana" });
		const before = await stored(connection.id);
		await control("/faults", { provider: "zoom", expireAccessTokens: true, scope: { account: email } });
		expect(await me(before.accessToken)).toBe(401);
		const tokens = await zoomTokens(context, (await connectionById(db, connection.id))!);
		const user = await new ZoomApi({ api: env.ZOOM_API, tokens, fetch: (input, init) => fetch(input, init) }).me();
		expect(user.email).toBe(email);
		expect((await stored(connection.id)).refreshToken).not.toBe(before.refreshToken);
	});

	it("a refused grant (invalid_grant) puts the connection in needs-re-authorisation and tells the owner", async () => {
		const context = testContext();
		const { connection, email } = await connectZoom(context, { staffId: "stf_demo_ana" });
		await control("/faults", { provider: "zoom", revokeRefreshTokens: true, scope: { account: email } });
		await expireStoredToken(connection.id);
		const tokens = await zoomTokens(context, (await connectionById(db, connection.id))!);
		await expect(tokens.get()).rejects.toMatchObject({ code: "invalid_grant" });
		expect(await connectionById(db, connection.id)).toMatchObject({ status: "error", errorKind: "reauthorize" });
		expect(context.recordingMailer.outbox.filter((m) => m.to === DEMO_OWNER_EMAIL).map((m) => m.subject)).toEqual(["Zoom needs attention (Demo Studio)"]);
	});

	it("a refresh whose answer is lost ends in needs-re-authorisation, said to the owner, and reconnecting resumes what waited", async () => {
		const context = testContext();
		const { connection, email } = await connectZoom(context, { staffId: "stf_demo_ana" });
		const [booking] = await book();
		await saveMeeting(db, booking!.id, { merchantId: DEMO_MERCHANT_ID, bookingId: booking!.id, seriesId: null, provider: "zoom", connectionId: connection.id, state: "pending" }, Date.now());
		const before = await stored(connection.id);
		// Zoom does the refresh (the old refresh token dies) and the answer never arrives.
		await control("/faults", { provider: "zoom", endpoint: "token", afterSuccess: true, status: 503, count: 1, scope: { account: email } });
		await expireStoredToken(connection.id);
		const tokens = await zoomTokens(context, (await connectionById(db, connection.id))!);
		const failure = await tokens.get().catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(TokenRevokedError);
		expect(failure).toMatchObject({ provider: "zoom", code: "refreshAnswerLost" });
		const errored = await connectionById(db, connection.id);
		expect(errored).toMatchObject({ status: "error", errorKind: "reauthorize", refreshLeaseUntil: null });
		expect(errored?.statusMessage).toMatch(/Reconnect Zoom/);
		expect(context.recordingMailer.outbox.filter((m) => m.to === DEMO_OWNER_EMAIL)).toHaveLength(1);
		const log = await db.select().from(connectionLog).where(eq(connectionLog.connectionId, connection.id)).all();
		expect(log.some((line) => line.operation === "refresh-token" && line.outcome === "error" && /refreshAnswerLost/.test(line.message ?? ""))).toBe(true);
		for (const line of log) expect(line.message ?? "").not.toContain(before.refreshToken ?? "");

		// Reconnecting (the same Zoom user) brings the same row back, and the meeting that waited goes out.
		context.recording.take();
		const again = await connectZoom(context, { staffId: "stf_demo_ana", email });
		expect(again.connection.id).toBe(connection.id);
		expect(again.connection).toMatchObject({ status: "active", errorKind: null });
		expect(context.recording.take()).toContainEqual({ type: "meeting.push", merchantId: DEMO_MERCHANT_ID, bookingId: booking!.id, version: booking!.version });
		expect(await me((await stored(connection.id)).accessToken)).toBe(200);
	});
});
