// iCloud CalDAV stand-in: main host under /icloud (GET / is 400, well-known redirect, principal discovery) and
// partition hosts under /icloud-pNN that proxy to Radicale, all behind Basic auth with an app-specific password.
import { Hono } from "hono";
import type { Context } from "hono";
import { SandboxHttpError } from "../http-error";
import type { SandboxState } from "../state";
import { CALDAV_NS, DAV_NS, hrefXml, multistatus, propKey, propResponse, requestedProps } from "./dav-xml";
import type { PropValues } from "./dav-xml";
import type { ICloudAccount } from "./icloud-accounts";
import { partitionHomePath, proxyToUpstream } from "./partition-proxy";
import type { CaldavUpstream } from "./upstream";

const DAV_HEADER = "1, 2, 3, access-control, calendar-access, calendar-schedule, calendarserver-principal-property-search, extended-mkcol";

export function principalPath(account: ICloudAccount): string {
	return `/icloud/${account.dsid}/principal/`;
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

export function icloudRoutes(state: SandboxState): Hono {
	const app = new Hono({ strict: false });

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
		const home = `${state.publicUrl}${partitionHomePath(account)}`;
		const values: PropValues = new Map([
			[propKey(DAV_NS, "current-user-principal"), hrefXml(principalPath(account))],
			[propKey(DAV_NS, "principal-URL"), hrefXml(principalPath(account))],
			[propKey(DAV_NS, "resourcetype"), "<D:collection/><D:principal/>"],
			[propKey(DAV_NS, "displayname"), account.appleId],
			// Absolute and on another "host": clients must follow it, never build it.
			[propKey(CALDAV_NS, "calendar-home-set"), hrefXml(home)],
			[propKey(CALDAV_NS, "calendar-user-address-set"), hrefXml(`mailto:${account.appleId}`)],
		]);
		return multistatus([propResponse(principalPath(account), values, requestedProps(await c.req.text()))]);
	});

	app.all("/:host{icloud-p[0-9]+}/*", async (c) => {
		const upstream = requireUpstream(state);
		if (c.req.method === "OPTIONS") return options();
		const account = authenticate(state, c);
		const path = new URL(c.req.url).pathname;
		const home = partitionHomePath(account);
		const homeWithoutSlash = home.slice(0, -1);
		if (path !== homeWithoutSlash && !path.startsWith(home)) throw new SandboxHttpError(404, "Not Found");
		return proxyToUpstream({ request: c.req.raw, account, rest: path.slice(home.length), upstream, publicUrl: state.publicUrl });
	});

	return app;
}
