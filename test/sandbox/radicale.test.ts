import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Radicale } from "../../sandbox/radicale";
import { startRadicale } from "../../sandbox/radicale";
import { dav, eventIcs, MULTIGET, PROPFIND, responses, SYNC_COLLECTION, tagValues } from "./caldav-helpers";

let radicale: Radicale;
const ann = { user: "ann", password: "ann-pass-1" };

beforeAll(async () => {
	radicale = await startRadicale();
	await radicale.addUser(ann.user, ann.password);
});
afterAll(async () => {
	await radicale.close();
});

describe("Radicale", () => {
	it("creates a calendar with extended MKCOL and reports it as a VEVENT calendar", async () => {
		const url = await radicale.createCalendar(ann.user, ann.password, "work", "Work & more");
		expect(url).toBe(`${radicale.url}/ann/work/`);
		const found = await dav("PROPFIND", `${radicale.url}/ann/`, {
			...ann,
			depth: "1",
			body: PROPFIND("<D:resourcetype/><D:displayname/><C:supported-calendar-component-set/><CS:getctag/><D:sync-token/>"),
		});
		expect(found.status).toBe(207);
		const work = responses(found.text).find((r) => r.href === "/ann/work/");
		expect(work?.xml).toContain("calendar");
		expect(tagValues(work?.xml ?? "", "displayname")).toEqual(["Work &amp; more"]);
		expect(work?.xml).toMatch(/<C:comp name="VEVENT"/);
		expect(tagValues(work?.xml ?? "", "sync-token")[0]).toMatch(/^http:\/\/radicale\.org\/ns\/sync\/[0-9a-f]{64}$/);
	});

	it("answers 401 to a wrong password and accepts users added while running", async () => {
		expect((await dav("PROPFIND", `${radicale.url}/ann/`, { user: "ann", password: "nope", depth: "0" })).status).toBe(401);
		await radicale.addUser("bob", "bob-pass");
		expect((await dav("PROPFIND", `${radicale.url}/bob/`, { user: "bob", password: "bob-pass", depth: "0" })).status).toBe(207);
		// Still only its own collections (owner_only rights).
		expect((await dav("PROPFIND", `${radicale.url}/ann/`, { user: "bob", password: "bob-pass", depth: "0" })).status).toBe(403);
	});

	it("PUT with If-None-Match: * creates once (201, then 412); a stale If-Match is 412", async () => {
		const cal = await radicale.createCalendar(ann.user, ann.password, "puts", "Puts");
		const item = `${cal}a1.ics`;
		const created = await dav("PUT", item, { ...ann, body: eventIcs("a1", "20260105T090000Z"), headers: { "if-none-match": "*" } });
		expect(created.status).toBe(201);
		const etag = created.headers.get("etag");
		expect(etag).toMatch(/^"/);
		const again = await dav("PUT", item, { ...ann, body: eventIcs("a1", "20260105T090000Z"), headers: { "if-none-match": "*" } });
		expect(again.status).toBe(412);

		const updated = await dav("PUT", item, { ...ann, body: eventIcs("a1", "20260105T100000Z", "Moved"), headers: { "if-match": etag ?? "" } });
		expect([200, 201, 204]).toContain(updated.status);
		expect(updated.headers.get("etag")).not.toBe(etag);
		const stale = await dav("PUT", item, { ...ann, body: eventIcs("a1", "20260105T110000Z"), headers: { "if-match": etag ?? "" } });
		expect(stale.status).toBe(412);
		expect((await dav("DELETE", item, { ...ann, headers: { "if-match": etag ?? "" } })).status).toBe(412);
		const current = await dav("GET", item, ann);
		expect(current.text).toContain("SUMMARY:Moved");
	});

	it("sync-collection returns changes since a token, and refuses a bad or forgotten token with 403 valid-sync-token", async () => {
		const cal = await radicale.createCalendar(ann.user, ann.password, "sync", "Sync");
		await dav("PUT", `${cal}s1.ics`, { ...ann, body: eventIcs("s1", "20260106T090000Z"), headers: { "if-none-match": "*" } });
		const first = await dav("REPORT", cal, { ...ann, depth: "0", body: SYNC_COLLECTION("") });
		expect(first.status).toBe(207);
		expect(responses(first.text).map((r) => r.href)).toEqual(["/ann/sync/s1.ics"]);
		const token = tagValues(first.text, "sync-token").at(-1) ?? "";
		expect(token).toMatch(/^http:\/\/radicale\.org\/ns\/sync\//);

		await dav("PUT", `${cal}s2.ics`, { ...ann, body: eventIcs("s2", "20260106T100000Z"), headers: { "if-none-match": "*" } });
		await dav("DELETE", `${cal}s1.ics`, ann);
		const second = await dav("REPORT", cal, { ...ann, depth: "0", body: SYNC_COLLECTION(token) });
		expect(second.status).toBe(207);
		const changes = responses(second.text);
		expect(changes.map((r) => r.href).sort()).toEqual(["/ann/sync/s1.ics", "/ann/sync/s2.ics"]);
		expect(changes.find((r) => r.href.endsWith("s1.ics"))?.xml).toContain("404");
		const next = tagValues(second.text, "sync-token").at(-1) ?? "";

		const bad = await dav("REPORT", cal, { ...ann, depth: "0", body: SYNC_COLLECTION(`http://radicale.org/ns/sync/${"0".repeat(64)}`) });
		expect(bad.status).toBe(403);
		expect(bad.text).toContain("valid-sync-token");

		await radicale.forgetSyncTokens();
		// Radicale only looks a token up when the collection changed since; an unchanged one still matches.
		await dav("PUT", `${cal}s3.ics`, { ...ann, body: eventIcs("s3", "20260106T110000Z"), headers: { "if-none-match": "*" } });
		const forgotten = await dav("REPORT", cal, { ...ann, depth: "0", body: SYNC_COLLECTION(next) });
		expect(forgotten.status).toBe(403);
		expect(forgotten.text).toContain("valid-sync-token");
	});

	it("calendar-multiget returns each requested item, 404 for a missing one", async () => {
		const cal = await radicale.createCalendar(ann.user, ann.password, "multi", "Multi");
		await dav("PUT", `${cal}m1.ics`, { ...ann, body: eventIcs("m1", "20260107T090000Z", "First") });
		await dav("PUT", `${cal}m2.ics`, { ...ann, body: eventIcs("m2", "20260107T100000Z", "Second") });
		const result = await dav("REPORT", cal, { ...ann, depth: "1", body: MULTIGET(["/ann/multi/m1.ics", "/ann/multi/m2.ics", "/ann/multi/gone.ics"]) });
		expect(result.status).toBe(207);
		const byHref = new Map(responses(result.text).map((r) => [r.href, r.xml]));
		expect(byHref.get("/ann/multi/m1.ics")).toContain("SUMMARY:First");
		expect(byHref.get("/ann/multi/m2.ics")).toContain("SUMMARY:Second");
		expect(tagValues(byHref.get("/ann/multi/m1.ics") ?? "", "getetag")[0]).toMatch(/^&quot;|^"/);
		expect(byHref.get("/ann/multi/gone.ics")).toContain("404");
	});
});
