// Calendars published as ICS feeds: served from Radicale with ETag and Last-Modified, 304 to a matching conditional
// GET, a scoped switch that serves a feed without validators, and scoped `ics` endpoint faults.
import { describe, expect, it } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { caldavSandboxPerFile, dav, eventIcs } from "./caldav-helpers";
import { postJson } from "./helpers";

let sandbox: Sandbox;
const amy = { user: "amy@icloud.example", password: "abcd-efgh-ijkl-mnop" };
caldavSandboxPerFile((started) => {
	sandbox = started;
});

/** An iCloud account with one event in Home, and Home published as a feed. */
async function publishedHome(): Promise<{ home: string; feed: { id: string; url: string } }> {
	const account = (await (await postJson(`${sandbox.url}/_control/icloud/accounts`, { appleId: amy.user, appPassword: amy.password })).json()) as { calendarHomeUrl: string };
	const home = `${account.calendarHomeUrl}home/`;
	expect((await dav("PUT", `${home}first.ics`, { ...amy, body: eventIcs("first", "20260105T090000Z") })).status).toBe(201);
	const published = await postJson(`${sandbox.url}/_control/feeds`, { appleId: amy.user });
	expect(published.status).toBe(201);
	return { home, feed: (await published.json()) as { id: string; url: string } };
}

async function control(body: unknown): Promise<void> {
	expect((await postJson(`${sandbox.url}/_control/faults`, body)).status).toBe(201);
}

describe("published ICS feeds", () => {
	it("serve the calendar with ETag and Last-Modified, answer 304 to either validator, and change with the calendar", async () => {
		const { home, feed } = await publishedHome();
		expect(feed.url).toBe(`${sandbox.url}/feeds/${feed.id}.ics`);
		const first = await fetch(feed.url);
		expect(first.status).toBe(200);
		expect(first.headers.get("content-type")).toMatch(/^text\/calendar/);
		const body = await first.text();
		expect(body).toMatch(/^BEGIN:VCALENDAR/);
		expect(body).toContain("UID:first");
		const etag = first.headers.get("etag") ?? "";
		const lastModified = first.headers.get("last-modified") ?? "";
		expect(etag).toMatch(/^"/);
		expect(Number.isNaN(Date.parse(lastModified))).toBe(false);
		// The same bytes again: a feed reader's content hash would agree.
		expect(await (await fetch(feed.url)).text()).toBe(body);

		const byTag = await fetch(feed.url, { headers: { "if-none-match": etag } });
		expect(byTag.status).toBe(304);
		expect(byTag.headers.get("etag")).toBe(etag);
		expect((await fetch(feed.url, { headers: { "if-modified-since": lastModified } })).status).toBe(304);
		// If-None-Match decides when both are sent (RFC 9110 §13.2.2).
		expect((await fetch(feed.url, { headers: { "if-none-match": '"other"', "if-modified-since": lastModified } })).status).toBe(200);

		expect((await dav("PUT", `${home}second.ics`, { ...amy, body: eventIcs("second", "20260106T090000Z") })).status).toBe(201);
		const changed = await fetch(feed.url, { headers: { "if-none-match": etag } });
		expect(changed.status).toBe(200);
		expect(changed.headers.get("etag")).not.toBe(etag);
		expect(await changed.text()).toContain("UID:second");
	});

	it("serve one feed without validators while the switch is on, leaving other feeds alone", async () => {
		const { feed } = await publishedHome();
		const other = (await (await postJson(`${sandbox.url}/_control/feeds`, { appleId: amy.user })).json()) as { url: string };
		const etag = (await fetch(feed.url)).headers.get("etag") ?? "";
		await control({ provider: "ics", noValidators: true, scope: { calendarId: feed.id } });
		const bare = await fetch(feed.url, { headers: { "if-none-match": etag } });
		expect(bare.status).toBe(200);
		expect(bare.headers.has("etag")).toBe(false);
		expect(bare.headers.has("last-modified")).toBe(false);
		expect(await bare.text()).toContain("UID:first");
		expect((await fetch(other.url)).headers.has("etag")).toBe(true);
		const listed = (await (await fetch(`${sandbox.url}/_control/faults`)).json()) as { switches: unknown[] };
		expect(listed.switches).toContainEqual({ provider: "ics", noValidators: true, scope: { calendarId: feed.id } });

		expect((await fetch(`${sandbox.url}/_control/faults?calendarId=${feed.id}`, { method: "DELETE" })).status).toBe(204);
		expect((await fetch(feed.url, { headers: { "if-none-match": etag } })).status).toBe(304);
		expect((await postJson(`${sandbox.url}/_control/faults`, { provider: "icloud", noValidators: true })).status).toBe(400);
	});

	it("fail with scoped ics faults (status and Retry-After), and answer 404 for unknown feeds and deleted calendars", async () => {
		const { home, feed } = await publishedHome();
		const other = (await (await postJson(`${sandbox.url}/_control/feeds`, { appleId: amy.user })).json()) as { url: string };
		await control({ provider: "ics", endpoint: "feed", status: 503, retryAfter: 7, count: 1, scope: { calendarId: feed.id } });
		expect((await fetch(other.url)).status).toBe(200);
		const failed = await fetch(feed.url);
		expect(failed.status).toBe(503);
		expect(failed.headers.get("retry-after")).toBe("7");
		expect(await failed.text()).toBe("Service Unavailable");
		expect((await fetch(feed.url)).status).toBe(200);

		expect((await fetch(`${sandbox.url}/feeds/${"0".repeat(24)}.ics`)).status).toBe(404);
		expect((await dav("DELETE", home, amy)).status).toBeLessThan(300);
		expect((await fetch(feed.url)).status).toBe(404);
	});

	it("publish a plain CalDAV user's calendar too", async () => {
		await postJson(`${sandbox.url}/_control/caldav/users`, { username: "bo", password: "pw-bo-123" });
		const { url } = (await (await postJson(`${sandbox.url}/_control/caldav/calendars`, { username: "bo", password: "pw-bo-123", slug: "work", displayName: "Work" })).json()) as { url: string };
		expect((await dav("PUT", `${url.replace(/\/?$/, "/")}a.ics`, { user: "bo", password: "pw-bo-123", body: eventIcs("bo-a", "20260105T090000Z") })).status).toBe(201);
		const feed = (await (await postJson(`${sandbox.url}/_control/feeds`, { username: "bo", password: "pw-bo-123", calendar: "work" })).json()) as { url: string };
		const answer = await fetch(feed.url);
		expect(answer.status).toBe(200);
		expect(await answer.text()).toContain("UID:bo-a");
		expect((await postJson(`${sandbox.url}/_control/feeds`, { appleId: "nobody@icloud.example" })).status).toBe(404);
	});
});
