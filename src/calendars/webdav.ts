// WebDAV/CalDAV XML: request bodies for PROPFIND and REPORT, and a reader for 207 multistatus answers.
// Workers have no DOMParser; fast-xml-parser is pure JavaScript with no Node built-ins, widely used
// and maintained, and handles namespaces prefixes, entities and CDATA that regexes would get wrong.
import { XMLParser } from "fast-xml-parser";

export const DAV_NAMESPACES = 'xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/"';

/** One `<response>`: its href (resolved to an absolute URL), status line and found properties. */
export interface DavResponse {
	href: string;
	/** The response-level status (removed members, 507 truncation), or null. */
	status: number | null;
	/** Properties of the 200 propstat, keyed by local name (namespace prefixes removed). */
	props: Record<string, unknown>;
}

export interface Multistatus {
	responses: DavResponse[];
	/** RFC 6578 sync-token at the end of a sync-collection answer. */
	syncToken: string | null;
}

const parser = new XMLParser({
	ignoreAttributes: false,
	attributeNamePrefix: "@",
	// CalDAV servers pick their own prefixes (D:, d:, none); local names are unambiguous for what we read.
	removeNSPrefix: true,
	parseTagValue: false,
	parseAttributeValue: false,
	trimValues: true,
	isArray: (name) => name === "response" || name === "propstat" || name === "comp" || name === "href",
});

export function escapeXml(text: string): string {
	return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function propfindBody(props: string): string {
	return `<?xml version="1.0" encoding="utf-8"?><D:propfind ${DAV_NAMESPACES}><D:prop>${props}</D:prop></D:propfind>`;
}

/** Reads a 207 body; hrefs are resolved against `baseUrl` (they may be paths or other hosts). */
export function parseMultistatus(xml: string, baseUrl: string): Multistatus {
	const document = parser.parse(xml) as { multistatus?: { response?: RawResponse[]; "sync-token"?: unknown } };
	const root = document.multistatus;
	if (root === undefined) throw new Error("not a DAV multistatus");
	const responses: DavResponse[] = [];
	for (const raw of root.response ?? []) {
		const href = textOf(raw.href?.[0]);
		if (href === null) continue;
		let props: Record<string, unknown> = {};
		for (const propstat of raw.propstat ?? []) {
			if (statusCode(propstat.status) === 200 && typeof propstat.prop === "object" && propstat.prop !== null) props = { ...props, ...propstat.prop };
		}
		responses.push({ href: new URL(href, baseUrl).toString(), status: statusCode(raw.status), props });
	}
	return { responses, syncToken: textOf(root["sync-token"]) };
}

/** The first href inside a property such as current-user-principal, resolved against `baseUrl`. */
export function hrefProperty(value: unknown, baseUrl: string): string | null {
	if (typeof value !== "object" || value === null) return null;
	const href = textOf((value as { href?: unknown[] }).href?.[0]);
	return href === null ? null : new URL(href, baseUrl).toString();
}

/** Text content of an element, whether the parser produced a string or an object with "#text". */
export function textOf(value: unknown): string | null {
	if (typeof value === "string") return value;
	if (typeof value === "number") return String(value);
	if (typeof value === "object" && value !== null && "#text" in value) return textOf((value as { "#text": unknown })["#text"]);
	return null;
}

function statusCode(value: unknown): number | null {
	const match = /^HTTP\/[\d.]+\s+(\d{3})/.exec(textOf(value) ?? "");
	return match === null ? null : Number(match[1]);
}

interface RawResponse {
	href?: unknown[];
	status?: unknown;
	propstat?: Array<{ status?: unknown; prop?: Record<string, unknown> }>;
}
