// Test harness for the identity layer: the real app behind a recording mailer, a tiny cookie jar,
// and a small merchant to sign in to (test/support/seed.ts). Requests go through app.request with the workerd env.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { database } from "../../src/db/client";
import type { Database } from "../../src/db/client";
import { RecordingMailer } from "../../src/mail/recording-mailer";
import { createApp } from "../../src/web/app";
import type { AppEnv } from "../../src/web/context";
import { insertMerchant } from "../support/seed";

export const ORIGIN = new URL(env.APP_URL).origin;
export const PASSWORD = "correct horse battery";

export function uniqueEmail(label = "user"): string {
	return `${label}-${crypto.randomUUID()}@example.com`;
}

export function db(): Database {
	return database(env.DB);
}

export interface Browser {
	/** The session cookie value, as a browser would hold it ("" when none). */
	cookie: string;
	/** The provider sign-in flow cookie ("" when none). */
	oauthCookie: string;
	/** The pending provider login cookie ("" when none). */
	pendingCookie: string;
	csrfToken: string;
	ip: string;
}

export interface Harness {
	mailer: RecordingMailer;
	request(path: string, init?: RequestInit & { browser?: Browser; json?: unknown }): Promise<Response>;
	browser(): Browser;
}

/** The token in the newest mail's link to `to`. */
export function tokenFromMail(mailer: RecordingMailer, to: string): string {
	const message = mailer.lastTo(to);
	const match = message?.text.match(/[?&]token=([a-z0-9]+)/);
	if (match?.[1] === undefined) throw new Error(`no token in mail to ${to}`);
	return match[1];
}

export function harness(): Harness {
	const mailer = new RecordingMailer();
	const app = new Hono<AppEnv>();
	app.use(async (c, next) => {
		c.set("mailer", mailer);
		await next();
	});
	app.route("/", createApp());

	async function request(path: string, init: RequestInit & { browser?: Browser; json?: unknown } = {}): Promise<Response> {
		const { browser, json, ...rest } = init;
		const headers = new Headers(rest.headers);
		if (json !== undefined) headers.set("content-type", "application/json");
		if (browser !== undefined) {
			if (!headers.has("origin") && (rest.method ?? "GET") !== "GET") headers.set("origin", ORIGIN);
			const cookies = [];
			if (browser.cookie !== "") cookies.push(`__Host-slotline_session=${browser.cookie}`);
			if (browser.oauthCookie !== "") cookies.push(`__Host-slotline_oauth=${browser.oauthCookie}`);
			if (browser.pendingCookie !== "") cookies.push(`__Host-slotline_pending=${browser.pendingCookie}`);
			if (cookies.length > 0) headers.set("cookie", cookies.join("; "));
			if (browser.csrfToken !== "" && !headers.has("x-csrf-token")) headers.set("x-csrf-token", browser.csrfToken);
			headers.set("cf-connecting-ip", browser.ip);
		}
		const ctx = createExecutionContext();
		const body = json === undefined ? rest.body : JSON.stringify(json);
		const response = await app.request(`http://slotline.test${path}`, { ...rest, headers, body }, env, ctx);
		await waitOnExecutionContext(ctx);
		if (browser !== undefined) {
			for (const line of response.headers.getSetCookie()) {
				const match = line.match(/^__Host-slotline_session=([^;]*)/);
				if (match !== null) browser.cookie = match[1] ?? "";
				const flow = line.match(/^__Host-slotline_oauth=([^;]*)/);
				if (flow !== null) browser.oauthCookie = flow[1] ?? "";
				const pending = line.match(/^__Host-slotline_pending=([^;]*)/);
				if (pending !== null) browser.pendingCookie = pending[1] ?? "";
			}
			if (response.headers.get("content-type")?.includes("application/json") === true) {
				const copy = (await response.clone().json()) as { csrfToken?: unknown };
				if (typeof copy.csrfToken === "string") browser.csrfToken = copy.csrfToken;
			}
		}
		return response;
	}

	function browser(): Browser {
		// A distinct address per browser keeps per-IP limits of one test away from the others.
		const bytes = crypto.getRandomValues(new Uint8Array(3));
		return { cookie: "", oauthCookie: "", pendingCookie: "", csrfToken: "", ip: `10.${bytes[0]}.${bytes[1]}.${bytes[2]}` };
	}

	return { mailer, request, browser };
}

/** Signs up through the API; the browser then holds the session. */
export async function signUp(h: Harness, browser: Browser, email: string, password = PASSWORD): Promise<Response> {
	const response = await h.request("/auth/signup", { method: "POST", browser, json: { email, password } });
	if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${await response.text()}`);
	return response;
}

export async function signIn(h: Harness, browser: Browser, email: string, password = PASSWORD): Promise<Response> {
	return h.request("/auth/signin", { method: "POST", browser, json: { email, password } });
}

export interface SeededMerchant {
	merchantId: string;
	staffId: string;
	staffEmail: string;
	ownerEmail: string;
	ownerId: string;
}

/** A merchant with one owner (password PASSWORD) and one staff member without an account. */
export async function seedMerchant(): Promise<SeededMerchant> {
	const suffix = crypto.randomUUID();
	const shop = { merchantId: `mer_${suffix}`, staffId: `stf_${suffix}`, ownerId: `usr_${suffix}`, ownerEmail: uniqueEmail("owner"), staffEmail: uniqueEmail("staff") };
	await insertMerchant({
		id: shop.merchantId,
		slug: `shop-${suffix}`,
		name: "Chez Test",
		timezone: "Europe/Paris",
		settings: { tentativeBlocks: true, signIn: { google: true, facebook: false, password: true } },
		staff: [{ id: shop.staffId, name: "Sam Staff", email: shop.staffEmail, color: "#123456" }],
		services: [],
		owner: { id: shop.ownerId, email: shop.ownerEmail, password: PASSWORD, emailVerifiedAt: 1 },
	});
	return shop;
}
