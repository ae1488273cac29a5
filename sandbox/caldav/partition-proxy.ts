// Forwards CalDAV requests on an iCloud "partition host" path to the account's Radicale collections, rewriting hrefs both ways.
import { basicAuthorization } from "./mkcalendar";
import type { ICloudAccount } from "./icloud-accounts";
import type { CaldavUpstream } from "./upstream";

/** Request headers that carry CalDAV semantics; everything else (auth, host, cookies) stays behind. */
const FORWARDED_REQUEST_HEADERS = ["content-type", "depth", "if-match", "if-none-match", "if-modified-since", "prefer", "brief", "accept"];
const FORWARDED_RESPONSE_HEADERS = ["content-type", "etag", "last-modified", "dav", "allow", "retry-after"];

/** Path of an account's calendar home on the partition origin, e.g. /1234567890/calendars/ (as on pNN-caldav.icloud.com). */
export function partitionHomePath(account: ICloudAccount): string {
	return `/${account.dsid}/calendars/`;
}

function isXml(contentType: string | null): boolean {
	return contentType !== null && /xml/i.test(contentType);
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Client hrefs (absolute or path-only, on the partition) → Radicale paths. */
function rewriteRequestHrefs(body: string, account: ICloudAccount, partitionUrl: string): string {
	const home = partitionHomePath(account);
	const pattern = new RegExp(`(?:${escapeRegExp(partitionUrl)})?${escapeRegExp(home)}`, "g");
	return body.replace(pattern, `/${account.upstreamUser}/`);
}

/** A Radicale href (/<user>/…, or absolute on the upstream) → the same resource on the partition path. */
function toPartition(href: string, account: ICloudAccount, upstreamUrl: string): string {
	const path = href.startsWith(upstreamUrl) ? href.slice(upstreamUrl.length) : href;
	const userPrefix = `/${account.upstreamUser}/`;
	return path.startsWith(userPrefix) ? `${partitionHomePath(account)}${path.slice(userPrefix.length)}` : href;
}

/** Rewrites every href element so clients only ever see the partition. */
function rewriteResponseHrefs(body: string, account: ICloudAccount, upstreamUrl: string): string {
	return body.replace(/(<(?:[\w.-]+:)?href>)\s*([^<]*?)\s*(<\/(?:[\w.-]+:)?href>)/g, (_, open: string, href: string, close: string) => `${open}${toPartition(href, account, upstreamUrl)}${close}`);
}

export interface ProxyInput {
	request: Request;
	account: ICloudAccount;
	/** Path below the partition home, e.g. "home/abc.ics" (still percent-encoded). */
	rest: string;
	upstream: CaldavUpstream;
	/** Base URL of the partition origin, which absolute client hrefs name. */
	partitionUrl: string;
}

export async function proxyToUpstream(input: ProxyInput): Promise<Response> {
	const { request, account, upstream } = input;
	const target = new URL(`${upstream.url}/${encodeURIComponent(account.upstreamUser)}/${input.rest}`);
	target.search = new URL(request.url).search;
	const headers = new Headers({ authorization: basicAuthorization(account.upstreamUser, account.upstreamPassword) });
	for (const name of FORWARDED_REQUEST_HEADERS) {
		const value = request.headers.get(name);
		if (value !== null) headers.set(name, value);
	}
	let body: string | undefined;
	if (request.method !== "GET" && request.method !== "HEAD") {
		const text = await request.text();
		if (text !== "") body = isXml(request.headers.get("content-type")) || text.trimStart().startsWith("<") ? rewriteRequestHrefs(text, account, input.partitionUrl) : text;
	}
	const upstreamResponse = await fetch(target, { method: request.method, headers, body, redirect: "manual" });
	if (upstreamResponse.status === 401) {
		// Our own credentials failed: a sandbox fault, not the client's.
		await upstreamResponse.arrayBuffer();
		return Response.json({ error: "CalDAV upstream refused the sandbox's credentials" }, { status: 502 });
	}
	const responseHeaders = new Headers();
	for (const name of FORWARDED_RESPONSE_HEADERS) {
		const value = upstreamResponse.headers.get(name);
		if (value !== null) responseHeaders.set(name, value);
	}
	const location = upstreamResponse.headers.get("location");
	if (location !== null) responseHeaders.set("location", toPartition(location, account, upstream.url));
	const nullBody = request.method === "HEAD" || upstreamResponse.status === 204 || upstreamResponse.status === 304;
	if (nullBody) {
		await upstreamResponse.arrayBuffer();
		return new Response(null, { status: upstreamResponse.status, headers: responseHeaders });
	}
	const text = await upstreamResponse.text();
	const out = isXml(upstreamResponse.headers.get("content-type")) ? rewriteResponseHrefs(text, account, upstream.url) : text;
	return new Response(out, { status: upstreamResponse.status, headers: responseHeaders });
}
