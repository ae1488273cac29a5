// What the connection route tests share: a request helper that keeps every response body (so a test can
// check afterwards that no token ever appeared in one) and the demo owner signed in.
import { expect } from "vitest";
import { DEMO_OWNER_EMAIL } from "../../src/demo/seed";
import { signIn } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";

/** Every response body `call` answered since the list was last emptied (each test's beforeEach empties it). */
export const responses: string[] = [];

/** A request as `browser`, with `extraCookie` (a flow cookie) beside its session; its body is kept in `responses`. */
export async function call(h: Harness, browser: Browser, path: string, init: RequestInit & { json?: unknown; extraCookie?: string } = {}): Promise<Response> {
	const { extraCookie, ...rest } = init;
	let response: Response;
	if (extraCookie === undefined) {
		response = await h.request(path, { ...rest, browser });
	} else {
		const headers = new Headers(rest.headers);
		headers.set("cookie", `__Host-slotline_session=${browser.cookie}; ${extraCookie}`);
		response = await h.request(path, { ...rest, headers });
	}
	responses.push(await response.clone().text());
	return response;
}

export async function ownerBrowser(h: Harness): Promise<Browser> {
	const browser = h.browser();
	expect((await signIn(h, browser, DEMO_OWNER_EMAIL)).status).toBe(200);
	return browser;
}
