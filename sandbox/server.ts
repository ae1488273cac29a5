// Builds the sandbox app (Google, Microsoft, Facebook, Zoom, iCloud stand-ins, control API, mailbox) and serves it on Node.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { ZodError } from "zod";
import { caldavControlRoutes } from "./caldav/control-routes";
import { icloudPartitionRoutes, icloudRoutes } from "./caldav/icloud";
import { publishedFeedRoutes } from "./caldav/published-feeds";
import type { CaldavUpstream } from "./caldav/upstream";
import { controlRoutes, defaultPorts } from "./control";
import { facebookRoutes } from "./facebook";
import { googleCalendarRoutes } from "./google/calendar-api";
import { googleOAuthRoutes } from "./google/oauth";
import { renderSandboxError, SandboxHttpError } from "./http-error";
import { mailRoutes } from "./mailbox";
import { graphRoutes } from "./microsoft/graph";
import { microsoftIdentityRoutes } from "./microsoft/identity";
import { calendarPageRoutes } from "./pages/calendar-page";
import { escapeHtml, layout } from "./pages/html";
import { icloudPageRoutes } from "./pages/icloud-page";
import type { SandboxState } from "./state";
import { createState } from "./state";
import { zoomApiRoutes } from "./zoom/api";
import { zoomControlRoutes } from "./zoom/control-routes";
import { zoomOAuthRoutes } from "./zoom/oauth";

export interface SandboxOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	hostname?: string;
	/** Base URL clients use to reach the sandbox (issuer, resource URIs); defaults to the listening address. */
	publicUrl?: string;
	/** CalDAV server (a running Radicale from ./radicale.ts) behind the iCloud stand-in; without it /icloud answers 503. */
	caldavUpstream?: CaldavUpstream;
	/** Port of the iCloud partition host, a second origin; 0 (default) picks a free port. */
	partitionPort?: number;
	/** Base URL clients use to reach the partition host; defaults to its listening address. */
	partitionPublicUrl?: string;
	/** Runs on the fresh state before either port opens (main.ts restores saved state here), so no request sees it half-made. */
	prepare?: (state: SandboxState) => void | Promise<void>;
}

export interface Sandbox {
	url: string;
	/** Base URL of the iCloud partition host (calendar homes live there, not on `url`). */
	partitionUrl: string;
	state: SandboxState;
	/** Safe to call more than once (a Ctrl+C and the start script's SIGTERM both stop it): later calls share the first. */
	close(): Promise<void>;
}

function onError(error: Error): Response {
	if (error instanceof SandboxHttpError) return renderSandboxError(error);
	if (error instanceof ZodError) return Response.json({ error: "invalid request", issues: error.issues }, { status: 400 });
	console.error("sandbox: unhandled error", error);
	return Response.json({ error: "sandbox internal error" }, { status: 500 });
}

/** The iCloud partition host's app: served on its own port so its origin differs from the main host's. */
export function buildPartitionApp(state: SandboxState): Hono {
	const app = new Hono({ strict: false });
	app.onError(onError);
	app.route("/", icloudPartitionRoutes(state));
	return app;
}

export function buildApp(state: SandboxState): Hono {
	// Non-strict so the human pages answer at both /google and /google/.
	const app = new Hono({ strict: false });
	app.onError(onError);
	app.notFound((c) => c.json({ error: "not found in sandbox", path: c.req.path }, 404));
	app.get("/", (c) =>
		c.html(
			layout(
				"Slotline provider sandbox",
				`<h1>Slotline provider sandbox</h1><ul><li><a href="/google/">Google calendars</a></li>` +
					`<li><a href="/microsoft/">Microsoft calendars</a></li><li><a href="/caldav/">iCloud accounts</a></li><li><a href="/mail">Mailbox</a></li></ul>` +
					(state.caldav === undefined ? "<p>No CalDAV upstream: radicale is not running, so /icloud is off.</p>" : `<p>iCloud CalDAV stand-in: <code>/icloud/.well-known/caldav</code>; calendar homes on the partition host <code>${escapeHtml(state.partitionUrl)}</code>.</p>`),
			),
		),
	);
	app.route("/caldav", icloudPageRoutes(state));
	app.route("/google/calendar/v3", googleCalendarRoutes(state));
	app.route("/google", googleOAuthRoutes(state));
	app.route("/google", calendarPageRoutes("Google", "/google", () => defaultPorts(state, "google")));
	app.route("/microsoft/graph/v1.0", graphRoutes(state));
	app.route("/microsoft", microsoftIdentityRoutes(state));
	app.route("/microsoft", calendarPageRoutes("Microsoft", "/microsoft", () => defaultPorts(state, "microsoft")));
	app.route("/facebook", facebookRoutes(state));
	// zoom.us/oauth and api.zoom.us/v2 are two hosts in production; here both live under /zoom.
	app.route("/zoom/oauth", zoomOAuthRoutes(state));
	app.route("/zoom/v2", zoomApiRoutes(state));
	// Before controlRoutes, whose /:provider/... routes would otherwise claim /_control/icloud, /_control/caldav and
	// Zoom's own users and config.
	app.route("/_control", caldavControlRoutes(state));
	app.route("/_control", zoomControlRoutes(state));
	app.route("/_control", controlRoutes(state));
	app.route("/", icloudRoutes(state));
	app.route("/feeds", publishedFeedRoutes(state));
	app.route("/mail", mailRoutes(() => state.mailbox, state.clock.now, () => state.faults));
	return app;
}

type NodeServer = ReturnType<typeof serve>;

async function listen(fetch: Hono["fetch"], port: number, hostname: string): Promise<{ server: NodeServer; url: string }> {
	const server = await new Promise<NodeServer>((resolve) => {
		const s = serve({ fetch, port, hostname }, () => resolve(s));
	});
	const { port: bound } = server.address() as AddressInfo;
	return { server, url: `http://${hostname}:${bound}` };
}

function stop(server: NodeServer): Promise<void> {
	return new Promise((resolve, reject) => {
		server.close((error) => (error === undefined ? resolve() : reject(error)));
		if ("closeAllConnections" in server) server.closeAllConnections();
	});
}

export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
	const hostname = options.hostname ?? "127.0.0.1";
	const state = await createState(options.publicUrl ?? "", options.caldavUpstream, options.partitionPublicUrl ?? "");
	await options.prepare?.(state);
	const main = await listen(buildApp(state).fetch, options.port ?? 0, hostname);
	const partition = await listen(buildPartitionApp(state).fetch, options.partitionPort ?? 0, hostname);
	if (options.publicUrl === undefined) state.publicUrl = main.url;
	if (options.partitionPublicUrl === undefined) state.partitionUrl = partition.url;
	let closed: Promise<void> | undefined;
	return {
		url: main.url,
		partitionUrl: state.partitionUrl,
		state,
		close: (): Promise<void> => {
			// A second server.close() would fail with ERR_SERVER_NOT_RUNNING.
			closed ??= Promise.all([stop(main.server), stop(partition.server)]).then(() => undefined);
			return closed;
		},
	};
}
