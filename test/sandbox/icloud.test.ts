import { afterAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { createSandbox } from "../../sandbox/server";
import { caldavSandboxPerFile, dav, eventIcs, MULTIGET, PROPFIND, responses, SYNC_COLLECTION, tagValues } from "./caldav-helpers";
import { postJson } from "./helpers";

let sandbox: Sandbox;
const amy = { user: "amy@icloud.example", password: "abcd-efgh-ijkl-mnop" };

interface AccountJson {
	dsid: string;
	partition: string;
	principalUrl: string;
	calendarHomeUrl: string;
}

async function createAccount(appleId: string, appPassword: string): Promise<AccountJson> {
	const res = await postJson(`${sandbox.url}/_control/icloud/accounts`, { appleId, appPassword });
	expect([200, 201]).toContain(res.status);
	return (await res.json()) as AccountJson;
}

/** RFC 6764 discovery as a client does it: well-known, current-user-principal, calendar-home-set. */
async function discoverHome(user = amy): Promise<string> {
	const wellKnown = await dav("PROPFIND", `${sandbox.url}/icloud/.well-known/caldav`, { ...user, depth: "0" });
	expect(wellKnown.status).toBe(301);
	const context = new URL(wellKnown.headers.get("location") ?? "", sandbox.url).toString();
	const root = await dav("PROPFIND", context, { ...user, depth: "0", body: PROPFIND("<D:current-user-principal/>") });
	expect(root.status).toBe(207);
	const principal = new URL(tagValues(tagValues(root.text, "current-user-principal")[0] ?? "", "href")[0] ?? "", context).toString();
	const found = await dav("PROPFIND", principal, { ...user, depth: "0", body: PROPFIND("<C:calendar-home-set/>") });
	expect(found.status).toBe(207);
	return new URL(tagValues(tagValues(found.text, "calendar-home-set")[0] ?? "", "href")[0] ?? "", principal).toString();
}

caldavSandboxPerFile((started) => {
	sandbox = started;
});

describe("iCloud main host", () => {
	it("answers GET / with 400 and redirects /.well-known/caldav with 301", async () => {
		expect((await fetch(`${sandbox.url}/icloud/`)).status).toBe(400);
		const redirect = await fetch(`${sandbox.url}/icloud/.well-known/caldav`, { redirect: "manual" });
		expect(redirect.status).toBe(301);
		expect(redirect.headers.get("location")).toBe(`${sandbox.url}/icloud/`);
	});

	it("discovers a principal whose calendar-home-set is an absolute URL on the partition host, another origin", async () => {
		const account = await createAccount(amy.user, amy.password);
		const home = await discoverHome();
		expect(home).toBe(account.calendarHomeUrl);
		expect(home).toBe(`${sandbox.partitionUrl}/${account.dsid}/calendars/`);
		expect(new URL(home).origin).not.toBe(new URL(sandbox.url).origin);
		expect(account.principalUrl).toBe(`${sandbox.url}/icloud/${account.dsid}/principal/`);
		expect((await dav("PROPFIND", home, { ...amy, depth: "1" })).status).toBe(207);
		// A client that keeps the main host and takes only the path finds nothing (docs/providers.md C5).
		const wrongHost = new URL(new URL(home).pathname, sandbox.url).toString();
		expect((await dav("PROPFIND", wrongHost, { ...amy, depth: "1" })).status).toBe(404);
	});

	it("answers 401 to a wrong or replaced app-specific password and to no credentials", async () => {
		const account = await createAccount(amy.user, amy.password);
		const noAuth = await fetch(`${sandbox.url}/icloud/`, { method: "PROPFIND", headers: { depth: "0" } });
		expect(noAuth.status).toBe(401);
		expect(noAuth.headers.get("www-authenticate")).toMatch(/^Basic /);
		expect((await dav("PROPFIND", `${sandbox.url}/icloud/`, { user: amy.user, password: "my-apple-id-password", depth: "0" })).status).toBe(401);
		expect((await dav("PROPFIND", account.calendarHomeUrl, { user: amy.user, password: "wrong", depth: "1" })).status).toBe(401);
		// A new app-specific password replaces the old one.
		await createAccount(amy.user, "new-app-password");
		expect((await dav("PROPFIND", account.calendarHomeUrl, { ...amy, depth: "0" })).status).toBe(401);
		expect((await dav("PROPFIND", account.calendarHomeUrl, { user: amy.user, password: "new-app-password", depth: "0" })).status).toBe(207);
	});
});

describe("iCloud partition", () => {
	it("lists Home (VEVENT) and Reminders (VTODO only) with every href on the partition path", async () => {
		const account = await createAccount(amy.user, amy.password);
		const homePath = new URL(account.calendarHomeUrl).pathname;
		const listing = await dav("PROPFIND", account.calendarHomeUrl, {
			...amy,
			depth: "1",
			body: PROPFIND("<D:resourcetype/><D:displayname/><C:supported-calendar-component-set/><CS:getctag/><D:sync-token/>"),
		});
		expect(listing.status).toBe(207);
		const all = responses(listing.text);
		for (const r of all) expect(r.href.startsWith(homePath)).toBe(true);
		// Radicale's own paths (/<dsid>/home/) never show; only the partition's (/<dsid>/calendars/home/).
		expect(listing.text).not.toMatch(new RegExp(`<href>[^<]*/${account.dsid}/(?!calendars/)`));
		const calendars = all.filter((r) => /<C:calendar\s*\/>/.test(r.xml));
		const byName = new Map(calendars.map((r) => [tagValues(r.xml, "displayname")[0], r.xml]));
		expect([...byName.keys()].sort()).toEqual(["Home", "Reminders"]);
		expect(byName.get("Home")).toMatch(/<C:comp name="VEVENT"/);
		expect(byName.get("Reminders")).toMatch(/<C:comp name="VTODO"/);
		expect(byName.get("Reminders")).not.toMatch(/VEVENT/);
	});

	it("proxies PUT/GET/DELETE with ETag preconditions, sync-collection and multiget", async () => {
		const account = await createAccount(amy.user, amy.password);
		const calendar = `${await discoverHome()}home/`;
		const item = `${calendar}e1.ics`;
		const created = await dav("PUT", item, { ...amy, body: eventIcs("e1", "20260105T090000Z"), headers: { "if-none-match": "*" } });
		expect(created.status).toBe(201);
		const etag = created.headers.get("etag") ?? "";
		expect(etag).toMatch(/^"/);
		expect((await dav("PUT", item, { ...amy, body: eventIcs("e1", "20260105T090000Z"), headers: { "if-none-match": "*" } })).status).toBe(412);

		const read = await dav("GET", item, amy);
		expect(read.status).toBe(200);
		expect(read.headers.get("etag")).toBe(etag);
		expect(read.text).toContain("UID:e1");

		const first = await dav("REPORT", calendar, { ...amy, depth: "0", body: SYNC_COLLECTION("") });
		expect(first.status).toBe(207);
		const itemPath = new URL(item).pathname;
		expect(responses(first.text).map((r) => r.href)).toEqual([itemPath]);
		const token = tagValues(first.text, "sync-token").at(-1) ?? "";

		const updated = await dav("PUT", item, { ...amy, body: eventIcs("e1", "20260105T100000Z", "Moved"), headers: { "if-match": etag } });
		expect([200, 201, 204]).toContain(updated.status);
		const newEtag = updated.headers.get("etag") ?? "";
		expect(newEtag).not.toBe(etag);
		expect((await dav("PUT", item, { ...amy, body: eventIcs("e1", "20260105T110000Z"), headers: { "if-match": etag } })).status).toBe(412);

		const second = await dav("REPORT", calendar, { ...amy, depth: "0", body: SYNC_COLLECTION(token) });
		expect(responses(second.text).map((r) => r.href)).toEqual([itemPath]);
		const bad = await dav("REPORT", calendar, { ...amy, depth: "0", body: SYNC_COLLECTION(`http://radicale.org/ns/sync/${"f".repeat(64)}`) });
		expect(bad.status).toBe(403);
		expect(bad.text).toContain("valid-sync-token");

		// Clients send back the hrefs they were given, path-only or absolute.
		const multi = await dav("REPORT", calendar, { ...amy, depth: "1", body: MULTIGET([itemPath, `${calendar}missing.ics`]) });
		expect(multi.status).toBe(207);
		const byHref = new Map(responses(multi.text).map((r) => [r.href, r.xml]));
		expect(byHref.get(itemPath)).toContain("SUMMARY:Moved");
		expect(byHref.get(`${new URL(calendar).pathname}missing.ics`)).toContain("404");

		expect((await dav("DELETE", item, { ...amy, headers: { "if-match": etag } })).status).toBe(412);
		// Radicale answers a DELETE with 200 and a multistatus body; iCloud with 204.
		expect([200, 204]).toContain((await dav("DELETE", item, { ...amy, headers: { "if-match": newEtag } })).status);
		expect((await dav("GET", item, amy)).status).toBe(404);
		expect(account.dsid).toMatch(/^\d+$/);
	});

	it("passes Radicale's 409 no-uid-conflict through when a second resource reuses a UID (docs/providers.md C3, C4)", async () => {
		await createAccount(amy.user, amy.password);
		const calendar = `${await discoverHome()}home/`;
		expect((await dav("PUT", `${calendar}first.ics`, { ...amy, body: eventIcs("shared-uid", "20260105T090000Z"), headers: { "if-none-match": "*" } })).status).toBe(201);
		const clash = await dav("PUT", `${calendar}second.ics`, { ...amy, body: eventIcs("shared-uid", "20260106T090000Z"), headers: { "if-none-match": "*" } });
		expect(clash.status).toBe(409);
		expect(clash.text).toMatch(/<C:no-uid-conflict\s*\/>/);
		expect((await dav("GET", `${calendar}second.ics`, amy)).status).toBe(404);
	});

	it("keeps accounts apart: another account's partition path is not found", async () => {
		const first = await createAccount(amy.user, amy.password);
		const bob = { user: "bob@icloud.example", password: "bob-app-password" };
		await createAccount(bob.user, bob.password);
		expect((await dav("PROPFIND", first.calendarHomeUrl, { ...bob, depth: "0" })).status).toBe(404);
		expect((await dav("PROPFIND", first.principalUrl, { ...bob, depth: "0" })).status).toBe(403);
	});
});

describe("iCloud page (GET /caldav/)", () => {
	it("adds an account from the page and lists its URLs and Home events", async () => {
		const added = await fetch(`${sandbox.url}/caldav/_page/add`, { method: "POST", body: new URLSearchParams({ appleId: amy.user, appPassword: amy.password }), redirect: "manual" });
		expect(added.status).toBe(303);
		const home = await discoverHome();
		expect((await dav("PUT", `${home}home/p1.ics`, { ...amy, body: eventIcs("p1", "20260105T090000Z", "Pottery <class>"), headers: { "if-none-match": "*" } })).status).toBe(201);
		const page = await (await fetch(`${sandbox.url}${added.headers.get("location") ?? ""}`)).text();
		expect(page).toContain("Account added.");
		expect(page).toContain(amy.user);
		expect(page).toContain(home);
		expect(page).toContain("Pottery &lt;class&gt;");
		expect(page).toContain("20260105T090000Z");
		expect((await fetch(`${sandbox.url}/`)).status).toBe(200);
		expect(await (await fetch(`${sandbox.url}/`)).text()).toContain('href="/caldav/"');
	});
});

describe("iCloud without a CalDAV upstream", () => {
	it("answers 503 and says radicale is missing", async () => {
		const bare = await createSandbox({ port: 0 });
		try {
			const res = await dav("PROPFIND", `${bare.url}/icloud/`, { ...amy, depth: "0" });
			expect(res.status).toBe(503);
			expect(res.text).toContain("radicale");
			expect((await postJson(`${bare.url}/_control/icloud/accounts`, { appleId: amy.user, appPassword: amy.password })).status).toBe(503);
		} finally {
			await bare.close();
		}
	});
});

describe("iCloud faults (POST /_control/faults with provider icloud)", () => {
	afterAll(async () => {
		await fetch(`${sandbox.url}/_control/faults`, { method: "DELETE" });
	});

	it("throttles the partition with 503 + Retry-After on one method, then recovers", async () => {
		await createAccount(amy.user, amy.password);
		const home = await discoverHome();
		const fault = await postJson(`${sandbox.url}/_control/faults`, { provider: "icloud", endpoint: "report", status: 503, retryAfter: 30, count: 1 });
		expect(fault.status).toBe(201);
		// Other methods pass.
		expect((await dav("PROPFIND", home, { ...amy, depth: "1" })).status).toBe(207);
		const throttled = await dav("REPORT", `${home}home/`, { ...amy, depth: "0", body: SYNC_COLLECTION("") });
		expect(throttled.status).toBe(503);
		expect(throttled.headers.get("retry-after")).toBe("30");
		expect((await dav("REPORT", `${home}home/`, { ...amy, depth: "0", body: SYNC_COLLECTION("") })).status).toBe(207);
	});

	it("fails discovery with 429, and every endpoint with an error rate of 1", async () => {
		await createAccount(amy.user, amy.password);
		await postJson(`${sandbox.url}/_control/faults`, { provider: "icloud", endpoint: "discovery", status: 429, retryAfter: 5, count: 1 });
		const limited = await dav("PROPFIND", `${sandbox.url}/icloud/`, { ...amy, depth: "0" });
		expect(limited.status).toBe(429);
		expect(limited.headers.get("retry-after")).toBe("5");
		const home = await discoverHome();
		await postJson(`${sandbox.url}/_control/faults`, { provider: "icloud", endpoint: "*", status: 500, errorRate: 1, count: 2 });
		expect((await dav("PROPFIND", home, { ...amy, depth: "1" })).status).toBe(500);
		expect((await dav("PUT", `${home}home/x.ics`, { ...amy, body: eventIcs("x", "20260105T090000Z") })).status).toBe(500);
		expect((await dav("PROPFIND", home, { ...amy, depth: "1" })).status).toBe(207);
	});

	it("adds latency without failing", async () => {
		await createAccount(amy.user, amy.password);
		const home = await discoverHome();
		await postJson(`${sandbox.url}/_control/faults`, { provider: "icloud", endpoint: "propfind", latencyMs: 300 });
		const started = Date.now();
		expect((await dav("PROPFIND", home, { ...amy, depth: "1" })).status).toBe(207);
		expect(Date.now() - started).toBeGreaterThanOrEqual(290);
		await fetch(`${sandbox.url}/_control/faults`, { method: "DELETE" });
	});

	it("scopes a fault to one Apple ID and one calendar collection", async () => {
		const bob = { user: "bob@icloud.example", password: "qrst-uvwx-yzab-cdef" };
		await createAccount(amy.user, amy.password);
		await createAccount(bob.user, bob.password);
		const amyHome = await discoverHome();
		const bobHome = await discoverHome(bob);
		await postJson(`${sandbox.url}/_control/faults`, { provider: "icloud", endpoint: "report", status: 503, scope: { account: amy.user, calendarId: "home" } });
		expect((await dav("REPORT", `${bobHome}home/`, { ...bob, depth: "0", body: SYNC_COLLECTION("") })).status).toBe(207);
		expect((await dav("REPORT", `${amyHome}tasks/`, { ...amy, depth: "0", body: SYNC_COLLECTION("") })).status).not.toBe(503);
		expect((await dav("REPORT", `${amyHome}home/`, { ...amy, depth: "0", body: SYNC_COLLECTION("") })).status).toBe(503);
		await fetch(`${sandbox.url}/_control/faults?account=${encodeURIComponent(amy.user)}&calendarId=home`, { method: "DELETE" });
		expect((await dav("REPORT", `${amyHome}home/`, { ...amy, depth: "0", body: SYNC_COLLECTION("") })).status).toBe(207);
	});

	it("takes no OAuth flags", async () => {
		expect((await postJson(`${sandbox.url}/_control/faults`, { provider: "icloud", revokeRefreshTokens: true })).status).toBe(400);
	});
});
