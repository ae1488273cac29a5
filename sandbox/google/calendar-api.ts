// Google Calendar API v3 routes: calendarList, events, watch/stop, colors and freeBusy behind Bearer auth.
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { faultGuard } from "../faults";
import type { RequestSubject } from "../faults";
import type { AccessRecord } from "../oauth/authorization-server";
import type { SandboxState } from "../state";
import { listCalendarList, listEntryJson } from "./calendar-list";
import { colorsResource } from "./colors";
import { allowedConferenceTypes, conferenceVersion, settleCalendarConferences, settleConference } from "./conference";
import { googleError, googleFaultError } from "./errors";
import type { EventContext } from "./events";
import { deleteEvent, findEvent, insertEvent, patchEvent, presentEvent, updateEvent } from "./events";
import type { ResourceKind } from "./fields";
import { applyFields, selectionFor } from "./fields";
import { queryFreeBusy } from "./freebusy";
import { listEvents } from "./list";
import type { AccessRole, GoogleCalendar } from "./store";
import { isValidTimeZone } from "./time";

type ApiEnv = { Variables: { access: AccessRecord } };

const SCOPE_PREFIX = "https://www.googleapis.com/auth/";

/**
 * Which scopes allow what (docs/providers.md A6, A7). `any` works on every calendar the person can reach; `owned` only on
 * calendars they own. `calendar.app.created` covers calendars the app created, and the sandbox has no
 * calendars.insert, so it reaches none.
 */
const SCOPES = {
	calendarList: { any: ["calendar", "calendar.readonly", "calendar.calendarlist", "calendar.calendarlist.readonly"], owned: [] },
	calendars: { any: ["calendar", "calendar.readonly", "calendar.calendars", "calendar.calendars.readonly"], owned: [] },
	readEvents: { any: ["calendar", "calendar.readonly", "calendar.events", "calendar.events.readonly"], owned: ["calendar.events.owned", "calendar.events.owned.readonly"] },
	writeEvents: { any: ["calendar", "calendar.events"], owned: ["calendar.events.owned"] },
	freeBusy: { any: ["calendar", "calendar.readonly", "calendar.events.freebusy"], owned: ["calendar.freebusy"] },
} satisfies Record<string, { any: string[]; owned: string[] }>;
type Permission = keyof typeof SCOPES;

function scopesOf(access: AccessRecord): string[] {
	return access.scope.filter((s) => s.startsWith(SCOPE_PREFIX)).map((s) => s.slice(SCOPE_PREFIX.length));
}

/** "any", "owned" (only on the person's own calendars) or null, for what this token may do. */
function reach(access: AccessRecord, permission: Permission): "any" | "owned" | null {
	const scopes = scopesOf(access);
	const rule: { any: string[]; owned: string[] } = SCOPES[permission];
	if (scopes.some((s) => rule.any.includes(s))) return "any";
	if (scopes.some((s) => rule.owned.includes(s))) return "owned";
	return null;
}

function insufficientScopes(): never {
	throw googleError(403, "insufficientPermissions", "Request had insufficient authentication scopes.");
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
	const body: unknown = await c.req.json().catch(() => null);
	if (typeof body !== "object" || body === null || Array.isArray(body)) throw googleError(400, "parseError", "Parse Error");
	return body as Record<string, unknown>;
}

export function googleCalendarRoutes(state: SandboxState): Hono<ApiEnv> {
	const app = new Hono<ApiEnv>();
	const guard = (endpoint: string): ReturnType<typeof faultGuard> => faultGuard(() => state.faults, "google", endpoint, googleFaultError, subjectOf);

	/** The token's account and client, and the calendar the path names (or, for channels.stop, the channel's). */
	async function subjectOf(c: Context<ApiEnv>): Promise<RequestSubject> {
		const access = c.get("access");
		const subject: RequestSubject = { account: access.userEmail, clientId: access.clientId };
		const named = c.req.param("calendarId");
		if (named !== undefined) subject.calendarId = state.google.store.resolveCalendarId(named, access.userEmail);
		else if (c.req.path.endsWith("/channels/stop")) {
			const body: unknown = await c.req.json().catch(() => null);
			const id = typeof body === "object" && body !== null ? (body as { id?: unknown }).id : undefined;
			const channel = typeof id === "string" ? state.google.channels.get(id) : undefined;
			if (channel !== undefined) subject.calendarId = channel.calendarId;
		}
		return subject;
	}

	app.use("*", async (c, next) => {
		const token = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
		const access = state.google.auth.verifyAccessToken(token);
		if (access === null) {
			throw googleError(401, "authError", "Invalid Credentials", { location: "Authorization", locationType: "header" }, { "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' });
		}
		if (scopesOf(access).filter((s) => s.startsWith("calendar")).length === 0) insufficientScopes();
		c.set("access", access);
		await next();
	});

	/**
	 * Resolves the calendar and the caller's role for an events call; no access looks like a missing calendar, as on
	 * Google. A scope that covers only owned calendars makes anyone else's calendar "insufficient scopes".
	 */
	function calendarFor(c: Context<ApiEnv>, permission: "readEvents" | "writeEvents" | "calendars"): { calendar: GoogleCalendar; role: AccessRole; ctx: EventContext } {
		const access = c.get("access");
		const allowed = reach(access, permission);
		if (allowed === null) insufficientScopes();
		const id = state.google.store.resolveCalendarId(c.req.param("calendarId") ?? "", access.userEmail);
		const calendar = state.google.store.calendar(id);
		const role = calendar === undefined ? null : state.google.store.accessRole(calendar, access.userEmail);
		if (calendar === undefined || role === null || role === "freeBusyReader") throw googleError(404, "notFound", "Not Found");
		if (allowed === "owned" && role !== "owner") insufficientScopes();
		if (permission === "writeEvents" && role !== "owner" && role !== "writer") throw googleError(403, "requiredAccessLevel", "You need to have writer access to this calendar.");
		return { calendar, role, ctx: { store: state.google.store, calendar, actorEmail: access.userEmail, nowMs: state.clock.now() } };
	}

	/** An events write: its calendar, plus the conferenceDataVersion it was sent with (a query parameter, 1.1). */
	function writeContext(c: Context<ApiEnv>): { ctx: EventContext } {
		const { ctx } = calendarFor(c, "writeEvents");
		return { ctx: { ...ctx, conferenceDataVersion: conferenceVersion(c.req.query("conferenceDataVersion")) } };
	}

	/**
	 * `fields=` (partial response): the selection is checked against the resource before the call runs, so a bad one
	 * changes nothing, and applied to a successful answer.
	 */
	function partial(kind: ResourceKind | null): MiddlewareHandler<ApiEnv> {
		return async function fields(c, next): Promise<void> {
			const selection = selectionFor(c.req.query("fields"), kind);
			await next();
			if (selection === null || c.res.status >= 300 || !(c.res.headers.get("content-type") ?? "").includes("json")) return;
			const body: unknown = await c.res.json();
			const headers = new Headers(c.res.headers);
			headers.delete("content-length");
			c.res = new Response(JSON.stringify(applyFields(body, selection)), { status: c.res.status, headers });
		};
	}

	/** The zone timed values are printed in: the request's `timeZone`, else the calendar's. */
	function responseZone(c: Context<ApiEnv>, calendar: GoogleCalendar): string {
		const requested = c.req.query("timeZone");
		if (requested !== undefined && !isValidTimeZone(requested)) throw googleError(400, "invalid", "Invalid time zone.", { location: "timeZone", locationType: "parameter" });
		return requested ?? calendar.timeZone;
	}

	function requireScope(c: Context<ApiEnv>, permission: Permission): void {
		if (reach(c.get("access"), permission) === null) insufficientScopes();
	}

	app.get("/users/me/calendarList", guard("calendarList.list"), partial("calendarList"), (c) => {
		requireScope(c, "calendarList");
		return c.json(listCalendarList(state.google.store, c.get("access").userEmail, new URL(c.req.url).searchParams));
	});

	app.get("/users/me/calendarList/:calendarId", guard("calendarList.get"), partial("calendarListEntry"), (c) => {
		requireScope(c, "calendarList");
		const email = c.get("access").userEmail;
		const id = state.google.store.resolveCalendarId(c.req.param("calendarId"), email);
		const calendar = state.google.store.calendar(id);
		const role = calendar === undefined ? null : state.google.store.accessRole(calendar, email);
		const entry = state.google.store.listEntries(email).find((e) => e.calendarId === id);
		if (calendar === undefined || role === null || entry === undefined || entry.deleted) throw googleError(404, "notFound", "Not Found");
		return c.json(listEntryJson(calendar, role, email, entry));
	});

	app.get("/calendars/:calendarId", guard("calendars.get"), partial(null), (c) => {
		const { calendar } = calendarFor(c, "calendars");
		return c.json({
			kind: "calendar#calendar",
			etag: `"${calendar.id.length}"`,
			id: calendar.id,
			summary: calendar.summary,
			description: calendar.description,
			timeZone: calendar.timeZone,
			conferenceProperties: { allowedConferenceSolutionTypes: allowedConferenceTypes(calendar) },
		});
	});

	app.get("/calendars/:calendarId/events", guard("events.list"), partial("events"), (c) => {
		const { calendar, role, ctx: eventContext } = calendarFor(c, "readEvents");
		settleCalendarConferences(eventContext);
		const params = new URL(c.req.url).searchParams;
		const access = c.get("access");
		const subject = { account: access.userEmail, clientId: access.clientId, calendarId: calendar.id };
		const ctx = {
			store: state.google.store,
			calendar,
			accessRole: role,
			nowMs: state.clock.now(),
			takeSyncGone: () => state.faults.takeSyncGone("google", subject),
			updatedMinMaxAgeMs: state.google.settings.updatedMinMaxAgeDays * 86_400_000,
			rounds: state.google.rounds,
		};
		return c.json(listEvents(ctx, params));
	});

	app.post("/calendars/:calendarId/events/watch", guard("events.watch"), partial(null), async (c) => {
		const { calendar } = calendarFor(c, "readEvents");
		const body = await jsonBody(c);
		const resourceUri = `${state.publicUrl}/google/calendar/v3/calendars/${encodeURIComponent(calendar.id)}/events?alt=json`;
		const channel = state.google.channels.watch(body, calendar.id, c.get("access").userEmail, c.get("access").clientId, resourceUri);
		const response: Record<string, unknown> = { kind: "api#channel", id: channel.id, resourceId: channel.resourceId, resourceUri: channel.resourceUri };
		if (channel.token !== undefined) response.token = channel.token;
		if (channel.expiration !== null) response.expiration = String(channel.expiration);
		return c.json(response);
	});

	app.post("/calendars/:calendarId/events", guard("events.insert"), partial("event"), async (c) => {
		const { ctx } = writeContext(c);
		return c.json(presentEvent(insertEvent(ctx, await jsonBody(c)), ctx.calendar.timeZone, ctx.calendar.timeZone));
	});

	app.get("/calendars/:calendarId/events/:eventId/instances", guard("events.instances"), partial("events"), (c) => {
		const { calendar, role, ctx } = calendarFor(c, "readEvents");
		const master = findEvent(ctx, c.req.param("eventId"));
		if (master === undefined || master.recurrence === undefined) throw googleError(404, "notFound", "Not Found");
		// events.instances takes only these list parameters (docs/providers.md A1 [G1]); it always expands.
		const query = new URL(c.req.url).searchParams;
		const params = new URLSearchParams({ singleEvents: "true" });
		for (const name of ["maxResults", "pageToken", "showDeleted", "timeMin", "timeMax", "originalStart", "timeZone"]) {
			const value = query.get(name);
			if (value !== null) params.set(name, value);
		}
		const page = listEvents({ store: state.google.store, calendar, accessRole: role, nowMs: state.clock.now(), takeSyncGone: () => false, seriesId: master.id, rounds: state.google.rounds }, params);
		// An instances listing is not a sync: it never hands out a sync token.
		delete page.nextSyncToken;
		return c.json(page);
	});

	app.get("/calendars/:calendarId/events/:eventId", guard("events.get"), partial("event"), (c) => {
		const { ctx } = calendarFor(c, "readEvents");
		const event = findEvent(ctx, c.req.param("eventId"));
		if (event === undefined) throw googleError(404, "notFound", "Not Found");
		return c.json(presentEvent(settleConference(ctx, event), ctx.calendar.timeZone, responseZone(c, ctx.calendar)));
	});

	app.patch("/calendars/:calendarId/events/:eventId", guard("events.patch"), partial("event"), async (c) => {
		const { ctx } = writeContext(c);
		const zone = ctx.calendar.timeZone;
		return c.json(presentEvent(patchEvent(ctx, c.req.param("eventId"), await jsonBody(c), c.req.header("if-match")), zone, zone));
	});

	app.put("/calendars/:calendarId/events/:eventId", guard("events.update"), partial("event"), async (c) => {
		const { ctx } = writeContext(c);
		const zone = ctx.calendar.timeZone;
		return c.json(presentEvent(updateEvent(ctx, c.req.param("eventId"), await jsonBody(c), c.req.header("if-match")), zone, zone));
	});

	app.delete("/calendars/:calendarId/events/:eventId", guard("events.delete"), (c) => {
		const { ctx } = calendarFor(c, "writeEvents");
		deleteEvent(ctx, c.req.param("eventId"), c.req.header("if-match"));
		return c.body(null, 204);
	});

	app.post("/channels/stop", guard("channels.stop"), async (c) => {
		const body = await jsonBody(c);
		state.google.channels.stop(body.id, body.resourceId);
		return c.body(null, 204);
	});

	app.get("/colors", guard("colors.get"), partial(null), (c) => c.json(colorsResource()));

	app.post("/freeBusy", guard("freebusy.query"), partial(null), async (c) => {
		const email = c.get("access").userEmail;
		const allowed = reach(c.get("access"), "freeBusy");
		if (allowed === null) insufficientScopes();
		// calendar.freebusy covers only the person's own calendars; the others look like unknown ones (A7).
		const canRead = (requested: string): string | null => {
			const id = state.google.store.resolveCalendarId(requested, email);
			const calendar = state.google.store.calendar(id);
			const role = calendar === undefined ? null : state.google.store.accessRole(calendar, email);
			if (role === null || (allowed === "owned" && role !== "owner")) return null;
			return id;
		};
		return c.json(queryFreeBusy(state.google.store, await jsonBody(c), canRead, state.clock.now()));
	});
	return app;
}
