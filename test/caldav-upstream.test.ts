// From inside workerd: the Radicale provided as caldavUrl and the sandbox's iCloud layer answer the CalDAV
// requests a Worker can send (extended MKCOL, PUT with preconditions, REPORT, PROPFIND).
import { describe, expect, inject, it } from "vitest";
import { controlRequest, sandboxUrl } from "./support/sandbox-control";

const caldavUrl = inject("caldavUrl");

function basic(user: string, password: string): string {
	return `Basic ${btoa(`${user}:${password}`)}`;
}

const ICS = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Slotline//test//EN", "BEGIN:VEVENT", "UID:w1", "DTSTAMP:20260101T000000Z", "DTSTART:20260105T090000Z", "DTEND:20260105T100000Z", "SUMMARY:Busy", "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");

describe("CalDAV servers of the test run", () => {
	it("lets a Worker create a calendar with extended MKCOL on Radicale and write to it once", async () => {
		const user = `w${crypto.randomUUID().slice(0, 8)}`;
		const auth = basic(user, "worker-pass");
		expect((await controlRequest(sandboxUrl, "/caldav/users", { username: user, password: "worker-pass" })).status).toBe(201);
		const calendar = `${caldavUrl}/${user}/work/`;
		const mkcol = await fetch(calendar, {
			method: "MKCOL",
			headers: { authorization: auth, "content-type": "application/xml" },
			body:
				'<?xml version="1.0"?><D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>' +
				"<D:resourcetype><D:collection/><C:calendar/></D:resourcetype><D:displayname>Work</D:displayname></D:prop></D:set></D:mkcol>",
		});
		expect(mkcol.status).toBe(201);
		const put = (): Promise<Response> => fetch(`${calendar}w1.ics`, { method: "PUT", headers: { authorization: auth, "content-type": "text/calendar", "if-none-match": "*" }, body: ICS });
		expect((await put()).status).toBe(201);
		expect((await put()).status).toBe(412);
		const sync = await fetch(calendar, {
			method: "REPORT",
			headers: { authorization: auth, depth: "0", "content-type": "application/xml" },
			body: '<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>',
		});
		expect(sync.status).toBe(207);
		expect(await sync.text()).toContain(`/${user}/work/w1.ics`);
	});

	it("reaches the iCloud stand-in's partition through the calendar-home-set", async () => {
		const appleId = `${crypto.randomUUID().slice(0, 8)}@icloud.example`;
		const created = await controlRequest(sandboxUrl, "/icloud/accounts", { appleId, appPassword: "app-specific" });
		expect(created.status).toBe(201);
		const principal = await fetch(`${sandboxUrl}/icloud/`, {
			method: "PROPFIND",
			headers: { authorization: basic(appleId, "app-specific"), depth: "0", "content-type": "application/xml" },
			body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>',
		});
		expect(principal.status).toBe(207);
		const href = /<D:current-user-principal><D:href>([^<]+)<\/D:href>/.exec(await principal.text())?.[1];
		const home = await fetch(new URL(href ?? "/missing", sandboxUrl), {
			method: "PROPFIND",
			headers: { authorization: basic(appleId, "app-specific"), depth: "0", "content-type": "application/xml" },
			body: '<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-home-set/></D:prop></D:propfind>',
		});
		const homeUrl = /<C:calendar-home-set><D:href>([^<]+)<\/D:href>/.exec(await home.text())?.[1] ?? "";
		// The partition host is a second origin (docs/providers.md C5): /<dsid>/calendars/ there, not on the main host.
		expect(homeUrl).toMatch(/^http:\/\/[^/]+\/\d+\/calendars\/$/);
		expect(new URL(homeUrl).origin).not.toBe(new URL(sandboxUrl).origin);
		const listing = await fetch(homeUrl, { method: "PROPFIND", headers: { authorization: basic(appleId, "app-specific"), depth: "1" } });
		expect(listing.status).toBe(207);
		expect(await listing.text()).toContain(`${new URL(homeUrl).pathname}home/`);
	});
});
