// The events in an iCloud stand-in account's Home calendar as Radicale holds them, read with the upstream
// credentials only the sandbox knows: for the human page and the control API (tests).
import { basicAuthorization } from "./mkcalendar";
import type { ICloudAccount } from "./icloud-accounts";
import type { CaldavUpstream } from "./upstream";

const CALENDAR_QUERY =
	`<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
	`<D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter></C:calendar-query>`;

export interface HomeEvent {
	summary: string;
	start: string;
	rule: string;
}

function unescapeXml(text: string): string {
	return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"').replaceAll("&amp;", "&");
}

/** SUMMARY, DTSTART and RRULE of each resource's first VEVENT: enough to recognise an event on the page. */
export async function homeEvents(upstream: CaldavUpstream, account: ICloudAccount): Promise<HomeEvent[]> {
	const res = await fetch(`${upstream.url}/${account.upstreamUser}/home/`, {
		method: "REPORT",
		headers: { authorization: basicAuthorization(account.upstreamUser, account.upstreamPassword), depth: "1", "content-type": "application/xml; charset=utf-8" },
		body: CALENDAR_QUERY,
	});
	const xml = await res.text();
	return [...xml.matchAll(/<(?:\w+:)?calendar-data[^>]*>([\s\S]*?)<\/(?:\w+:)?calendar-data>/g)].map((m) => {
		const ics = unescapeXml(m[1] ?? "").replace(/\r?\n[ \t]/g, "");
		const event = ics.slice(ics.indexOf("BEGIN:VEVENT"));
		const field = (name: string): string => new RegExp(`^${name}[;:](.*)$`, "m").exec(event)?.[1]?.trim() ?? "";
		return { summary: field("SUMMARY"), start: field("DTSTART"), rule: field("RRULE") };
	});
}
