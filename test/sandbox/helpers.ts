// Test helpers for the sandbox: start it in-process, run a Google sign-in, receive webhooks.
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach } from "vitest";
import type { Sandbox } from "../../sandbox/server";
import { createSandbox } from "../../sandbox/server";

export const REDIRECT_URI = "http://127.0.0.1:9/callback";
export const GOOGLE_CLIENT = { id: "slotline-test-google", secret: "test-google-secret" };
export const CALENDAR_SCOPE = "https://www.googleapis.com/auth/calendar";

/**
 * A sandbox of this test file's own: started before its tests, reset before each one (hooks a file adds
 * later run after the reset), closed after them. `use` receives it, so the file can keep it in a variable.
 */
export function sandboxPerFile(use: (sandbox: Sandbox) => void): void {
	let started: Sandbox | undefined;
	beforeAll(async () => {
		started = await createSandbox({ port: 0 });
		use(started);
	});
	afterAll(async () => {
		await started?.close();
	});
	beforeEach(async () => {
		await fetch(`${started?.url}/_control/reset`, { method: "POST" });
	});
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
	return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

export function pkcePair(): { verifier: string; challenge: string } {
	const verifier = randomBytes(32).toString("base64url");
	return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export interface AuthorizeInput {
	email: string;
	scope: string;
	challenge?: string;
	nonce?: string;
	accessType?: string;
	redirectUri?: string;
}

/** Runs the authorize step with a login_hint shortcut and returns the code from the redirect. */
export async function authorizeCode(sandbox: Sandbox, input: AuthorizeInput): Promise<string> {
	const url = new URL(`${sandbox.url}/google/o/oauth2/v2/auth`);
	url.search = new URLSearchParams({
		client_id: GOOGLE_CLIENT.id,
		redirect_uri: input.redirectUri ?? REDIRECT_URI,
		response_type: "code",
		scope: input.scope,
		state: "st",
		login_hint: input.email,
		...(input.challenge === undefined ? {} : { code_challenge: input.challenge, code_challenge_method: "S256" }),
		...(input.nonce === undefined ? {} : { nonce: input.nonce }),
		...(input.accessType === undefined ? {} : { access_type: input.accessType }),
	}).toString();
	const res = await fetch(url, { redirect: "manual" });
	if (res.status !== 302) throw new Error(`authorize answered ${res.status}`);
	const location = new URL(res.headers.get("location") ?? "");
	const code = location.searchParams.get("code");
	if (code === null) throw new Error(`no code in ${location.toString()}`);
	return code;
}

export async function tokenRequest(sandbox: Sandbox, form: Record<string, string>): Promise<Response> {
	return fetch(`${sandbox.url}/google/token`, {
		method: "POST",
		headers: { "content-type": "application/x-www-form-urlencoded" },
		body: new URLSearchParams({ client_id: GOOGLE_CLIENT.id, client_secret: GOOGLE_CLIENT.secret, ...form }),
	});
}

export interface TokenSet {
	access_token: string;
	refresh_token?: string;
	id_token?: string;
	expires_in: number;
}

/** Creates the user (with a primary calendar) and returns tokens for the calendar scope. */
export async function googleSignIn(sandbox: Sandbox, email: string, scope = `openid email ${CALENDAR_SCOPE}`): Promise<TokenSet> {
	await postJson(`${sandbox.url}/_control/google/users`, { email });
	const { verifier, challenge } = pkcePair();
	const code = await authorizeCode(sandbox, { email, scope, challenge, accessType: "offline" });
	const res = await tokenRequest(sandbox, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
	if (res.status !== 200) throw new Error(`token answered ${res.status}`);
	return (await res.json()) as TokenSet;
}

export const MICROSOFT_CLIENT = { client_id: "slotline-test-microsoft", client_secret: "test-microsoft-secret" };

/** Creates the Microsoft user (with its default calendar) and signs in with PKCE through the login_hint shortcut. */
export async function microsoftSignIn(sandbox: Sandbox, email: string, scope = "openid offline_access Calendars.ReadWrite"): Promise<TokenSet> {
	await postJson(`${sandbox.url}/_control/microsoft/users`, { email });
	const { verifier, challenge } = pkcePair();
	const params = new URLSearchParams({ client_id: MICROSOFT_CLIENT.client_id, redirect_uri: REDIRECT_URI, response_type: "code", scope, login_hint: email, code_challenge: challenge, code_challenge_method: "S256" });
	const res = await fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/authorize?${params}`, { redirect: "manual" });
	const code = new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";
	const token = await fetch(`${sandbox.url}/microsoft/common/oauth2/v2.0/token`, {
		method: "POST",
		body: new URLSearchParams({ ...MICROSOFT_CLIENT, grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
	});
	if (token.status !== 200) throw new Error(`Microsoft token answered ${token.status}`);
	return (await token.json()) as TokenSet;
}

/** The echo a Graph notification endpoint must give: the decoded validationToken as text/plain, else 202. */
export function graphEcho(req: ReceivedRequest): ReceiverAnswer {
	const token = new URL(req.url, "http://x").searchParams.get("validationToken");
	return token === null ? { status: 202 } : { status: 200, body: token, contentType: "text/plain" };
}

export async function flush(sandbox: Sandbox): Promise<void> {
	await fetch(`${sandbox.url}/_control/flush`, { method: "POST" });
}

export function bearer(token: string): Record<string, string> {
	return { authorization: `Bearer ${token}` };
}

export interface ReceivedRequest {
	url: string;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}

export interface Receiver {
	url: string;
	received: ReceivedRequest[];
	close(): Promise<void>;
}

/** A tiny HTTP server that records what it receives; `respond` decides the answer. */
export interface ReceiverAnswer {
	status: number;
	body?: string;
	contentType?: string;
	/** Waits this long before answering (a slow receiver). */
	delayMs?: number;
}

export async function startReceiver(respond: (req: ReceivedRequest) => ReceiverAnswer = () => ({ status: 200 })): Promise<Receiver> {
	const received: ReceivedRequest[] = [];
	const server = createServer((req, res) => {
		let body = "";
		req.on("data", (chunk: Buffer) => {
			body += chunk.toString("utf8");
		});
		req.on("end", () => {
			const record = { url: req.url ?? "", headers: req.headers, body };
			received.push(record);
			const answer = respond(record);
			const reply = (): void => {
				if (res.destroyed) return;
				res.writeHead(answer.status, answer.contentType === undefined ? {} : { "content-type": answer.contentType });
				res.end(answer.body ?? "");
			};
			if (answer.delayMs === undefined) reply();
			else setTimeout(reply, answer.delayMs);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/hook`,
		received,
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}
