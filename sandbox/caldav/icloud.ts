// iCloud CalDAV stand-in: the main host under /icloud (GET / is 400, well-known redirect, principal discovery)
// and the partition host, a second origin (its own port) that proxies to Radicale, both behind Basic auth with an
// app-specific password and both subject to iCloud faults.
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import type { InjectedFault, RequestSubject } from "../faults";
import { SandboxHttpError } from "../http-error";
import type { SandboxState } from "../state";
import { CALDAV_NS, DAV_NS, hrefXml, multistatus, propKey, propResponse, requestedProps } from "./dav-xml";
import type { PropValues } from "./dav-xml";
import type { ICloudAccount } from "./icloud-accounts";
import { partitionHomePath, proxyToUpstream } from "./partition-proxy";
import type { CaldavUpstream } from "./upstream";

const DAV_HEADER = "1, 2, 3, access-control, calendar-access, calendar-schedule, calendarserver-principal-property-search, extended-mkcol";
const STATUS_TEXT: Record<number, string> = { 403: "Forbidden", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

export function principalPath(account: ICloudAccount): string {
	return `/icloud/${account.dsid}/principal/`;
}

/** Absolute calendar-home-set of an account: on the partition origin, never on the main host. */
export function calendarHomeUrl(state: SandboxState, account: ICloudAccount): string {
	return `${state.partitionUrl}${partitionHomePath(account)}`;
}

function requireUpstream(state: SandboxState): CaldavUpstream {
	if (state.caldav === undefined) throw new SandboxHttpError(503, { error: "the iCloud stand-in needs a CalDAV upstream (radicale); start the sandbox with caldavUpstream" });
	return state.caldav;
}

function authenticate(state: SandboxState, c: Context): ICloudAccount {
	const account = state.icloud.authenticate(c.req.header("authorization"));
	if (account === undefined) throw new SandboxHttpError(401, "Unauthorized", { "www-authenticate": 'Basic realm="iCloud"' });
	return account;
}

function options(): Response {
	return new Response(null, { status: 200, headers: { dav: DAV_HEADER, allow: "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCOL" } });
}

/** iCloud answers throttling and outages with a bare status line body, and Retry-After when it has one. */
function icloudFaultError(fault: InjectedFault): SandboxHttpError {
	const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
	if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
	return new SandboxHttpError(fault.status, STATUS_TEXT[fault.status] ?? "Error", headers);
}

/**
 * Fault endpoints of the iCloud layer: `discovery` on the main host (well-known, root, principal); on the
 * partition the DAV method in lower case (`propfind`, `report`, `get`, `put`, `delete`, …).
 */
function icloudFaults(state: SandboxState, endpoint: (c: Context) => string): MiddlewareHandler {
	return async function guard(c, next): Promise<void> {
		const fault = await state.faults.evaluate("icloud", endpoint(c), () => icloudSubject(c));
		if (fault !== null) throw icloudFaultError(fault);
		await next();
	};
}

/**
 * For scoped faults: the Apple ID the request signs in as (whether or not its password is right), and on the
 * partition the calendar collection it names (`/<dsid>/calendars/<calendar>/…`, e.g. `home`).
 */
function icloudSubject(c: Context): RequestSubject {
	const subject: RequestSubject = {};
	const encoded = /^Basic\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
	const decoded = encoded === undefined ? "" : Buffer.from(encoded, "base64").toString("utf8");
	const colon = decoded.indexOf(":");
	if (colon > 0) subject.account = decoded.slice(0, colon);
	const calendar = /^\/[^/]+\/calendars\/([^/]+)/.exec(new URL(c.req.url).pathname)?.[1];
	if (calendar !== undefined) subject.calendarId = decodeURIComponent(calendar);
	return subject;
}

/** The main host (caldav.icloud.com), mounted under /icloud on the sandbox's own origin. */
export function icloudRoutes(state: SandboxState): Hono {
	const app = new Hono({ strict: false });
	app.use("/icloud/*", icloudFaults(state, () => "discovery"));
	app.use("/icloud", icloudFaults(state, () => "discovery"));

	app.all("/icloud/.well-known/caldav", (c) => {
		requireUpstream(state);
		return c.redirect(`${state.publicUrl}/icloud/`, 301);
	});

	app.all("/icloud", async (c) => {
		requireUpstream(state);
		if (c.req.method === "OPTIONS") return options();
		// iCloud answers a plain GET of its root with 400.
		if (c.req.method !== "PROPFIND") return c.text("Bad Request", 400);
		const account = authenticate(state, c);
		const values: PropValues = new Map([
			[propKey(DAV_NS, "current-user-principal"), hrefXml(principalPath(account))],
			[propKey(DAV_NS, "resourcetype"), "<D:collection/>"],
		]);
		return multistatus([propResponse("/icloud/", values, requestedProps(await c.req.text()))]);
	});

	app.all("/icloud/:dsid/principal", async (c) => {
		requireUpstream(state);
		if (c.req.method === "OPTIONS") return options();
		const account = authenticate(state, c);
		if (account.dsid !== c.req.param("dsid")) throw new SandboxHttpError(403, "Forbidden");
		if (c.req.method !== "PROPFIND") return c.text("Method Not Allowed", 405);
		const values: PropValues = new Map([
			[propKey(DAV_NS, "current-user-principal"), hrefXml(principalPath(account))],
			[propKey(DAV_NS, "principal-URL"), hrefXml(principalPath(account))],
			[propKey(DAV_NS, "resourcetype"), "<D:collection/><D:principal/>"],
			[propKey(DAV_NS, "displayname"), account.appleId],
			// Absolute and on another origin (docs/providers.md C5): clients must follow it, never build it.
			[propKey(CALDAV_NS, "calendar-home-set"), hrefXml(calendarHomeUrl(state, account))],
			[propKey(CALDAV_NS, "calendar-user-address-set"), hrefXml(`mailto:${account.appleId}`)],
		]);
		return multistatus([propResponse(principalPath(account), values, requestedProps(await c.req.text()))]);
	});

	return app;
}

/**
 * The partition host (pNN-caldav.icloud.com): its own origin, serving `/<dsid>/calendars/…` from Radicale. A client
 * that resolves the calendar home against the main host instead finds nothing there.
 */
export function icloudPartitionRoutes(state: SandboxState): Hono {
	const app = new Hono({ strict: false });
	app.notFound((c) => c.text("Not Found", 404));
	app.use("*", icloudFaults(state, (c) => c.req.method.toLowerCase()));
	app.all("/:dsid/calendars/*", async (c) => {
		const upstream = requireUpstream(state);
		if (c.req.method === "OPTIONS") return options();
		const account = authenticate(state, c);
		const path = new URL(c.req.url).pathname;
		const home = partitionHomePath(account);
		if (path !== home.slice(0, -1) && !path.startsWith(home)) throw new SandboxHttpError(404, "Not Found");
		return proxyToUpstream({ request: c.req.raw, account, rest: path.slice(home.length), upstream, partitionUrl: state.partitionUrl });
	});
	return app;
}
