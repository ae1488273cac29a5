// Control API for the Zoom stand-in under /_control/zoom: accounts, what a person does to a meeting in Zoom itself
// (which fires the app's webhooks), removing the app, the app's webhook endpoint, and Zoom's limits.
import { Hono } from "hono";
import { z } from "zod";
import { SandboxHttpError } from "../http-error";
import type { SandboxState } from "../state";
import type { ZoomMeeting } from "./meetings";
import { parseMeetingChange } from "./meetings";
import type { ZoomProfile } from "./state";
import { ensureZoomUser } from "./state";
import { deauthorizationPayload, sendEvent, sendMeetingEvent, validateEndpoint } from "./webhooks";

const DEFAULT_CLIENT = "slotline-test-zoom";

const userBody = z
	.object({
		email: z.string().includes("@"),
		firstName: z.string().optional(),
		lastName: z.string().optional(),
		/** "basic" (type 1, the free plan) or "licensed" (type 2, the default). */
		type: z.enum(["basic", "licensed"]).optional(),
		timezone: z.string().optional(),
	})
	.strict();

const configBody = z
	.object({
		accessTokenTtlSeconds: z.number().int().positive().optional(),
		dailyMeetingWriteLimit: z.number().int().nonnegative().optional(),
		webhookRetryDelaysMs: z.array(z.number().int().nonnegative()).optional(),
		webhookTimeoutMs: z.number().int().positive().optional(),
	})
	.strict()
	.refine((body) => Object.keys(body).length > 0, "give at least one setting");

const meetingChange = z
	.object({
		topic: z.string().optional(),
		start_time: z.string().optional(),
		duration: z.number().optional(),
		timezone: z.string().optional(),
		agenda: z.string().optional(),
		password: z.string().optional(),
	})
	.strict();

const webhookBody = z.object({ clientId: z.string().min(1).optional(), url: z.url(), secretToken: z.string().min(1) }).strict();

async function parse<T extends z.ZodType>(schema: T, request: Request): Promise<z.infer<T>> {
	const result = schema.safeParse(await request.json().catch(() => null));
	if (!result.success) throw new SandboxHttpError(400, { error: "invalid control request", issues: result.error.issues });
	return result.data;
}

function profileJson(profile: ZoomProfile): Record<string, unknown> {
	return { ...profile, type: profile.type === 1 ? "basic" : "licensed" };
}

/** The fields a person changed, before and after, as meeting.updated carries them (object / old_object). */
function changedFields(before: ZoomMeeting, after: ZoomMeeting): { object: Record<string, unknown>; old_object: Record<string, unknown> } {
	const object: Record<string, unknown> = { id: after.id, uuid: after.uuid };
	const old: Record<string, unknown> = { id: before.id, uuid: before.uuid };
	for (const key of ["topic", "start_time", "duration", "timezone", "agenda", "password", "join_url"] as const) {
		if (before[key] !== after[key]) {
			object[key] = after[key];
			old[key] = before[key];
		}
	}
	return { object, old_object: old };
}

export function zoomControlRoutes(state: SandboxState): Hono {
	const app = new Hono();

	function profile(email: string): ZoomProfile {
		const found = state.zoom.profiles.get(email.toLowerCase());
		if (found === undefined) throw new SandboxHttpError(404, { error: `no Zoom user ${email}` });
		return found;
	}
	function operator(host: ZoomProfile): Record<string, unknown> {
		return { account_id: host.accountId, operator: host.email, operator_id: host.id, operation: "single" };
	}

	app.post("/zoom/users", async (c) => {
		const body = await parse(userBody, c.req.raw);
		const { type, ...rest } = body;
		const input = type === undefined ? rest : { ...rest, type: type === "basic" ? (1 as const) : (2 as const) };
		return c.json(profileJson(ensureZoomUser(state.zoom, input, state.clock.now())), 201);
	});
	app.get("/zoom/users", (c) => c.json([...state.zoom.profiles.values()].map(profileJson)));

	app.post("/zoom/config", async (c) => {
		const { accessTokenTtlSeconds, ...settings } = await parse(configBody, c.req.raw);
		if (accessTokenTtlSeconds !== undefined) state.zoom.auth.accessTokenTtlSeconds = accessTokenTtlSeconds;
		Object.assign(state.zoom.settings, settings);
		return c.json({ accessTokenTtlSeconds: state.zoom.auth.accessTokenTtlSeconds, ...state.zoom.settings });
	});

	// Stored meetings as Zoom holds them; `?host=` narrows to one account, `?includeDeleted=true` adds deleted ones.
	app.get("/zoom/meetings", (c) => {
		const host = c.req.query("host");
		const meetings = state.zoom.meetings.all(host).filter((m) => c.req.query("includeDeleted") === "true" || !m.deleted);
		return c.json({ meetings });
	});
	app.get("/zoom/meetings/:id", (c) => {
		const meeting = state.zoom.meetings.all().find((m) => String(m.id) === c.req.param("id"));
		if (meeting === undefined) throw new SandboxHttpError(404, { error: "no such meeting" });
		return c.json(meeting);
	});

	// The host changes the meeting in Zoom's own app: the apps they authorized hear meeting.updated.
	app.patch("/zoom/meetings/:id", async (c) => {
		const id = c.req.param("id");
		const current = state.zoom.meetings.get(id);
		if (current === undefined) throw new SandboxHttpError(404, { error: "no such live meeting" });
		const change = parseMeetingChange(await parse(meetingChange, c.req.raw), current.timezone);
		const changed = state.zoom.meetings.update(id, change);
		if (changed === undefined) throw new SandboxHttpError(404, { error: "no such live meeting" });
		const host = profile(current.host_email);
		sendMeetingEvent(state, host.email, "meeting.updated", { ...operator(host), ...changedFields(changed.before, changed.after), time_stamp: state.clock.now() });
		return c.json(changed.after);
	});
	// The host deletes it in Zoom: meeting.deleted.
	app.delete("/zoom/meetings/:id", (c) => {
		const gone = state.zoom.meetings.delete(c.req.param("id"));
		if (gone === undefined) throw new SandboxHttpError(404, { error: "no such live meeting" });
		const host = profile(gone.host_email);
		const object = { uuid: gone.uuid, id: gone.id, host_id: gone.host_id, topic: gone.topic, type: gone.type, start_time: gone.start_time, duration: gone.duration, timezone: gone.timezone };
		sendMeetingEvent(state, host.email, "meeting.deleted", { ...operator(host), object });
		return c.body(null, 204);
	});

	// The person removes the app from their Zoom account: its tokens die at once, then app_deauthorized is sent.
	app.post("/zoom/users/:email/deauthorize", async (c) => {
		const body = await parse(z.object({ clientId: z.string().min(1).optional(), userDataRetention: z.boolean().optional() }).strict(), c.req.raw);
		const user = profile(c.req.param("email"));
		const clientId = body.clientId ?? DEFAULT_CLIENT;
		const revokedGrants = state.zoom.auth.revokeAll({ userEmail: user.email, clientId });
		const payload = deauthorizationPayload(state, user.email, clientId, body.userDataRetention ?? false);
		sendEvent(state, clientId, "app_deauthorized", payload, user.email);
		return c.json({ revokedGrants, payload });
	});

	// Saving the app's event subscription URL: Zoom validates it first and refuses to save one that fails (3.5).
	app.post("/zoom/webhook", async (c) => {
		const body = await parse(webhookBody, c.req.raw);
		const clientId = body.clientId ?? DEFAULT_CLIENT;
		const result = await validateEndpoint(state, clientId, body.url, body.secretToken);
		if (!result.ok) throw new SandboxHttpError(400, { error: "URL validation failed", clientId, url: body.url, answer: result.answer, plainToken: result.plainToken, expectedEncryptedToken: result.expected });
		state.zoom.endpoints.set(clientId, { url: body.url, secretToken: body.secretToken, validated: true, lastValidation: new Date().toISOString() });
		return c.json({ clientId, url: body.url, validated: true });
	});
	app.get("/zoom/webhook", (c) => {
		const clientId = c.req.query("clientId") ?? DEFAULT_CLIENT;
		const endpoint = state.zoom.endpoints.get(clientId);
		if (endpoint === undefined) throw new SandboxHttpError(404, { error: `no webhook endpoint for ${clientId}` });
		return c.json({ clientId, ...endpoint });
	});
	app.delete("/zoom/webhook", (c) => {
		state.zoom.endpoints.delete(c.req.query("clientId") ?? DEFAULT_CLIENT);
		return c.body(null, 204);
	});
	// Zoom's recheck every 72 hours: a failed one holds events back until a later check passes (what Zoom does
	// then is unconfirmed, 3.5).
	app.post("/zoom/webhook/validate", async (c) => {
		const body = await parse(z.object({ clientId: z.string().min(1).optional() }).strict(), c.req.raw);
		const clientId = body.clientId ?? DEFAULT_CLIENT;
		const endpoint = state.zoom.endpoints.get(clientId);
		if (endpoint === undefined) throw new SandboxHttpError(404, { error: `no webhook endpoint for ${clientId}` });
		const result = await validateEndpoint(state, clientId, endpoint.url, endpoint.secretToken);
		endpoint.validated = result.ok;
		endpoint.lastValidation = new Date().toISOString();
		return c.json({ clientId, validated: result.ok, answer: result.answer });
	});
	return app;
}
