// Zoom API v2 stand-in (api.zoom.us/v2, docs/integrations.md 3.2-3.4): GET /users/me and a user's meetings
// (create, get, update, delete, list) behind Bearer tokens, with Zoom's error codes and the per-user daily limit.
import { Hono } from "hono";
import type { Context, MiddlewareHandler } from "hono";
import { faultGuard } from "../faults";
import type { AccessRecord } from "../oauth/authorization-server";
import { oauthSubject } from "../oauth/subject";
import type { SandboxState } from "../state";
import { takeMeetingWrite } from "./daily-limit";
import { meetingNotFound, validationError, zoomApiFaultError, zoomError } from "./errors";
import type { MeetingHost } from "./meetings";
import { parseMeetingChange } from "./meetings";
import type { ZoomProfile } from "./state";

type ZoomEnv = { Variables: { access: AccessRecord; profile: ZoomProfile } };

/** Granular scope of each call, or the classic one that also covers it (3.1). */
const SCOPES: Record<string, [string, string]> = {
	"users.me": ["user:read:user", "user:read"],
	"meetings.create": ["meeting:write:meeting", "meeting:write"],
	"meetings.get": ["meeting:read:meeting", "meeting:read"],
	"meetings.update": ["meeting:update:meeting", "meeting:write"],
	"meetings.delete": ["meeting:delete:meeting", "meeting:write"],
	"meetings.list": ["meeting:read:list_meetings", "meeting:read"],
};

export function hostOf(profile: ZoomProfile): MeetingHost {
	return { id: profile.id, email: profile.email, firstName: profile.firstName, timezone: profile.timezone };
}

async function jsonBody(c: Context): Promise<Record<string, unknown>> {
	const body: unknown = await c.req.json().catch(() => null);
	if (typeof body !== "object" || body === null || Array.isArray(body)) throw zoomError(400, 300, "Request Body should be a valid JSON object.");
	return body as Record<string, unknown>;
}

export function zoomApiRoutes(state: SandboxState): Hono<ZoomEnv> {
	const app = new Hono<ZoomEnv>();

	app.use("*", async (c, next) => {
		const token = /^Bearer\s+(.+)$/i.exec(c.req.header("authorization") ?? "")?.[1] ?? "";
		const access = state.zoom.auth.verifyAccessToken(token);
		const profile = access === null ? undefined : state.zoom.profiles.get(access.userEmail);
		if (access === null || profile === undefined) {
			// A token the server still knows has expired; a revoked or made-up one is invalid. Both are code 124 (3.3).
			const expired = state.zoom.auth.ownerOf(token) !== undefined;
			throw zoomError(401, 124, expired ? "Access token is expired." : "Invalid access token.");
		}
		c.set("access", access);
		c.set("profile", profile);
		await next();
	});

	/** Names the endpoint for faults, then checks the token carries its scope (4711, 3.1; status unconfirmed, 400 here). */
	function endpoint(name: string): MiddlewareHandler<ZoomEnv> {
		const scopes: string[] = SCOPES[name] ?? [];
		const guard = faultGuard(() => state.faults, "zoom", name, zoomApiFaultError(name), oauthSubject(() => state.zoom.auth));
		return async function scoped(c, next): Promise<void> {
			await guard(c, async () => {
				if (!c.get("access").scope.some((s) => scopes.includes(s))) {
					throw zoomError(400, 4711, `Invalid access token, does not contain scopes:[${scopes[0] ?? ""}].`);
				}
				await next();
			});
		};
	}

	/** `me`, or the caller's own id or email; a user-managed app reaches no one else (1001, 3.3). */
	function ownUser(c: Context<ZoomEnv>): ZoomProfile {
		const profile = c.get("profile");
		const userId = c.req.param("userId") ?? "me";
		if (userId === "me" || userId === profile.id || userId.toLowerCase() === profile.email) return profile;
		throw zoomError(404, 1001, `User not exist: ${userId}.`);
	}

	/** The caller's live meeting: 3001 when unknown or deleted, 3003 when someone else hosts it. */
	function ownMeeting(c: Context<ZoomEnv>, hostOnly: boolean): string {
		const meetingId = c.req.param("meetingId") ?? "";
		const meeting = /^\d+$/.test(meetingId) ? state.zoom.meetings.get(meetingId) : undefined;
		if (meeting === undefined) throw meetingNotFound(meetingId);
		if (meeting.host_email !== c.get("profile").email) {
			if (hostOnly) throw zoomError(400, 3003, "Not meeting host.");
			throw meetingNotFound(meetingId);
		}
		return meetingId;
	}

	function countWrite(email: string): void {
		const refused = takeMeetingWrite(state.zoom.usage, email, state.zoom.settings.dailyMeetingWriteLimit, state.clock.now());
		if (refused !== null) throw refused;
	}

	app.get("/users/:userId", endpoint("users.me"), (c) => {
		const p = ownUser(c);
		return c.json({
			id: p.id,
			first_name: p.firstName,
			last_name: p.lastName,
			display_name: `${p.firstName} ${p.lastName}`.trim(),
			email: p.email,
			type: p.type,
			role_name: "Owner",
			pmi: p.pmi,
			use_pmi: false,
			personal_meeting_url: `https://zoom.us/j/${p.pmi}`,
			timezone: p.timezone,
			verified: 1,
			dept: "",
			created_at: p.createdAt,
			pic_url: "",
			language: "en-US",
			status: "active",
			role_id: "0",
			account_id: p.accountId,
		});
	});

	app.post("/users/:userId/meetings", endpoint("meetings.create"), async (c) => {
		const profile = ownUser(c);
		const change = parseMeetingChange(await jsonBody(c), profile.timezone);
		countWrite(profile.email);
		return c.json(state.zoom.meetings.create(hostOf(profile), change, state.clock.now()), 201);
	});

	app.get("/users/:userId/meetings", endpoint("meetings.list"), (c) => {
		const profile = ownUser(c);
		return c.json(state.zoom.meetings.list(profile.email, new URL(c.req.url).searchParams, state.clock.now()));
	});

	app.get("/meetings/:meetingId", endpoint("meetings.get"), (c) => {
		if (c.req.query("occurrence_id") !== undefined) throw zoomError(400, 3000, "Invalid occurrence_id.");
		return c.json(state.zoom.meetings.get(ownMeeting(c, false)));
	});

	app.patch("/meetings/:meetingId", endpoint("meetings.update"), async (c) => {
		const meetingId = ownMeeting(c, true);
		const current = state.zoom.meetings.get(meetingId);
		const change = parseMeetingChange(await jsonBody(c), current?.timezone ?? c.get("profile").timezone);
		if (change.type !== undefined && change.type !== current?.type) throw validationError("type");
		countWrite(c.get("profile").email);
		state.zoom.meetings.update(meetingId, change);
		return c.body(null, 204);
	});

	app.delete("/meetings/:meetingId", endpoint("meetings.delete"), (c) => {
		state.zoom.meetings.delete(ownMeeting(c, true));
		return c.body(null, 204);
	});
	return app;
}
