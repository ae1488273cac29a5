// Control API for CalDAV: iCloud accounts (Apple ID + app-specific password), plain Radicale users and calendars, and
// calendars of either published as ICS feeds.
import { Hono } from "hono";
import { z } from "zod";
import { SandboxHttpError } from "../http-error";
import type { SandboxState } from "../state";
import { homeEvents } from "./home-events";
import { calendarHomeUrl, principalPath } from "./icloud";
import { CalendarCreateError } from "./mkcalendar";
import type { ICloudAccount } from "./icloud-accounts";
import { feedUrl } from "./published-feeds";
import type { CaldavUpstream } from "./upstream";

const accountBody = z.object({ appleId: z.string().includes("@"), appPassword: z.string().min(1) });
const userBody = z.object({ username: z.string().regex(/^[A-Za-z0-9._@+-]+$/), password: z.string().min(1).regex(/^[^\r\n]+$/) });
const slug = z.string().regex(/^[A-Za-z0-9._-]+$/);
const calendarBody = userBody.extend({
	slug,
	displayName: z.string().min(1),
	components: z.array(z.enum(["VEVENT", "VTODO", "VJOURNAL"])).min(1).optional(),
});

const feedBody = z.union([
	z.object({ appleId: z.string().includes("@"), calendar: slug.default("home") }).strict(),
	userBody.extend({ calendar: slug }).strict(),
]);

async function parse<T extends z.ZodType>(schema: T, request: Request): Promise<z.infer<T>> {
	const result = schema.safeParse(await request.json().catch(() => null));
	if (!result.success) throw new SandboxHttpError(400, { error: "invalid control request", issues: result.error.issues });
	return result.data;
}

function upstreamOf(state: SandboxState): CaldavUpstream {
	if (state.caldav === undefined) throw new SandboxHttpError(503, { error: "no CalDAV upstream: the sandbox was started without radicale" });
	return state.caldav;
}

function accountJson(state: SandboxState, account: ICloudAccount): Record<string, unknown> {
	return {
		appleId: account.appleId,
		dsid: account.dsid,
		partition: account.partition,
		wellKnownUrl: `${state.publicUrl}/icloud/.well-known/caldav`,
		principalUrl: `${state.publicUrl}${principalPath(account)}`,
		calendarHomeUrl: calendarHomeUrl(state, account),
	};
}

export function caldavControlRoutes(state: SandboxState): Hono {
	const app = new Hono();
	app.post("/icloud/accounts", async (c) => {
		const body = await parse(accountBody, c.req.raw);
		const { account, created } = await state.icloud.upsert(body.appleId, body.appPassword, upstreamOf(state));
		return c.json(accountJson(state, account), created ? 201 : 200);
	});
	app.get("/icloud/accounts", (c) => c.json(state.icloud.list().map((account) => accountJson(state, account))));
	/** The events in the account's Home calendar, as the Google and Microsoft calendars' control routes list theirs. */
	app.get("/icloud/accounts/:appleId/events", async (c) => {
		const appleId = c.req.param("appleId").toLowerCase();
		const account = state.icloud.list().find((a) => a.appleId.toLowerCase() === appleId);
		if (account === undefined) throw new SandboxHttpError(404, { error: "no such iCloud account" });
		return c.json({ events: await homeEvents(upstreamOf(state), account) });
	});
	/** Publishes an iCloud account's calendar (Home unless named) or a plain Radicale user's as an ICS feed. */
	app.post("/feeds", async (c) => {
		const body = await parse(feedBody, c.req.raw);
		// Feeds are read from Radicale: without one this is 503, as every CalDAV control route.
		upstreamOf(state);
		let source: { account: string; upstreamUser: string; upstreamPassword: string };
		if ("appleId" in body) {
			const account = state.icloud.list().find((a) => a.appleId === body.appleId.toLowerCase());
			if (account === undefined) throw new SandboxHttpError(404, { error: "no such iCloud account" });
			source = { account: account.appleId, upstreamUser: account.upstreamUser, upstreamPassword: account.upstreamPassword };
		} else {
			source = { account: body.username, upstreamUser: body.username, upstreamPassword: body.password };
		}
		const feed = state.feeds.publish({ ...source, calendar: body.calendar });
		return c.json({ id: feed.id, url: feedUrl(state, feed) }, 201);
	});
	app.post("/caldav/users", async (c) => {
		const body = await parse(userBody, c.req.raw);
		const upstream = upstreamOf(state);
		await upstream.addUser(body.username, body.password);
		return c.json({ username: body.username, homeUrl: `${upstream.url}/${body.username}/` }, 201);
	});
	app.post("/caldav/calendars", async (c) => {
		const body = await parse(calendarBody, c.req.raw);
		try {
			const url = await upstreamOf(state).createCalendar(body.username, body.password, body.slug, body.displayName, body.components);
			return c.json({ url }, 201);
		} catch (error) {
			if (error instanceof CalendarCreateError) throw new SandboxHttpError(error.status, { error: error.message });
			throw error;
		}
	});
	return app;
}
