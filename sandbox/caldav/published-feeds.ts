// Calendars published as ICS feeds (Google's secret address, iCloud's public calendar): the feed URL serves a
// Radicale collection as one iCalendar file with its ETag and Last-Modified, and a matching conditional GET gets 304.
import { randomBytes } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { Hono } from "hono";
import type { InjectedFault, RequestSubject } from "../faults";
import { SandboxHttpError } from "../http-error";
import type { SandboxState } from "../state";
import { basicAuthorization } from "./mkcalendar";

export interface PublishedFeed {
	/** The secret part of the feed URL; scoped faults name it as `calendarId`. */
	id: string;
	/** Who published it (the Apple ID or CalDAV user name), for scoped faults. */
	account: string;
	/** The Radicale user and collection served, and the password to read it with. */
	upstreamUser: string;
	upstreamPassword: string;
	calendar: string;
}

export class PublishedFeeds {
	private byId = new Map<string, PublishedFeed>();

	publish(source: Omit<PublishedFeed, "id">): PublishedFeed {
		const feed = { id: randomBytes(12).toString("hex"), ...source };
		this.byId.set(feed.id, feed);
		return feed;
	}

	get(id: string): PublishedFeed | undefined {
		return this.byId.get(id);
	}
}

export function feedUrl(state: SandboxState, feed: PublishedFeed): string {
	return `${state.publicUrl}/feeds/${feed.id}.ics`;
}

/** Feed servers answer outages with a bare status line, and Retry-After when they have one. */
function feedFaultError(fault: InjectedFault): SandboxHttpError {
	const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
	if (fault.retryAfter !== undefined) headers["retry-after"] = String(fault.retryAfter);
	return new SandboxHttpError(fault.status, STATUS_CODES[fault.status] ?? "Error", headers);
}

/** RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison); only without it does If-Modified-Since. */
function notModified(request: Headers, etag: string | null, lastModified: string | null): boolean {
	const ifNoneMatch = request.get("if-none-match");
	if (ifNoneMatch !== null) {
		if (etag === null) return false;
		const opaque = (tag: string): string => tag.trim().replace(/^W\//, "");
		return ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((tag) => opaque(tag) === opaque(etag));
	}
	const since = Date.parse(request.get("if-modified-since") ?? "");
	const modified = Date.parse(lastModified ?? "");
	return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

/** GET /feeds/<id>.ics on the main host; fault endpoint `feed` of provider `ics`. */
export function publishedFeedRoutes(state: SandboxState): Hono {
	const app = new Hono();
	app.get("/:file{[0-9a-f]+\\.ics}", async (c) => {
		const id = c.req.param("file").slice(0, -".ics".length);
		const feed = state.feeds.get(id);
		const subject: RequestSubject = { calendarId: id, ...(feed === undefined ? {} : { account: feed.account }) };
		const fault = await state.faults.evaluate("ics", "feed", () => subject);
		if (fault !== null) throw feedFaultError(fault);
		if (feed === undefined || state.caldav === undefined) return c.text("Not Found", 404);
		const collection = `${state.caldav.url}/${encodeURIComponent(feed.upstreamUser)}/${encodeURIComponent(feed.calendar)}/`;
		const upstream = await fetch(collection, { headers: { authorization: basicAuthorization(feed.upstreamUser, feed.upstreamPassword) } });
		const body = await upstream.text();
		// A deleted calendar takes its feed with it.
		if (upstream.status === 404) return c.text("Not Found", 404);
		if (!upstream.ok) return c.json({ error: `CalDAV upstream answered ${upstream.status}` }, 502);
		const validators: Record<string, string> = {};
		if (state.faults.sendsValidators(subject)) {
			const etag = upstream.headers.get("etag");
			const lastModified = upstream.headers.get("last-modified");
			if (etag !== null) validators.etag = etag;
			if (lastModified !== null) validators["last-modified"] = lastModified;
			if (notModified(c.req.raw.headers, etag, lastModified)) return new Response(null, { status: 304, headers: validators });
		}
		return new Response(body, { headers: { "content-type": "text/calendar; charset=utf-8", ...validators } });
	});
	return app;
}
