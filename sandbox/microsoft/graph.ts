// Microsoft Graph v1.0 stand-in: /me, calendars, events (series too), instances, calendarView(/delta) and subscriptions behind Bearer auth.
import { Hono } from "hono";
import type { Context } from "hono";
import { faultGuard } from "../faults";
import type { RequestSubject } from "../faults";
import type { AccessRecord } from "../oauth/authorization-server";
import type { SandboxUser } from "../oauth/users";
import type { SandboxState } from "../state";
import type { ViewContext } from "./delta";
import { calendarView, calendarViewDelta } from "./delta";
import { graphError, graphFaultError } from "./errors";
import { eventListRoutes } from "./event-list";
import type { MeetingOrganizer } from "./events";
import { createGraphEvent, deleteGraphEvent, patchGraphEvent, presentEvent } from "./events";
import { masterCategoryRoutes } from "./master-categories";
import { expandedEntries, findVirtualOccurrence, isSeriesMaster, overlaps } from "./series";
import { providersFor } from "./state";
import type { OutlookCalendar, StoredGraphEvent } from "./store";
import type { Subscription } from "./subscriptions";
import { subscriptionJson } from "./subscriptions";

type GraphEnv = { Variables: { access: AccessRecord; user: SandboxUser } };

function preferValue(c: Context, name: string): string | undefined {
	const prefer = c.req.header("prefer") ?? "";
	const match = new RegExp(`${name}\\s*=\\s*"?([^",;]+)"?`, "i").exec(prefer);
	return match?.[1]?.trim();
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
	const body: unknown = await c.req.json().catch(() => null);
	if (typeof body !== "object" || body === null || Array.isArray(body)) throw graphError(400, "BadRequest", "Unable to read JSON request payload.");
	return body as Record<string, unknown>;
}

export function graphRoutes(state: SandboxState): Hono<GraphEnv> {
	const app = new Hono<GraphEnv>();
	const guard = (endpoint: string): ReturnType<typeof faultGuard> => faultGuard(() => state.faults, "microsoft", endpoint, graphFaultError, subjectOf);

	/**
	 * The token's account and client, and the calendar the request reaches: the one in the path, the one holding the
	 * event or subscription it names, the one a new subscription watches, else the user's default calendar.
	 */
	async function subjectOf(c: Context<GraphEnv>): Promise<RequestSubject> {
		const email = c.get("user").email;
		const subject: RequestSubject = { account: email, clientId: c.get("access").clientId };
		const calendarId = c.req.param("calendarId");
		const eventId = c.req.param("eventId");
		const subscriptionId = c.req.param("id");
		if (calendarId !== undefined) subject.calendarId = calendarId;
		else if (eventId !== undefined) subject.calendarId = (state.microsoft.store.get(eventId) ?? findVirtualOccurrence(state.microsoft.store, eventId))?.calendarId;
		else if (subscriptionId !== undefined) subject.calendarId = state.microsoft.subscriptions.find(subscriptionId)?.calendarId;
		else if (c.req.path.endsWith("/subscriptions")) {
			const body: unknown = await c.req.json().catch(() => null);
			const resource = typeof body === "object" && body !== null ? String((body as { resource?: unknown }).resource ?? "") : "";
			subject.calendarId = /calendars\/([^/]+)\/events$/i.exec(resource)?.[1] ?? state.microsoft.store.defaultCalendar(email)?.id;
		} else if (/\/me\/(?:calendar(?:\/|$)|events|calendarView)/.test(c.req.path)) subject.calendarId = state.microsoft.store.defaultCalendar(email)?.id;
		if (subject.calendarId === undefined) delete subject.calendarId;
		return subject;
	}

	app.use("*", async (c, next) => {
		const token = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
		const access = state.microsoft.auth.verifyAccessToken(token);
		const user = access === null ? undefined : state.microsoft.users.get(access.userEmail);
		if (access === null || user === undefined) throw graphError(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.");
		c.set("access", access);
		c.set("user", user);
		await next();
	});

	function ownCalendar(c: Context<GraphEnv>): OutlookCalendar {
		const email = c.get("user").email;
		const id = c.req.param("calendarId");
		const calendar = id === undefined ? state.microsoft.store.defaultCalendar(email) : state.microsoft.store.calendar(id);
		if (calendar === undefined || calendar.owner !== email) throw graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
		return calendar;
	}
	/** A stored event, or a generated occurrence of a series (which has no record until edited or cancelled). */
	function ownEvent(c: Context<GraphEnv>): StoredGraphEvent {
		const id = c.req.param("eventId") ?? "";
		const stored = state.microsoft.store.get(id) ?? findVirtualOccurrence(state.microsoft.store, id);
		const calendar = stored === undefined ? undefined : state.microsoft.store.calendar(stored.calendarId);
		if (stored === undefined || stored.deleted || calendar?.owner !== c.get("user").email) {
			throw graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
		}
		return stored;
	}
	function zone(c: Context): string | undefined {
		return preferValue(c, "outlook.timezone");
	}
	function viewContext(c: Context<GraphEnv>): ViewContext {
		const size = preferValue(c, "odata.maxpagesize");
		const calendar = ownCalendar(c);
		return {
			store: state.microsoft.store,
			calendar,
			endpointUrl: `${state.publicUrl}${c.req.path}`,
			preferZone: zone(c),
			maxPageSize: size === undefined ? undefined : Number(size),
			takeSyncGone: () => state.faults.takeSyncGone("microsoft", { account: c.get("user").email, clientId: c.get("access").clientId, calendarId: calendar.id }),
			// A global expireDeltaTokens and one scoped to this calendar both change the sum.
			deltaEpoch: state.microsoft.deltaEpoch + calendar.deltaEpoch,
		};
	}
	function calendarJson(calendar: OutlookCalendar, user: SandboxUser): Record<string, unknown> {
		return {
			id: calendar.id,
			name: calendar.name,
			isDefaultCalendar: calendar.isDefault,
			canEdit: true,
			canShare: true,
			owner: { name: user.name, address: user.email },
			...providersFor(state.microsoft, user.email),
		};
	}
	function organizer(c: Context<GraphEnv>): MeetingOrganizer {
		const user = c.get("user");
		return { providers: providersFor(state.microsoft, user.email), organizerId: user.sub };
	}

	app.get("/me", guard("me"), (c) => {
		const user = c.get("user");
		return c.json({ id: user.sub, displayName: user.name, givenName: user.givenName, surname: user.familyName, mail: user.email, userPrincipalName: user.email });
	});
	app.get("/me/calendars", guard("calendars.list"), (c) => {
		const user = c.get("user");
		return c.json({ value: state.microsoft.store.allCalendars().filter((cal) => cal.owner === user.email).map((cal) => calendarJson(cal, user)) });
	});
	app.get("/me/calendar", guard("calendars.get"), (c) => c.json(calendarJson(ownCalendar(c), c.get("user"))));
	app.get("/me/calendars/:calendarId", guard("calendars.get"), (c) => c.json(calendarJson(ownCalendar(c), c.get("user"))));
	app.route("/", masterCategoryRoutes(state, guard));
	app.route("/", eventListRoutes(state, guard));

	async function create(c: Context<GraphEnv>): Promise<Response> {
		const { stored } = createGraphEvent(state.microsoft.store, ownCalendar(c), await jsonBody(c), state.clock.now(), {}, organizer(c));
		return c.json(presentEvent(stored, zone(c)), 201);
	}
	for (const path of ["/me/events", "/me/calendar/events", "/me/calendars/:calendarId/events"]) app.post(path, guard("events.create"), create);

	app.get("/me/events/:eventId", guard("events.get"), (c) => c.json(presentEvent(ownEvent(c), zone(c))));
	app.patch("/me/events/:eventId", guard("events.update"), async (c) => {
		const stored = patchGraphEvent(state.microsoft.store, ownEvent(c), await jsonBody(c), state.clock.now(), organizer(c));
		return c.json(presentEvent(stored, zone(c)));
	});
	app.delete("/me/events/:eventId", guard("events.delete"), (c) => {
		deleteGraphEvent(state.microsoft.store, ownEvent(c), state.clock.now());
		return c.body(null, 204);
	});

	app.get("/me/events/:eventId/instances", guard("events.instances"), (c) => {
		const master = ownEvent(c);
		if (!isSeriesMaster(master)) throw graphError(400, "ErrorInvalidRequest", "The instances of a non-recurring event or an occurrence cannot be listed; use the series master id.");
		const query = new URL(c.req.url).searchParams;
		const window = { startMs: Date.parse(query.get("startDateTime") ?? ""), endMs: Date.parse(query.get("endDateTime") ?? "") };
		if (Number.isNaN(window.startMs) || Number.isNaN(window.endMs)) {
			throw graphError(400, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
		}
		const instances = expandedEntries(state.microsoft.store, master.calendarId, window)
			.map((e) => e.stored)
			.filter((s) => !s.deleted && s.event.seriesMasterId === master.event.id && overlaps(s, window))
			.sort((a, b) => a.startMs - b.startMs);
		return c.json({ value: instances.map((s) => presentEvent(s, zone(c))) });
	});

	for (const prefix of ["/me", "/me/calendars/:calendarId"]) {
		app.get(`${prefix}/calendarView/delta`, guard("calendarView.delta"), (c) => {
			const result = calendarViewDelta(viewContext(c), new URL(c.req.url).searchParams);
			return c.json(result.body);
		});
		app.get(`${prefix}/calendarView`, guard("calendarView"), (c) => c.json(calendarView(viewContext(c), new URL(c.req.url).searchParams).body));
	}

	app.post("/subscriptions", guard("subscriptions.create"), async (c) => {
		const body = await jsonBody(c);
		const resource = String(body.resource ?? "").replace(/^\//, "");
		const match = /^me\/(?:calendar\/events|events|calendars\/([^/]+)\/events)$/i.exec(resource);
		if (match === null) throw graphError(400, "InvalidRequest", `Resource '${resource}' is not supported by the sandbox; use me/events.`);
		const user = c.get("user");
		const calendar = match[1] === undefined ? state.microsoft.store.defaultCalendar(user.email) : state.microsoft.store.calendar(match[1]);
		if (calendar === undefined || calendar.owner !== user.email) throw graphError(404, "ResourceNotFound", "Calendar not found.");
		const subscription = await state.microsoft.subscriptions.create(body, calendar, user.sub, c.get("access").clientId);
		return c.json(subscriptionJson(subscription), 201);
	});
	/** A subscription of this app and signed-in user; anyone else's is not found (delegated access). */
	function ownSubscription(c: Context<GraphEnv>): Subscription {
		const subscription = state.microsoft.subscriptions.find(c.req.param("id") ?? "");
		if (subscription === undefined || subscription.ownerEmail !== c.get("user").email || subscription.applicationId !== c.get("access").clientId) {
			throw graphError(404, "ResourceNotFound", `The object was not found: ${c.req.param("id") ?? ""}`);
		}
		return subscription;
	}
	app.get("/subscriptions/:id", guard("subscriptions.get"), (c) => c.json(subscriptionJson(ownSubscription(c))));
	app.patch("/subscriptions/:id", guard("subscriptions.update"), async (c) => {
		const subscription = ownSubscription(c);
		return c.json(subscriptionJson(await state.microsoft.subscriptions.update(subscription, await jsonBody(c))));
	});
	app.post("/subscriptions/:id/reauthorize", guard("subscriptions.reauthorize"), (c) => {
		state.microsoft.subscriptions.reauthorize(ownSubscription(c));
		return c.body(null, 200);
	});
	app.delete("/subscriptions/:id", guard("subscriptions.delete"), (c) => {
		state.microsoft.subscriptions.delete(ownSubscription(c).id);
		return c.body(null, 204);
	});
	return app;
}
