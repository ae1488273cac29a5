// CalDAV helpers for sandbox tests: a sandbox with its own Radicale, WebDAV methods with Basic auth, small iCalendar
// bodies, href/tag reading.
import { afterAll, beforeAll, beforeEach } from "vitest";
import { basicAuthorization } from "../../sandbox/caldav/mkcalendar";
import type { Radicale } from "../../sandbox/radicale";
import { startRadicale } from "../../sandbox/radicale";
import type { Sandbox } from "../../sandbox/server";
import { createSandbox } from "../../sandbox/server";

/** A Radicale and a sandbox in front of it, of this test file's own: reset before each test, closed after them. */
export function caldavSandboxPerFile(use: (sandbox: Sandbox) => void): void {
	let radicale: Radicale | undefined;
	let sandbox: Sandbox | undefined;
	beforeAll(async () => {
		radicale = await startRadicale();
		sandbox = await createSandbox({ port: 0, caldavUpstream: radicale });
		use(sandbox);
	});
	afterAll(async () => {
		await sandbox?.close();
		await radicale?.close();
	});
	beforeEach(async () => {
		await fetch(`${sandbox?.url}/_control/reset`, { method: "POST" });
	});
}

export interface DavRequest {
	user: string;
	password: string;
	depth?: "0" | "1" | "infinity";
	body?: string;
	headers?: Record<string, string>;
}

export async function dav(method: string, url: string, input: DavRequest): Promise<{ status: number; headers: Headers; text: string }> {
	const headers: Record<string, string> = { authorization: basicAuthorization(input.user, input.password), ...input.headers };
	if (input.depth !== undefined) headers.depth = input.depth;
	if (input.body !== undefined && headers["content-type"] === undefined) {
		headers["content-type"] = input.body.startsWith("BEGIN:VCALENDAR") ? "text/calendar; charset=utf-8" : "application/xml; charset=utf-8";
	}
	const response = await fetch(url, { method, headers, body: input.body, redirect: "manual" });
	return { status: response.status, headers: response.headers, text: await response.text() };
}

/** One VEVENT in UTC, enough for round trips. */
export function eventIcs(uid: string, start: string, summary = "Busy"): string {
	const stamp = "20260101T000000Z";
	const end = `${start.slice(0, 9)}${String(Number(start.slice(9, 11)) + 1).padStart(2, "0")}${start.slice(11)}`;
	return [
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//Slotline//sandbox test//EN",
		"BEGIN:VEVENT",
		`UID:${uid}`,
		`DTSTAMP:${stamp}`,
		`DTSTART:${start}`,
		`DTEND:${end}`,
		`SUMMARY:${summary}`,
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	].join("\r\n");
}

/** Text of every element with this local name (any prefix). */
export function tagValues(xml: string, localName: string): string[] {
	const pattern = new RegExp(`<(?:[\\w-]+:)?${localName}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:[\\w-]+:)?${localName}>`, "g");
	return [...xml.matchAll(pattern)].map((m) => (m[1] ?? "").trim());
}

/** Each <response> of a multistatus, with its href and raw XML. */
export function responses(xml: string): { href: string; xml: string }[] {
	return tagValues(xml, "response").map((inner) => ({ href: tagValues(inner, "href")[0] ?? "", xml: inner }));
}

export const SYNC_COLLECTION = (token: string): string =>
	`<?xml version="1.0" encoding="utf-8"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>${token}</D:sync-token>` +
	`<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`;

export const MULTIGET = (hrefs: string[]): string =>
	`<?xml version="1.0" encoding="utf-8"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">` +
	`<D:prop><D:getetag/><C:calendar-data/></D:prop>${hrefs.map((h) => `<D:href>${h}</D:href>`).join("")}</C:calendar-multiget>`;

export const PROPFIND = (props: string): string =>
	`<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">` +
	`<D:prop>${props}</D:prop></D:propfind>`;
