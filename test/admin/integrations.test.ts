// The Integrations page's "Refresh calendar list" when the provider says no: a changed iCloud password
// puts the connection in Error asking for the new one (422 saying so), an unreachable server is a 503
// that changes nothing; never a 500. A polled calendar's last check and cadence, from its poller. And
// the page's connect forms say what iCloud needs.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { CalendarPoller } from "../../src/sync/poller";
import { calendarPoller } from "../../src/sync/polling";
import { control, sandboxUrl } from "../support/sandbox-control";
import { adminWorld, call } from "./support";
import type { AdminWorld } from "./support";

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

interface ConnectionJson {
	id: string;
	status: string;
	error: { kind: string; message: string } | null;
	calendars: Array<{ name: string }>;
}

async function connectICloud(password: string): Promise<{ id: string; appleId: string }> {
	const appleId = `chloe-${crypto.randomUUID().slice(0, 8)}@icloud.test`;
	await control("/icloud/accounts", { appleId, appPassword: password });
	const res = await call<{ connection: ConnectionJson }>(world, world.owner, "POST", "/connections", {
		provider: "icloud",
		staffId: "stf_demo_chloe",
		serverUrl: `${sandboxUrl}/icloud`,
		username: appleId,
		password,
	});
	expect(res.status).toBe(201);
	return { id: res.body.connection.id, appleId };
}

describe("refreshing a connection's calendar list", () => {
	it("after the iCloud password changed: 422 asking to re-authorize, and the connection in Error with the app-specific password hint", async () => {
		const { id, appleId } = await connectICloud("abcd-efgh-ijkl-mnop");
		// The person revoked that app-specific password and made another.
		await control("/icloud/accounts", { appleId, appPassword: "qrst-uvwx-yzab-cdef" });
		const refused = await call(world, world.owner, "POST", `/connections/${id}/refresh-calendars`);
		expect(refused.status).toBe(422);
		expect(refused.body).toMatchObject({ type: "https://slotline.dev/problems/reauthorize", detail: expect.stringMatching(/Re-authorize/) });
		const after = await call<{ connection: ConnectionJson; log: Array<{ operation: string; outcome: string }> }>(world, world.owner, "GET", `/connections/${id}`);
		expect(after.body.connection).toMatchObject({ status: "error", error: { kind: "reauthorize", message: expect.stringContaining("app-specific password") } });
		expect(after.body.log[0]).toMatchObject({ operation: "list-calendars", outcome: "error" });
		// The new password brings it back.
		expect((await call(world, world.owner, "PUT", `/connections/${id}/password`, { password: "qrst-uvwx-yzab-cdef" })).status).toBe(200);
		expect((await call(world, world.owner, "POST", `/connections/${id}/refresh-calendars`)).status).toBe(200);
	});

	it("with the server unreachable: 503 and nothing changed; a disconnected one: 422", async () => {
		const { id } = await connectICloud("abcd-efgh-ijkl-mnop");
		// Port 9 (discard) is closed here: no answer at all.
		await env.DB.prepare("update calendar_connections set server_url = 'http://127.0.0.1:9/' where id = ?").bind(id).run();
		const down = await call<ConnectionJson>(world, world.owner, "POST", `/connections/${id}/refresh-calendars`);
		expect(down.status).toBe(503);
		expect(down.body).toMatchObject({ type: "https://slotline.dev/problems/provider-unavailable", detail: expect.stringMatching(/could not be reached/) });
		const after = await call<{ connection: ConnectionJson }>(world, world.owner, "GET", `/connections/${id}`);
		expect(after.body.connection).toMatchObject({ status: "active", calendars: [{ name: "Home" }] });

		expect((await call(world, world.owner, "DELETE", `/connections/${id}`)).status).toBe(200);
		const gone = await call(world, world.owner, "POST", `/connections/${id}/refresh-calendars`);
		expect(gone.status).toBe(422);
		expect(gone.body).toMatchObject({ type: "https://slotline.dev/problems/disconnected" });
	});
});

describe("polled calendars on the Integrations page", () => {
	it("show their last check, last change and cadence in words, read from the connection's poller", async () => {
		const { id } = await connectICloud("abcd-efgh-ijkl-mnop");
		// Its poller has not run yet.
		const before = await call<{ connection: { calendars: Array<{ polling: unknown }> } }>(world, world.owner, "GET", `/connections/${id}`);
		expect(before.body.connection.calendars).toEqual([expect.objectContaining({ polling: null })]);
		// Its poller's alarm fires (the clock set by hand: 3 s ago, no jitter).
		const now = Date.now() - 3_000;
		const poller = calendarPoller(env, id);
		await runInDurableObject(poller, (instance: CalendarPoller) => {
			instance.clock = () => now;
			instance.random = () => 0;
		});
		expect(await runDurableObjectAlarm(poller)).toBe(true);

		const after = await call<{ connection: { calendars: Array<{ polling: unknown }> } }>(world, world.owner, "GET", `/connections/${id}`);
		const checkedAt = new Date(now).toISOString();
		expect(after.body.connection.calendars).toEqual([expect.objectContaining({ polling: { lastCheckedAt: checkedAt, lastChangedAt: null, everySeconds: 24, failing: false, lastError: null, paused: false } })]);
		const html = await (await world.h.request("/admin/integrations", { browser: world.owner })).text();
		expect(html).toMatch(new RegExp(`Home: checked <time datetime="${checkedAt}"[^>]*>\\d+ seconds ago</time> · no change seen yet · checks every 24 seconds`));
	});
});

describe("the Integrations page's connect forms", () => {
	it("offers iCloud with the app-specific password explained, another CalDAV server, and ICS feeds, for each staff member and the business", async () => {
		const html = await (await world.h.request("/admin/integrations", { browser: world.owner })).text();
		for (const owner of ["business", "stf_demo_ana", "stf_demo_ben", "stf_demo_chloe"]) {
			expect(html).toContain(`data-owner="${owner}"`);
			expect(html).toContain(`id="icloud-help-${owner}"`);
			expect(html).toContain(`aria-describedby="icloud-help-${owner}"`);
			expect(html).toContain(`/admin/api/connect/google?staffId=${owner}`);
			expect(html).toContain(`/admin/api/connect/microsoft?staffId=${owner}`);
		}
		expect(html).toContain("App-Specific Passwords");
		expect(html).toContain('href="https://appleid.apple.com"');
		expect(html).toContain("Connect another CalDAV server");
		expect(html).toContain("Add an ICS feed (read-only)");
		expect(html).toContain(JSON.stringify({ staffId: "stf_demo_ana", provider: "icloud" }).replaceAll('"', "&quot;"));
	});
});
