// Control API under /_control: faults, reset, clock, users/clients, calendars and events, deliveries, mail.
import { Hono } from "hono";
import { z } from "zod";
import type { CalendarPort } from "./calendar-port";
import type { FaultScope, FaultSpec, ProviderName } from "./faults";
import { allowedConferenceTypes, creationMode } from "./google/conference";
import { googleControlPort } from "./google/control-port";
import { ensureGoogleUser } from "./google/state";
import { microsoftControlPort } from "./microsoft/control-port";
import { ensureMicrosoftUser, providersFor } from "./microsoft/state";
import { SandboxHttpError } from "./http-error";
import type { AuthorizationServer } from "./oauth/authorization-server";
import type { ClientRegistry } from "./oauth/clients";
import type { SandboxUser, UserInput } from "./oauth/users";
import type { SandboxState } from "./state";
import { resetState } from "./state";

const provider = z.enum(["google", "microsoft", "facebook", "zoom"]);
type AuthProvider = z.infer<typeof provider>;
const calendarProvider = z.enum(["google", "microsoft"]);

/** Narrows a fault or switch to one test's account, calendar and/or OAuth client (see FaultScope). */
const faultScope = z
	.object({
		account: z.string().min(1).optional(),
		calendarId: z.string().min(1).optional(),
		clientId: z.string().min(1).optional(),
	})
	.strict()
	.refine((scope) => Object.keys(scope).length > 0, "give account, calendarId or clientId");

const faultBody = z.object({
	// iCloud, ICS feeds and mail take endpoint faults (errors, Retry-After, latency); the flags below are the OAuth
	// providers', but for noValidators, which is the feeds'.
	provider: z.enum(["google", "microsoft", "facebook", "zoom", "icloud", "ics", "mail"]),
	endpoint: z.string().min(1).optional(),
	errorRate: z.number().min(0).max(1).optional(),
	status: z.number().int().min(400).max(599).optional(),
	retryAfter: z.number().nonnegative().optional(),
	latencyMs: z.number().int().nonnegative().optional(),
	count: z.number().int().positive().optional(),
	reason: z.string().optional(),
	seed: z.number().int().optional(),
	scope: faultScope.optional(),
	/** The request does its work and then its answer fails (status) or comes late (latencyMs): a lost response. */
	afterSuccess: z.boolean().optional(),
	forceSyncGone: z.boolean().optional(),
	revokeRefreshTokens: z.boolean().optional(),
	/** The older way to limit revokeRefreshTokens to one account; the same as scope.account. */
	email: z.string().optional(),
	expireAccessTokens: z.boolean().optional(),
	/** Microsoft: every delta/skip token issued so far expires (syncStateNotFound), unlike forceSyncGone's one 410. */
	expireDeltaTokens: z.boolean().optional(),
	/** Google: every events sync token issued so far has expired (410 fullSyncRequired from now on). */
	expireSyncTokens: z.boolean().optional(),
	dropNotifications: z.union([z.number().nonnegative(), z.object({ rate: z.number().min(0).max(1) }), z.object({ count: z.number().int().nonnegative() })]).optional(),
	/** ICS feeds: serve the scope's feeds without ETag and Last-Modified (true), or with them again (false). */
	noValidators: z.boolean().optional(),
});
type FaultBody = z.infer<typeof faultBody>;

/** The scope of a fault request: `scope`, with the older `email` folded in as its account. */
function scopeOf(body: FaultBody): FaultScope | undefined {
	if (body.email !== undefined && body.scope?.account !== undefined && body.email.toLowerCase() !== body.scope.account.toLowerCase()) {
		throw new SandboxHttpError(400, { error: "email and scope.account name different accounts" });
	}
	const scope: FaultScope = { ...body.scope };
	if (body.email !== undefined) scope.account = body.email;
	return Object.keys(scope).length === 0 ? undefined : scope;
}

const configBody = z
	.object({
		accessTokenTtlSeconds: z.number().int().positive().optional(),
		// Microsoft notification delivery (see NotificationConfig in microsoft/subscriptions.ts).
		batchWindowMs: z.number().int().nonnegative().optional(),
		retryDelaysMs: z.array(z.number().int().nonnegative()).optional(),
		timeoutMs: z.number().int().positive().optional(),
		reauthorizationGraceSeconds: z.number().nonnegative().optional(),
		// Google: how old an events.list updatedMin may be before 410 updatedMinTooLongAgo.
		updatedMinMaxAgeDays: z.number().positive().optional(),
	})
	.refine((body) => Object.keys(body).length > 0, "give at least one setting");

const userBody = z.object({
	email: z.string().includes("@"),
	name: z.string().optional(),
	givenName: z.string().optional(),
	familyName: z.string().optional(),
	picture: z.string().optional(),
	emailVerified: z.boolean().optional(),
	shareEmail: z.boolean().optional(),
	timeZone: z.string().optional(),
});

const calendarBody = z.object({
	provider: calendarProvider,
	owner: z.string().includes("@"),
	name: z.string().min(1),
	timeZone: z.string().optional(),
	shareWith: z.array(z.object({ email: z.string().includes("@"), role: z.enum(["writer", "reader", "freeBusyReader"]) })).optional(),
});

export const controlEventBody = z.object({
	summary: z.string(),
	start: z.string().min(10),
	end: z.string().min(10),
	allDay: z.boolean().optional(),
	timeZone: z.string().optional(),
	recurrence: z.array(z.string()).optional(),
	status: z.enum(["confirmed", "tentative", "cancelled"]).optional(),
	transparency: z.enum(["opaque", "transparent"]).optional(),
	description: z.string().optional(),
	id: z.string().optional(),
});

export const controlEventChange = z.object({
	summary: z.string().optional(),
	start: z.string().min(10).optional(),
	end: z.string().min(10).optional(),
	allDay: z.boolean().optional(),
	timeZone: z.string().optional(),
});

/** The calendars a sync-token switch reaches: the scope's calendar, or every calendar its account owns. */
function calendarsIn<C extends { id: string; owner: string }>(calendars: C[], scope: FaultScope): C[] {
	const found = calendars.filter((calendar) => (scope.calendarId === undefined || calendar.id === scope.calendarId) && (scope.account === undefined || calendar.owner === scope.account.toLowerCase()));
	if (found.length === 0) throw new SandboxHttpError(404, { error: "no calendar in that scope" });
	return found;
}

async function parse<T extends z.ZodType>(schema: T, request: Request): Promise<z.infer<T>> {
	const result = schema.safeParse(await request.json().catch(() => null));
	if (!result.success) throw new SandboxHttpError(400, { error: "invalid control request", issues: result.error.issues });
	return result.data;
}

function userJson(user: SandboxUser): Record<string, unknown> {
	return { ...user };
}

/** The calendar port of a provider; Microsoft's is registered by its module once it exists. */
export type PortResolver = (state: SandboxState, name: "google" | "microsoft") => CalendarPort | null;

export function defaultPorts(state: SandboxState, name: "google" | "microsoft"): CalendarPort | null {
	return name === "google" ? googleControlPort(state) : microsoftControlPort(state);
}

export function controlRoutes(state: SandboxState, ports: PortResolver = defaultPorts): Hono {
	const app = new Hono();

	function auth(name: AuthProvider): { auth: AuthorizationServer; clients: ClientRegistry } {
		return state[name];
	}
	function port(name: string): CalendarPort {
		const parsed = calendarProvider.safeParse(name);
		const found = parsed.success ? ports(state, parsed.data) : null;
		if (found === null) throw new SandboxHttpError(404, { error: `no calendars for provider ${name}` });
		return found;
	}
	function ensureUser(name: AuthProvider, input: UserInput & { timeZone?: string }): SandboxUser {
		if (name === "google") return ensureGoogleUser(state.google, input);
		if (name === "microsoft") return ensureMicrosoftUser(state.microsoft, input);
		return state[name].users.upsert(input);
	}

	app.get("/", (c) => c.json({ faults: state.faults.list() }));

	app.post("/faults", async (c) => {
		const body = await parse(faultBody, c.req.raw);
		const flagNames = ["forceSyncGone", "revokeRefreshTokens", "expireAccessTokens", "expireDeltaTokens", "expireSyncTokens", "dropNotifications"] as const;
		const oauthProvider = body.provider === "icloud" || body.provider === "ics" || body.provider === "mail" ? null : body.provider;
		if (oauthProvider === null && flagNames.some((name) => body[name] !== undefined)) {
			throw new SandboxHttpError(400, { error: `${body.provider} takes endpoint faults only (status, errorRate, retryAfter, latencyMs, count, seed, scope)` });
		}
		if (body.noValidators !== undefined && body.provider !== "ics") throw new SandboxHttpError(400, { error: "noValidators is an ics switch" });
		const scope = scopeOf(body);
		// Tokens belong to an account and a client; sync state belongs to a calendar. Refuse a scope that cannot apply
		// rather than quietly widening or narrowing it.
		const tokenSwitch = body.revokeRefreshTokens === true || body.expireAccessTokens === true;
		if (tokenSwitch && scope?.calendarId !== undefined) throw new SandboxHttpError(400, { error: "access and refresh tokens belong to an account and a client, not a calendar: scope them by account or clientId" });
		const syncSwitch = body.expireDeltaTokens === true || body.expireSyncTokens === true;
		if (syncSwitch && scope?.clientId !== undefined) throw new SandboxHttpError(400, { error: "sync tokens belong to a calendar: scope them by calendarId or account" });
		const tokens = scope === undefined ? {} : { ...(scope.account === undefined ? {} : { userEmail: scope.account }), ...(scope.clientId === undefined ? {} : { clientId: scope.clientId }) };
		const applied: Record<string, unknown> = {};
		if (body.forceSyncGone === true) {
			state.faults.armSyncGone(body.provider, scope);
			applied.forceSyncGone = true;
		}
		if (oauthProvider !== null && body.revokeRefreshTokens === true) applied.revokedRefreshTokens = auth(oauthProvider).auth.revokeAllRefreshTokens(tokens);
		if (oauthProvider !== null && body.expireAccessTokens === true) {
			applied.expiredAccessTokens = auth(oauthProvider).auth.expireAllAccessTokens(tokens);
			applied.expireAccessTokens = true;
		}
		if (body.expireDeltaTokens === true) {
			if (body.provider !== "microsoft") throw new SandboxHttpError(400, { error: "expireDeltaTokens is a Microsoft fault" });
			if (scope === undefined) state.microsoft.deltaEpoch += 1;
			else for (const calendar of calendarsIn(state.microsoft.store.allCalendars(), scope)) calendar.deltaEpoch += 1;
			applied.expireDeltaTokens = true;
		}
		if (body.expireSyncTokens === true) {
			if (body.provider !== "google") throw new SandboxHttpError(400, { error: "expireSyncTokens is a Google fault" });
			state.google.store.expireSyncTokens(scope === undefined ? undefined : calendarsIn(state.google.store.allCalendars(), scope));
			applied.expireSyncTokens = true;
		}
		if (body.noValidators !== undefined) {
			state.faults.setBareFeeds(scope, body.noValidators);
			applied.noValidators = body.noValidators;
		}
		const drop = body.dropNotifications;
		if (drop !== undefined) {
			// A plain number up to 1 is a rate; a larger whole number counts the next notifications to drop.
			const setting = typeof drop === "object" ? drop : drop <= 1 ? { rate: drop } : { count: Math.floor(drop) };
			applied.dropNotifications = state.faults.setDrops(body.provider, scope, setting);
		}
		if (body.endpoint !== undefined) {
			const spec: FaultSpec = {
				provider: body.provider,
				endpoint: body.endpoint,
				// A fault with only latency slows requests down without failing them.
				errorRate: body.errorRate ?? (body.status === undefined && body.latencyMs !== undefined ? 0 : 1),
				status: body.status ?? 503,
				latencyMs: body.latencyMs ?? 0,
			};
			for (const key of ["retryAfter", "count", "reason", "seed", "afterSuccess"] as const) if (body[key] !== undefined) Object.assign(spec, { [key]: body[key] });
			if (scope !== undefined) spec.scope = scope;
			state.faults.add(spec);
			applied.fault = spec;
		}
		if (Object.keys(applied).length === 0) throw new SandboxHttpError(400, { error: "nothing to apply: give endpoint or a flag" });
		if (scope !== undefined) applied.scope = scope;
		return c.json({ applied, faults: state.faults.list(), switches: state.faults.switches() }, 201);
	});
	app.get("/faults", (c) => c.json({ faults: state.faults.list(), switches: state.faults.switches() }));
	app.delete("/faults", (c) => {
		// With ?account=, ?calendarId= and/or ?clientId=, only what was armed with exactly that scope goes.
		const query = c.req.query();
		const scope: FaultScope = {};
		for (const key of ["account", "calendarId", "clientId"] as const) if (query[key] !== undefined) scope[key] = query[key];
		state.faults.clear(Object.keys(scope).length === 0 ? undefined : scope);
		return c.body(null, 204);
	});

	app.post("/reset", (c) => {
		resetState(state);
		return c.body(null, 204);
	});

	app.post("/clock", async (c) => {
		const body = await parse(z.object({ advanceSeconds: z.number().positive() }), c.req.raw);
		state.clock.advance(body.advanceSeconds * 1000);
		return c.json({ now: new Date(state.clock.now()).toISOString() });
	});

	/** ?calendarId= and/or ?account= narrow flush and the log to one test's deliveries. */
	function deliveryScope(c: { req: { query(name: string): string | undefined } }): FaultScope | undefined {
		const scope: FaultScope = {};
		for (const key of ["account", "calendarId"] as const) {
			const value = c.req.query(key);
			if (value !== undefined) scope[key] = value;
		}
		return Object.keys(scope).length === 0 ? undefined : scope;
	}
	app.post("/flush", async (c) => {
		const scope = deliveryScope(c);
		await state.webhooks.flush(scope);
		return c.json({ deliveries: state.webhooks.entries(scope) });
	});
	app.get("/deliveries", (c) => {
		const wanted = c.req.query("provider");
		return c.json({ deliveries: state.webhooks.entries(deliveryScope(c)).filter((d) => wanted === undefined || d.provider === wanted) });
	});

	// A receiver for code that has no listening port (the Worker inside vitest): it passes Graph's
	// validation handshake and accepts every notification, which the delivery log then holds for the
	// test to replay against the real handler.
	app.post("/webhook-sink/*", (c) => {
		const token = c.req.query("validationToken");
		if (token !== undefined) return c.text(token, 200, { "content-type": "text/plain; charset=utf-8" });
		return c.body(null, 202);
	});

	app.get("/mail", (c) => c.json({ messages: state.mailbox.list(c.req.query("to")) }));

	app.post("/calendars", async (c) => {
		const body = await parse(calendarBody, c.req.raw);
		const created = port(body.provider).createCalendar(body.owner, body.name, body.timeZone);
		for (const share of body.shareWith ?? []) {
			const calendar = body.provider === "google" ? state.google.store.calendar(created.id) : undefined;
			if (calendar !== undefined) state.google.store.setAcl(calendar, share.email, share.role);
		}
		return c.json(created, 201);
	});

	app.post("/:provider/users", async (c) => {
		const name = provider.parse(c.req.param("provider"));
		return c.json(userJson(ensureUser(name, await parse(userBody, c.req.raw))), 201);
	});
	app.get("/:provider/users", (c) => c.json(state[provider.parse(c.req.param("provider"))].users.list().map(userJson)));

	app.post("/:provider/clients", async (c) => {
		const name = provider.parse(c.req.param("provider"));
		const body = await parse(z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1), redirectUris: z.array(z.url()).optional(), testing: z.boolean().optional() }), c.req.raw);
		auth(name).clients.register({ clientId: body.clientId, clientSecret: body.clientSecret, redirectUris: body.redirectUris ?? [], testing: body.testing === true });
		return c.json({ clientId: body.clientId }, 201);
	});

	app.post("/:provider/config", async (c) => {
		const name = provider.parse(c.req.param("provider"));
		const body = await parse(configBody, c.req.raw);
		const { accessTokenTtlSeconds, updatedMinMaxAgeDays, ...notifications } = body;
		if (updatedMinMaxAgeDays !== undefined && name !== "google") throw new SandboxHttpError(400, { error: "updatedMinMaxAgeDays is Google's" });
		if (Object.keys(notifications).length > 0 && name !== "microsoft") throw new SandboxHttpError(400, { error: "notification settings are Microsoft's" });
		if (accessTokenTtlSeconds !== undefined) auth(name).auth.accessTokenTtlSeconds = accessTokenTtlSeconds;
		if (updatedMinMaxAgeDays !== undefined) state.google.settings.updatedMinMaxAgeDays = updatedMinMaxAgeDays;
		Object.assign(state.microsoft.subscriptions.config, notifications);
		const current: Record<string, unknown> = { accessTokenTtlSeconds: auth(name).auth.accessTokenTtlSeconds };
		if (name === "google") current.updatedMinMaxAgeDays = state.google.settings.updatedMinMaxAgeDays;
		if (name === "microsoft") current.notifications = state.microsoft.subscriptions.config;
		return c.json(current);
	});

	app.get("/google/channels", (c) => c.json({ channels: state.google.channels.list() }));
	// Sharing as the owner would in Google Calendar's settings: the person's list changes and sync tokens die (A3).
	app.post("/google/calendars/:calendarId/acl", async (c) => {
		const body = await parse(z.object({ email: z.string().includes("@"), role: z.enum(["writer", "reader", "freeBusyReader", "none"]) }), c.req.raw);
		const calendar = state.google.store.calendar(c.req.param("calendarId"));
		if (calendar === undefined) throw new SandboxHttpError(404, { error: "calendar not found" });
		state.google.store.setAcl(calendar, body.email, body.role);
		return c.json({ calendarId: calendar.id, email: body.email.toLowerCase(), role: body.role });
	});
	// Google Workspace admin settings for Meet on one calendar (docs/integrations.md 1.3, 1.7): which conference
	// types it allows, and whether a create request turns out pending (then success), success at once, or failure.
	app.post("/google/calendars/:calendarId/conferencing", async (c) => {
		const body = await parse(z.object({ allowedConferenceSolutionTypes: z.array(z.string()).optional(), creation: z.enum(["pending", "success", "failure"]).optional() }).strict(), c.req.raw);
		const calendar = state.google.store.calendar(c.req.param("calendarId"));
		if (calendar === undefined) throw new SandboxHttpError(404, { error: "calendar not found" });
		if (body.allowedConferenceSolutionTypes !== undefined) calendar.allowedConferenceSolutionTypes = body.allowedConferenceSolutionTypes;
		if (body.creation !== undefined) calendar.conferenceCreation = body.creation;
		return c.json({ calendarId: calendar.id, allowedConferenceSolutionTypes: allowedConferenceTypes(calendar), creation: creationMode(calendar) });
	});
	// What a person does to their own calendar list in Google Calendar: hide an entry, rename it for themselves.
	app.patch("/google/calendarList/:email/:calendarId", async (c) => {
		const body = await parse(z.object({ hidden: z.boolean().optional(), summaryOverride: z.string().nullable().optional() }), c.req.raw);
		const change: { hidden?: boolean; summaryOverride?: string | null } = {};
		if (body.hidden !== undefined) change.hidden = body.hidden;
		if (body.summaryOverride !== undefined) change.summaryOverride = body.summaryOverride;
		const entry = state.google.store.updateEntry(c.req.param("email"), c.req.param("calendarId"), change);
		if (entry === undefined) throw new SandboxHttpError(404, { error: "not on that person's calendar list" });
		return c.json(entry);
	});
	// A personal Microsoft account (Outlook.com) cannot host Teams meetings (docs/integrations.md 2.3); work is the default.
	app.patch("/microsoft/users/:email", async (c) => {
		const body = await parse(z.object({ accountType: z.enum(["work", "personal"]) }).strict(), c.req.raw);
		const email = c.req.param("email").toLowerCase();
		if (state.microsoft.users.get(email) === undefined) throw new SandboxHttpError(404, { error: `no Microsoft account ${email}` });
		state.microsoft.accountTypes.set(email, body.accountType);
		return c.json({ email, accountType: body.accountType, ...providersFor(state.microsoft, email) });
	});
	app.get("/microsoft/subscriptions", (c) => c.json({ subscriptions: state.microsoft.subscriptions.list() }));
	app.post("/microsoft/subscriptions/:id/lifecycle", async (c) => {
		const body = await parse(z.object({ lifecycleEvent: z.enum(["reauthorizationRequired", "subscriptionRemoved", "missed"]) }), c.req.raw);
		state.microsoft.subscriptions.lifecycle(c.req.param("id"), body.lifecycleEvent);
		return c.body(null, 202);
	});

	app.get("/:provider/calendars", (c) => c.json(port(c.req.param("provider")).listCalendars()));
	app.get("/:provider/calendars/:calendarId/events", (c) => {
		const events = port(c.req.param("provider")).listEvents(c.req.param("calendarId"));
		if (events === null) throw new SandboxHttpError(404, { error: "calendar not found" });
		return c.json(events);
	});
	app.post("/:provider/calendars/:calendarId/events", async (c) => {
		const body = await parse(controlEventBody, c.req.raw);
		return c.json(port(c.req.param("provider")).createEvent(c.req.param("calendarId"), body), 201);
	});
	app.get("/:provider/calendars/:calendarId/events/:eventId", (c) =>
		c.json(port(c.req.param("provider")).getEvent(c.req.param("calendarId"), c.req.param("eventId"))),
	);
	app.patch("/:provider/calendars/:calendarId/events/:eventId", async (c) => {
		const body = await parse(controlEventChange, c.req.raw);
		return c.json(port(c.req.param("provider")).updateEvent(c.req.param("calendarId"), c.req.param("eventId"), body));
	});
	app.post("/:provider/calendars/:calendarId/events/:eventId/cancel-occurrence", async (c) => {
		const body = await parse(z.object({ date: z.iso.date() }), c.req.raw);
		port(c.req.param("provider")).cancelOccurrence(c.req.param("calendarId"), c.req.param("eventId"), body.date);
		return c.body(null, 204);
	});
	app.delete("/:provider/calendars/:calendarId/events/:eventId", (c) => {
		port(c.req.param("provider")).deleteEvent(c.req.param("calendarId"), c.req.param("eventId"));
		return c.body(null, 204);
	});
	return app;
}
