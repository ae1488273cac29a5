// Test helpers for the Zoom stand-in: an account, a sign-in through the authorize shortcut, the token endpoint
// with Basic client credentials, and API calls.
import type { Sandbox } from "../../sandbox/server";
import { pkcePair, postJson, REDIRECT_URI } from "./helpers";

export const ZOOM_CLIENT = { id: "slotline-test-zoom", secret: "test-zoom-secret" };

export interface ZoomTokens {
	access_token: string;
	refresh_token: string;
	expires_in: number;
	token_type: string;
	scope: string;
}

export function basicAuth(id = ZOOM_CLIENT.id, secret = ZOOM_CLIENT.secret): Record<string, string> {
	return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` };
}

export async function zoomToken(sandbox: Sandbox, form: Record<string, string>, headers: Record<string, string> = basicAuth()): Promise<Response> {
	return fetch(`${sandbox.url}/zoom/oauth/token`, {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
		body: new URLSearchParams(form),
	});
}

/** The authorize step through the login_hint shortcut; returns the code. */
export async function zoomCode(sandbox: Sandbox, email: string, extra: Record<string, string> = {}): Promise<string> {
	const params = new URLSearchParams({ response_type: "code", client_id: ZOOM_CLIENT.id, redirect_uri: REDIRECT_URI, state: "st", login_hint: email, ...extra });
	const res = await fetch(`${sandbox.url}/zoom/oauth/authorize?${params}`, { redirect: "manual" });
	if (res.status !== 302) throw new Error(`Zoom authorize answered ${res.status}`);
	const code = new URL(res.headers.get("location") ?? "").searchParams.get("code");
	if (code === null) throw new Error(`no code in ${res.headers.get("location") ?? ""}`);
	return code;
}

/** Creates the Zoom account and connects it with PKCE. */
export async function zoomSignIn(sandbox: Sandbox, email: string, user: Record<string, unknown> = {}): Promise<ZoomTokens> {
	await postJson(`${sandbox.url}/_control/zoom/users`, { email, ...user });
	const { verifier, challenge } = pkcePair();
	const code = await zoomCode(sandbox, email, { code_challenge: challenge, code_challenge_method: "S256" });
	const res = await zoomToken(sandbox, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
	if (res.status !== 200) throw new Error(`Zoom token answered ${res.status}: ${await res.text()}`);
	return (await res.json()) as ZoomTokens;
}

/** One call to the Zoom API (JSON body when given). */
export async function zoomApi(sandbox: Sandbox, token: string, method: string, path: string, body?: unknown): Promise<Response> {
	const headers: Record<string, string> = { authorization: `Bearer ${token}` };
	if (body !== undefined) headers["content-type"] = "application/json";
	return fetch(`${sandbox.url}/zoom/v2${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

export interface CreatedMeeting {
	id: number;
	uuid: string;
	join_url: string;
	start_url: string;
	password: string;
	topic: string;
	agenda: string;
	start_time: string;
	duration: number;
	timezone: string;
	host_id: string;
}

export const MEETING = { topic: "Intro call", type: 2, start_time: "2026-09-01T14:00:00Z", duration: 30, timezone: "Europe/Berlin", agenda: "Slotline booking b_1" };

export async function createMeeting(sandbox: Sandbox, token: string, body: Record<string, unknown> = MEETING): Promise<CreatedMeeting> {
	const res = await zoomApi(sandbox, token, "POST", "/users/me/meetings", body);
	if (res.status !== 201) throw new Error(`create meeting answered ${res.status}: ${await res.text()}`);
	return (await res.json()) as CreatedMeeting;
}

/** The host's live meetings as the sandbox holds them. */
export async function storedMeetings(sandbox: Sandbox, host: string): Promise<CreatedMeeting[]> {
	const res = await fetch(`${sandbox.url}/_control/zoom/meetings?host=${encodeURIComponent(host)}`);
	return ((await res.json()) as { meetings: CreatedMeeting[] }).meetings;
}
