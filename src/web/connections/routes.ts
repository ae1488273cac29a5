// /admin/api/connections: the signed-in person's calendar connections (the owner sees all of the
// merchant's): list, add a CalDAV, iCloud or ICS connection (POST to the collection), re-enter a password,
// pick calendars, resync, retry failed pushes, disconnect; OAuth connections (Google, Microsoft, Zoom) start
// at /admin/api/connect. A Zoom connection has no calendars: only viewing and disconnecting apply to it.
import { Hono } from "hono";
import { setSignedCookie } from "hono/cookie";
import { z } from "zod";
import { ProviderError } from "../../calendars/provider";
import { staffOf } from "../../db/queries/catalog";
import { calendarsOf, connectionsOf, isCalendarConnection, logOf, pendingCount } from "../../db/queries/connections";
import type { CalendarConnectionRow, ConnectionRow } from "../../db/queries/connections";
import { UnprocessableError, ValidationError } from "../../errors";
import { chooseCalendars, refreshCalendarsOnRequest } from "../../sync/connection-calendars";
import { retryFailed } from "../../sync/connection-health";
import { resync } from "../../sync/connection-jobs";
import { connectTyped, disconnect } from "../../sync/connection-lifecycle";
import { syncContextFor } from "../../sync/context";
import type { TypedCredentials } from "../../sync/connection-lifecycle";
import type { SyncContext } from "../../sync/context";
import { connectionOAuth } from "../../sync/connection-oauth";
import { pollStatusOf } from "../../sync/polling";
import { parseJsonBody } from "../auth/json-body";
import { requireMerchantMember } from "../auth/require";
import type { AppEnv } from "../context";
import type { Context } from "hono";
import { allowedOwner, manageableConnection, membershipOf } from "./access";
import { CONNECT_COOKIE, CONNECT_TTL_SECONDS, encodeConnectFlow } from "./flow";
import { calendarListRefusal, connectRefusal } from "./refusal";
import { connectionView, logView } from "./view";
import type { ConnectionView } from "./view";

const providerParam = z.enum(["google", "microsoft", "zoom"]);

const calendarChoice = z.object({
	writeCalendarId: z.string().nullable(),
	conflictCalendarIds: z.array(z.string()).max(50),
});

const webUrl = z.url({ protocol: /^(?:https?|webcal)$/, error: "Enter an https:// (or webcal://) address" }).max(2048);

const passwordConnection = z
	.object({
		provider: z.enum(["caldav", "icloud", "ics"]),
		/** "business" for the merchant's own calendar (owner only); omitted = the caller's own. */
		staffId: z.string().optional(),
		/** The CalDAV server (iCloud's by default) or the ICS feed. */
		serverUrl: webUrl.optional(),
		username: z.string().trim().min(1, "Enter the user name").max(320).optional(),
		password: z.string().min(1, "Enter the password").max(1024).optional(),
	})
	.superRefine((body, ctx) => {
		if (body.provider === "ics") {
			if (body.serverUrl === undefined) ctx.addIssue({ code: "custom", path: ["serverUrl"], message: "Enter the feed's address" });
			return;
		}
		// A pasted https://name:password@server/ would keep the password in the stored (and shown) server address.
		if (body.serverUrl !== undefined && hasCredentials(body.serverUrl)) {
			ctx.addIssue({ code: "custom", path: ["serverUrl"], message: "Enter the address without a user name or password; they go in their own fields" });
		}
		if (body.username === undefined) ctx.addIssue({ code: "custom", path: ["username"], message: "Enter the user name" });
		if (body.password === undefined) ctx.addIssue({ code: "custom", path: ["password"], message: "Enter the password" });
	});

function hasCredentials(url: string): boolean {
	const parsed = URL.parse(url);
	return parsed !== null && (parsed.username !== "" || parsed.password !== "");
}

const newPassword = z.object({ password: z.string().min(1, "Enter the password").max(1024) });

/** Tries the connection first (nothing is stored unless it works) and turns a refusal into a 422 naming the field. */
async function connectOrRefuse(c: Context<AppEnv>, owner: { merchantId: string; staffId: string | null }, typed: TypedCredentials): Promise<ConnectionRow> {
	try {
		return await connectTyped(context(c), owner, typed);
	} catch (error) {
		if (error instanceof ProviderError) throw connectRefusal(error, typed.provider);
		throw error;
	}
}

function context(c: Context<AppEnv>): SyncContext {
	return syncContextFor(c.env, c.var.db, c.var.mailer);
}

async function view(c: Context<AppEnv>, row: ConnectionRow): Promise<ConnectionView> {
	const calendars = await calendarsOf(c.var.db, row.id);
	return connectionView(row, calendars, await pendingCount(c.var.db, row.id), await pollStatusOf(c.env, row, calendars));
}

/** The calendar routes refuse a Zoom connection: it hosts meetings and has no calendars to pick, sync or retry. */
function calendarConnection(row: ConnectionRow): CalendarConnectionRow {
	if (!isCalendarConnection(row)) throw new UnprocessableError("not-a-calendar", "Zoom has no calendars: it only hosts meeting links. Disconnect or reconnect it instead.");
	return row;
}

/** "business" names the merchant's own connection; anything else must be one of its staff. */
async function ownerFor(c: Context<AppEnv>, requested: string | undefined): Promise<string | null> {
	const membership = membershipOf(c);
	const owner = allowedOwner(membership, requested === "business" ? null : requested);
	if (owner !== null) {
		// A deactivated staff member's connections were disconnected with them; none may start again.
		const member = await staffOf(c.var.db, membership.merchantId, owner);
		if (!member.active) throw new UnprocessableError("staff-inactive", `${member.name} is no longer active: reactivate them before connecting a calendar.`);
	}
	return owner;
}

export const connectionRoutes = new Hono<AppEnv>()
	.use(requireMerchantMember())

	.get("/", async (c) => {
		const membership = membershipOf(c);
		const rows = await connectionsOf(c.var.db, membership.merchantId, membership.role === "owner" ? undefined : membership.staffId);
		return c.json({ connections: await Promise.all(rows.map((row) => view(c, row))) });
	})

	.post("/", async (c) => {
		const body = await parseJsonBody(c, passwordConnection);
		const membership = membershipOf(c);
		const staffId = await ownerFor(c, body.staffId);
		const owner = { merchantId: membership.merchantId, staffId };
		if (body.provider === "ics") {
			const row = await connectOrRefuse(c, owner, { provider: "ics", feedUrl: body.serverUrl ?? "" });
			return c.json({ connection: await view(c, row) }, 201);
		}
		const serverUrl = body.serverUrl ?? (body.provider === "icloud" ? c.env.ICLOUD_CALDAV_URL : null);
		if (serverUrl === null) throw new ValidationError([{ field: "serverUrl", message: "Enter the CalDAV server's address" }]);
		const row = await connectOrRefuse(c, owner, { provider: body.provider, serverUrl, username: body.username ?? "", password: body.password ?? "" });
		return c.json({ connection: await view(c, row) }, 201);
	})

	/**
	 * CalDAV/iCloud after the server refused the stored password: tries the new one, and only if it
	 * works stores it on the same connection (its calendars, choices and written events stay) and
	 * sends what waited.
	 */
	.put("/:id/password", async (c) => {
		const row = await manageableConnection(c, c.req.param("id"));
		const body = await parseJsonBody(c, newPassword);
		if (row.provider !== "caldav" && row.provider !== "icloud") throw new UnprocessableError("not-a-password-connection", "Only CalDAV and iCloud connections use a password; reconnect this calendar instead.");
		const updated = await connectOrRefuse(c, { merchantId: row.merchantId, staffId: row.staffId }, { provider: row.provider, serverUrl: row.serverUrl, username: row.accountLabel, password: body.password });
		return c.json({ connection: await view(c, updated) });
	})

	.get("/:id", async (c) => {
		const row = await manageableConnection(c, c.req.param("id"));
		return c.json({ connection: await view(c, row), log: logView(await logOf(c.var.db, row.id)) });
	})

	.put("/:id/calendars", async (c) => {
		const row = calendarConnection(await manageableConnection(c, c.req.param("id")));
		const body = await parseJsonBody(c, calendarChoice);
		await chooseCalendars(context(c), row, body);
		return c.json({ connection: await view(c, await manageableConnection(c, row.id)) });
	})

	.post("/:id/refresh-calendars", async (c) => {
		const row = calendarConnection(await manageableConnection(c, c.req.param("id")));
		if (row.status === "disconnected") throw new UnprocessableError("disconnected", "Reconnect this calendar first.");
		try {
			await refreshCalendarsOnRequest(context(c), row);
		} catch (error) {
			// Said on the page (and already in the log), never a 500.
			if (error instanceof ProviderError) throw calendarListRefusal(error);
			throw error;
		}
		return c.json({ connection: await view(c, await manageableConnection(c, row.id)) });
	})

	.post("/:id/resync", async (c) => {
		const row = calendarConnection(await manageableConnection(c, c.req.param("id")));
		if (row.status === "disconnected") throw new UnprocessableError("disconnected", "Reconnect this calendar first.");
		const queued = await resync(context(c), row);
		return c.json({ queued }, 202);
	})

	/** Retries pushes that failed for good or went to the dead-letter queue. */
	.post("/:id/retry", async (c) => {
		const row = calendarConnection(await manageableConnection(c, c.req.param("id")));
		if (row.status === "disconnected") throw new UnprocessableError("disconnected", "Reconnect this calendar first.");
		const queued = await retryFailed(context(c), row);
		return c.json({ queued }, 202);
	})

	.delete("/:id", async (c) => {
		const row = await manageableConnection(c, c.req.param("id"));
		await disconnect(context(c), row);
		return c.json({ connection: await view(c, await manageableConnection(c, row.id)) });
	});

/**
 * GET /admin/api/connect/:provider, a browser navigation: starts the provider's consent screen. Not under
 * /admin/api/connections/: "connections/connect/:provider" beside "connections/:id/password" is a pair of
 * routes Hono's RegExpRouter cannot tell apart, and one such pair puts every request of the app on the
 * slower TrieRouter (test/web/router.test.ts).
 */
export const connectStart = new Hono<AppEnv>()
	.use(requireMerchantMember())
	.get("/:provider", async (c) => {
		const provider = providerParam.safeParse(c.req.param("provider"));
		if (!provider.success) throw new UnprocessableError("unknown-provider", "Connect google, microsoft or zoom here; CalDAV, iCloud and ICS feeds are added with a password or URL.");
		const membership = membershipOf(c);
		const staffId = await ownerFor(c, c.req.query("staffId"));
		// Zoom takes no login hint: the person signs in to the Zoom account they mean.
		const { url, flow } = await connectionOAuth(c.env, provider.data).startConnection(provider.data === "zoom" ? null : (c.req.query("loginHint") ?? null));
		const value = encodeConnectFlow({ ...flow, provider: provider.data, merchantId: membership.merchantId, staffId, userId: c.var.user?.id ?? "" });
		await setSignedCookie(c, CONNECT_COOKIE, value, c.env.SESSION_SECRET, { prefix: "host", httpOnly: true, secure: true, sameSite: "Lax", path: "/", maxAge: CONNECT_TTL_SECONDS });
		return c.redirect(url.toString(), 302);
	});
