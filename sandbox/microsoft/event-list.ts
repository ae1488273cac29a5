// GET /me/events and /me/calendars/{id}/events: series masters and single events (never occurrences),
// with $top/$skip paging, $select, and the one $filter clients use to find their own events again:
// singleValueExtendedProperties/Any(ep: ep/id eq '<property id>' and ep/value eq '<value>').
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import type { SandboxUser } from "../oauth/users";
import type { SandboxState } from "../state";
import { graphError } from "./errors";
import { presentEvent } from "./events";
import type { GraphEvent, OutlookCalendar } from "./store";

type GraphEnv = { Variables: { user: SandboxUser } };

/** An OData string literal: single quotes, a quote inside written twice. */
const LITERAL = "'((?:[^']|'')*)'";
const EXTENDED_PROPERTY_FILTER = new RegExp(
	`^singleValueExtendedProperties/any\\(\\s*(\\w+)\\s*:\\s*\\1/id\\s+eq\\s+${LITERAL}\\s+and\\s+\\1/value\\s+eq\\s+${LITERAL}\\s*\\)$`,
	"i",
);

type EventFilter = (event: GraphEvent) => boolean;

function parseFilter(filter: string | undefined): EventFilter {
	if (filter === undefined) return () => true;
	const match = EXTENDED_PROPERTY_FILTER.exec(filter.trim());
	if (match === null) throw graphError(400, "ErrorInvalidUrlQueryFilter", "The sandbox supports only singleValueExtendedProperties/Any(ep: ep/id eq '…' and ep/value eq '…').");
	const id = (match[2] ?? "").replaceAll("''", "'").toLowerCase();
	const value = (match[3] ?? "").replaceAll("''", "'");
	return (event) => {
		const properties = event.singleValueExtendedProperties as Array<{ id?: string; value?: string }> | undefined;
		// Property ids compare without case (the GUID and name), values exactly.
		return (properties ?? []).some((p) => p.id?.toLowerCase() === id && p.value === value);
	};
}

function select(event: GraphEvent, fields: string | undefined): Record<string, unknown> {
	if (fields === undefined) return event;
	const wanted = new Set(["id", "@odata.etag", ...fields.split(",").map((f) => f.trim())]);
	return Object.fromEntries(Object.entries(event).filter(([key]) => wanted.has(key)));
}

/** Mounted inside the Graph app, behind its Bearer check (which sets `user`). */
export function eventListRoutes(state: SandboxState, guard: (endpoint: string) => MiddlewareHandler): Hono<GraphEnv> {
	const app = new Hono<GraphEnv>();
	function calendarOf(c: Context<GraphEnv>): OutlookCalendar {
		const email = c.get("user").email;
		const id = c.req.param("calendarId");
		const calendar = id === undefined ? state.microsoft.store.defaultCalendar(email) : state.microsoft.store.calendar(id);
		if (calendar === undefined || calendar.owner !== email) throw graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
		return calendar;
	}

	function list(c: Context<GraphEnv>): Response {
		const calendar = calendarOf(c);
		const query = new URL(c.req.url).searchParams;
		const matches = parseFilter(query.get("$filter") ?? undefined);
		const top = Math.min(Number(query.get("$top") ?? 10), 1000);
		const skip = Number(query.get("$skip") ?? 0);
		if (!Number.isInteger(top) || top < 1 || !Number.isInteger(skip) || skip < 0) throw graphError(400, "ErrorInvalidParameter", "Invalid $top or $skip.");
		const zone = /outlook\.timezone\s*=\s*"?([^",;]+)"?/i.exec(c.req.header("prefer") ?? "")?.[1];
		const found = state.microsoft.store
			.stored(calendar.id)
			.filter((s) => !s.deleted && (s.event.type === "singleInstance" || s.event.type === "seriesMaster") && matches(s.event))
			.sort((a, b) => a.order - b.order);
		const page = found.slice(skip, skip + top).map((s) => select(presentEvent(s, zone), query.get("$select") ?? undefined));
		const body: Record<string, unknown> = { value: page };
		if (skip + top < found.length) {
			const next = new URL(`${state.publicUrl}${c.req.path}`);
			for (const [key, value] of query) if (key !== "$skip") next.searchParams.set(key, value);
			next.searchParams.set("$skip", String(skip + top));
			body["@odata.nextLink"] = next.toString();
		}
		return c.json(body);
	}

	app.get("/me/events", guard("events.list"), list);
	app.get("/me/calendars/:calendarId/events", guard("events.list"), list);
	return app;
}
