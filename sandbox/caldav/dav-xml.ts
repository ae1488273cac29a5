// Just enough WebDAV XML for synthesised PROPFIND answers: read the requested properties, write a multistatus.

export const DAV_NS = "DAV:";
export const CALDAV_NS = "urn:ietf:params:xml:ns:caldav";
export const CALSERVER_NS = "http://calendarserver.org/ns/";

const PREFIXES: Record<string, string> = { [DAV_NS]: "D", [CALDAV_NS]: "C", [CALSERVER_NS]: "CS" };

export interface PropName {
	ns: string;
	name: string;
}

/** Property values as inner XML, keyed by `${ns}|${name}`. */
export type PropValues = Map<string, string>;

export function propKey(ns: string, name: string): string {
	return `${ns}|${name}`;
}

/** The properties a PROPFIND body asks for; "all" for an empty body, allprop or propname. */
export function requestedProps(body: string): PropName[] | "all" {
	if (body.trim() === "" || /<(?:[\w.-]+:)?(?:allprop|propname)\b/.test(body)) return "all";
	const namespaces = new Map<string, string>();
	for (const m of body.matchAll(/xmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']/g)) namespaces.set(m[1] ?? "", m[2] ?? "");
	const prop = /<(?:[\w.-]+:)?prop(?:\s[^>]*)?>([\s\S]*?)<\/(?:[\w.-]+:)?prop>/.exec(body)?.[1] ?? "";
	const names: PropName[] = [];
	for (const m of prop.matchAll(/<(?:([\w.-]+):)?([\w.-]+)[^>]*>/g)) {
		// A namespace declared on the element itself wins over the document's.
		const local = /xmlns\s*=\s*["']([^"']*)["']/.exec(m[0])?.[1];
		const ns = m[1] === undefined ? (local ?? namespaces.get("") ?? "") : (namespaces.get(m[1]) ?? "");
		names.push({ ns, name: m[2] ?? "" });
	}
	return names;
}

function element(ns: string, name: string, inner: string, index: number): string {
	const prefix = PREFIXES[ns];
	if (prefix !== undefined) return inner === "" ? `<${prefix}:${name}/>` : `<${prefix}:${name}>${inner}</${prefix}:${name}>`;
	return inner === "" ? `<x${index}:${name} xmlns:x${index}="${ns}"/>` : `<x${index}:${name} xmlns:x${index}="${ns}">${inner}</x${index}:${name}>`;
}

export function escapeXml(text: string): string {
	return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** One <response> for `href`: known properties in a 200 propstat, unknown ones in a 404 propstat. */
export function propResponse(href: string, values: PropValues, asked: PropName[] | "all"): string {
	const wanted: PropName[] =
		asked === "all"
			? [...values.keys()].map((key) => {
					const [ns = "", name = ""] = key.split("|");
					return { ns, name };
				})
			: asked;
	const found: string[] = [];
	const missing: string[] = [];
	wanted.forEach(({ ns, name }, index) => {
		const value = values.get(propKey(ns, name));
		if (value === undefined) missing.push(element(ns, name, "", index));
		else found.push(element(ns, name, value, index));
	});
	const propstat = (props: string[], status: string): string =>
		props.length === 0 ? "" : `<D:propstat><D:prop>${props.join("")}</D:prop><D:status>HTTP/1.1 ${status}</D:status></D:propstat>`;
	return `<D:response><D:href>${escapeXml(href)}</D:href>${propstat(found, "200 OK")}${propstat(missing, "404 Not Found")}</D:response>`;
}

export function multistatus(responses: string[]): Response {
	const body =
		`<?xml version="1.0" encoding="utf-8"?>` +
		`<D:multistatus xmlns:D="${DAV_NS}" xmlns:C="${CALDAV_NS}" xmlns:CS="${CALSERVER_NS}">${responses.join("")}</D:multistatus>`;
	return new Response(body, { status: 207, headers: { "content-type": "application/xml; charset=utf-8" } });
}

export function hrefXml(href: string): string {
	return `<D:href>${escapeXml(href)}</D:href>`;
}
