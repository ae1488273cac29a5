// Fuzzing every route the routers declare with random and malformed JSON bodies, query strings, path
// parameters and headers, signed in as the owner (with a valid CSRF token, so requests get past the
// guards) and anonymously: never a 5xx, and every 4xx from an API route is application/problem+json.
import { exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/web/app";
import { ORIGIN } from "../auth/harness";
import { adminWorld } from "../admin/support";
import type { AdminWorld } from "../admin/support";
import { expectNoLeaks, guardLeaks } from "../security/leak-guard";

/** Bounded so the whole file stays within seconds; the seed is printed on failure to replay it. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1500);

const guard = guardLeaks();
let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
	guard.addSecret("session token", world.owner.cookie);
});

interface Route {
	method: string;
	path: string;
}

function routes(): Route[] {
	const seen = new Map<string, Route>();
	for (const r of createApp().routes) if (r.method !== "ALL") seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path });
	return [...seen.values()];
}

/**
 * Routes that answer a person's browser rather than a script: HTML pages and redirects of sign-in
 * flows (their failures are pages or redirects), and the provider webhooks, which answer providers with
 * bare status codes as the providers specify.
 */
function isBrowserOrProviderRoute(method: string, path: string): boolean {
	return (
		path.startsWith("/webhooks/") ||
		/^\/(b|manage)\//.test(path) ||
		/^\/admin(\/(signin|calendar|setup|integrations))?$/.test(path) ||
		/^\/(signin|signup|reset-password|link-login|account|invitations\/accept)?$/.test(path) ||
		// GET /auth/verify-email is the emailed link (it redirects to a page); /auth/pending-login,
		// /auth/invitations and /auth/sign-in-errors/:code are JSON APIs and must answer problem+json.
		/^\/(auth\/(google|facebook)(\/callback)?|connect\/:provider\/callback)$/.test(path) ||
		(method === "GET" && path === "/auth/verify-email") ||
		path === "/admin/api/connect/:provider"
	);
}

const knownIds = ["svc_demo_cut", "stf_demo_ana", "bkg_rival", "res_demo_room1", "2030-01-07", "google", "demo", "rival"];

const paramValue = fc.oneof(
	fc.constantFrom(...knownIds),
	fc.string({ maxLength: 80 }),
	fc.string({ maxLength: 40, unit: "binary" }),
	fc.constantFrom("..", "%00", "%", "%E0%A4%A", "null", "undefined", "-1", "9".repeat(400), "<script>", "' or 1=1 --"),
);

const jsonValue = fc.jsonValue({ maxDepth: 4 });
/** Plausible-looking fields mixed with junk, so bodies reach deeper validation than a type error. */
const fieldish = fc.dictionary(
	fc.constantFrom("name", "email", "start", "end", "serviceId", "staffId", "timezone", "customer", "scope", "hours", "closed", "intervals", "price", "password", "token", "merchantNotes", "recurrence", "provider", "serverUrl", "signIn", "color", "durationMinutes", "__proto__", "constructor"),
	fc.oneof(jsonValue, fc.constantFrom("2030-01-07T10:00:00Z", "Europe/Amsterdam", "svc_demo_cut", "stf_demo_ana", "#abcdef", "a@b.c", -1, 1e308, "")),
);
const body = fc.oneof(
	fc.constant(undefined),
	jsonValue.map((v) => JSON.stringify(v)),
	fieldish.map((v) => JSON.stringify(v)),
	fc.string({ maxLength: 200 }),
	fc.constantFrom("{", "[", '{"a":', "null", "\u0000", '{"name": "\ud800"}', "{}".repeat(1000), '{"a":1,"a":2}'),
);
const query = fc.dictionary(
	fc.constantFrom("from", "to", "serviceId", "staffId", "timezone", "token", "view", "date", "booking", "local", "next", "returnTo", "validationToken", "link", "parent", "x"),
	fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom("2030-01-07", "2030-02-30", "Europe/Amsterdam", "Mars/Base", "svc_demo_cut", "stf_demo_ana", "1", "week", "9999-99-99")),
	{ maxKeys: 5 },
);
const headers = fc.record(
	{
		"content-type": fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", ""),
		"idempotency-key": fc.string({ maxLength: 300 }),
		authorization: fc.oneof(fc.constant("Bearer "), fc.string({ maxLength: 60 }).map((s) => `Bearer ${s}`), fc.string({ maxLength: 40 })),
		"accept-language": fc.string({ maxLength: 40 }),
		"x-goog-channel-id": fc.string({ maxLength: 40 }),
		"x-goog-channel-token": fc.string({ maxLength: 40 }),
	},
	{ requiredKeys: [] },
);

/** Header values must be ByteStrings without control characters, or fetch itself refuses them. */
function headerSafe(values: Record<string, string>): Record<string, string> {
	return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, "")]));
}

/** Signed in with the CSRF token, signed in without it (so form bodies are read for it), or anonymous. */
type Caller = "owner" | "owner without token header" | "anonymous";

/** The request as the real Worker receives it (its own not-found handler included), cookie and CSRF token set for a signed-in caller. */
function send(method: string, path: string, who: Caller, extra: Record<string, string>, payload: string | undefined): Promise<Response> {
	const headers = new Headers(headerSafe(extra));
	if (who !== "anonymous") {
		headers.set("cookie", `__Host-slotline_session=${world.owner.cookie}`);
		headers.set("origin", ORIGIN);
	}
	// Without the header the CSRF check reads the token from a form body, malformed ones included.
	if (who === "owner") headers.set("x-csrf-token", world.owner.csrfToken);
	return exports.default.fetch(`http://slotline.test${path}`, { method, headers, body: payload ?? null });
}

function concrete(path: string, params: string[]): string {
	let i = 0;
	return path.replace(/:([A-Za-z]+)/g, () => encodeURIComponent(params[i++] ?? "x"));
}

describe("fuzzing every route", () => {
	it("never answers 5xx, and API 4xx are problem+json", { timeout: 120_000 }, async () => {
		const all = routes();
		expect(all.length).toBeGreaterThan(80);
		let requests = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...all),
				fc.array(paramValue, { minLength: 3, maxLength: 3 }),
				query,
				body,
				headers,
				fc.constantFrom<Caller>("owner", "owner without token header", "anonymous"),
				async (route, params, q, payload, extra, who) => {
					const search = new URLSearchParams(q).toString();
					const path = `${concrete(route.path, params)}${search === "" ? "" : `?${search}`}`;
					const withBody = route.method !== "GET" && route.method !== "HEAD";
					const response = await send(route.method, path, who, extra, withBody ? payload : undefined);
					requests++;
					const type = response.headers.get("content-type") ?? "";
					const label = `${who} ${route.method} ${path} -> ${response.status} ${type}`;
					const text = await response.text();
					guard.record(label, `${[...response.headers].filter(([name]) => name !== "set-cookie").join("\n")}\n${text}`);
					expect({ label, serverError: response.status >= 500 ? text.slice(0, 300) : null }).toEqual({ label, serverError: null });
					if (response.status >= 400 && !isBrowserOrProviderRoute(route.method, route.path)) expect({ label, type }).toEqual({ label, type: "application/problem+json" });
				},
			),
			{ numRuns: RUNS },
		);
		expect(requests).toBeGreaterThanOrEqual(RUNS);
	});
});

expectNoLeaks(guard);
