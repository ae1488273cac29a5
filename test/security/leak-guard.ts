// Evidence that nothing secret leaks: the responses a test reads and the console lines written while it
// runs are scanned for the test env's secrets and for the tokens and passwords the run itself produced or
// saw (passwords typed, links mailed, session and flow cookies, OAuth codes, the tokens providers issued
// to the Worker, sealed calendar credentials and ICS feed URLs).
//
// Use: `const guard = guardLeaks()` at the top of a file (console spied for the whole file, stored
// credentials collected after each test) and `expectNoLeaks(guard)` after its tests; inside a test,
// `guard.watch(harness())` records every response of that harness and learns its browsers' cookies,
// `guard.watchProviders()` learns what the sandbox's token endpoints hand the Worker, and
// `guard.collectMail(mailer)` learns the tokens in mailed links. A single test may also build a
// `new LeakGuard()` and call `captureConsole()` / `findings()` itself (the fault suite does).
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import { calendarConnections } from "../../src/db/schema";
import type { MailMessage } from "../../src/mail/mailer";
import { CredentialVault } from "../../src/sync/credentials";
import { db } from "../auth/harness";
import type { Browser, Harness } from "../auth/harness";

/** Shorter values would match by accident (and are not secrets worth the name). */
const MIN_SECRET_LENGTH = 8;
const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug"] as const;
/** Query parameters that carry a secret wherever they appear (mailed links, OAuth callbacks). */
const SECRET_PARAMETERS = ["token", "code", "code_verifier", "refresh_token", "access_token", "id_token", "client_secret"];
/** Token endpoint answers (OAuth, Facebook's Graph) name their secrets so. */
const ISSUED_TOKENS = ["access_token", "refresh_token", "id_token"];

export class LeakGuard {
	private readonly secrets = new Map<string, string>();
	/** What was scanned; `allowed` are secrets the text may hold because its own request carried them. */
	private readonly texts: Array<{ where: string; text: string; allowed: ReadonlySet<string> }> = [];
	/** Console lines written since captureConsole(); findings() scans them. */
	private readonly lines: Array<{ method: string; text: string }> = [];
	private readonly releases: Array<() => void> = [];
	private consoleRecorded = 0;

	constructor() {
		this.addSecret("SESSION_SECRET", env.SESSION_SECRET);
		this.addSecret("GOOGLE_CLIENT_SECRET", env.GOOGLE_CLIENT_SECRET);
		this.addSecret("MICROSOFT_CLIENT_SECRET", env.MICROSOFT_CLIENT_SECRET);
		this.addSecret("FACEBOOK_APP_SECRET", env.FACEBOOK_APP_SECRET);
		this.addSecret("ZOOM_CLIENT_SECRET", env.ZOOM_CLIENT_SECRET);
		this.addSecret("ZOOM_WEBHOOK_SECRET", env.ZOOM_WEBHOOK_SECRET);
		this.addSecret("DEMO_SEED_TOKEN", env.DEMO_SEED_TOKEN);
		this.addSecret("OPS_TOKEN", env.OPS_TOKEN);
		const keyring = JSON.parse(env.ENCRYPTION_KEYS) as { keys: Record<string, string> };
		for (const [id, material] of Object.entries(keyring.keys)) {
			this.addSecret(`ENCRYPTION_KEYS.${id}`, material);
			// The same key bytes as hex or base64url would be the same leak.
			const bytes = Uint8Array.from(atob(material), (ch) => ch.charCodeAt(0));
			this.addSecret(`ENCRYPTION_KEYS.${id} (hex)`, [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(""));
			this.addSecret(`ENCRYPTION_KEYS.${id} (base64url)`, material.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, ""));
		}
	}

	addSecret(label: string, value: string | null | undefined): void {
		if (value === null || value === undefined || value.length < MIN_SECRET_LENGTH) return;
		this.secrets.set(value, label);
		// A value that percent-encoding changes can leak in either form (a token in a URL, a password in a form body).
		const encoded = encodeURIComponent(value);
		if (encoded !== value) this.secrets.set(encoded, `${label} (URL-encoded)`);
	}

	record(where: string, text: string, allowed: ReadonlySet<string> = new Set()): void {
		this.texts.push({ where, text, allowed });
	}

	/**
	 * Records the body and headers (except Set-Cookie, which legitimately carries the session) of a
	 * response. `allowed`: secrets it may hold, see watch().
	 */
	async response(where: string, response: Response, allowed: ReadonlySet<string> = new Set()): Promise<Response> {
		const headers = [...response.headers].filter(([name]) => name !== "set-cookie").map(([name, value]) => `${name}: ${value}`);
		this.record(where, `${headers.join("\n")}\n\n${await response.clone().text()}`, allowed);
		return response;
	}

	/** A browser's cookies are its credentials: in a Set-Cookie header only, never in a body or another header. */
	addBrowser(browser: Browser): void {
		this.addSecret("session token", browser.cookie);
		this.addSecret("sign-in flow cookie", browser.oauthCookie);
		this.addSecret("pending login cookie", browser.pendingCookie);
	}

	/** The secret query parameters of a URL the test itself opened (a mailed link, an OAuth callback). */
	addUrlSecrets(label: string, url: string): void {
		const parsed = new URL(url, "http://slotline.test");
		for (const name of SECRET_PARAMETERS) this.addSecret(`${label} ${name}`, parsed.searchParams.get(name));
	}


	/** Every token in mailed links: the mail is where they belong, nowhere else. */
	collectMail(mail: { outbox: MailMessage[] } | MailMessage[]): void {
		const messages = Array.isArray(mail) ? mail : mail.outbox;
		for (const message of messages) {
			for (const match of `${message.text}\n${message.html ?? ""}`.matchAll(/https?:\/\/[^\s"'<>]+/g)) this.addUrlSecrets(`link mailed to ${message.to}`, match[0].replaceAll("&amp;", "&"));
		}
	}

	/**
	 * Wraps a test harness: every response it answers is recorded, the secret parameters of every path
	 * it is asked for are learnt, and so are the cookies its browsers hold afterwards. A page may hold a
	 * token of its own URL (the reset page opened from the mailed link posts it back): it tells the
	 * browser nothing it did not send; anywhere else that token is a leak.
	 */
	watch(h: Harness): Harness {
		return {
			...h,
			request: async (path, init = {}) => {
				this.addUrlSecrets(`request ${path.split("?")[0]}`, path);
				const response = await h.request(path, init);
				await this.response(`${init.method ?? "GET"} ${path.split("?")[0]}`, response, urlSecrets(path));
				if (init.browser !== undefined) this.addBrowser(init.browser);
				return response;
			},
		};
	}

	/**
	 * Learns what the sandbox's token endpoints hand the Worker (access, refresh and ID tokens) and the
	 * codes and verifiers it sends them, by watching the Worker's outgoing requests. Every request goes
	 * through unchanged: this only looks.
	 */
	watchProviders(): void {
		const real = globalThis.fetch.bind(globalThis);
		vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
			const request = new Request(input, init);
			if (request.method === "POST" && (request.headers.get("content-type") ?? "").includes("application/x-www-form-urlencoded")) {
				const form = new URLSearchParams(new TextDecoder().decode(await request.clone().arrayBuffer()));
				for (const name of SECRET_PARAMETERS) this.addSecret(`${name} sent to ${new URL(request.url).pathname}`, form.get(name));
			}
			this.addUrlSecrets(`request to ${new URL(request.url).pathname}`, request.url);
			const response = await real(request);
			if ((response.headers.get("content-type") ?? "").includes("json")) {
				const body = (await response.clone().json().catch(() => null)) as Record<string, unknown> | null;
				for (const name of ISSUED_TOKENS) if (typeof body?.[name] === "string") this.addSecret(`${name} from ${new URL(request.url).pathname}`, body[name] as string);
			}
			const location = response.headers.get("location");
			if (location !== null) this.addUrlSecrets(`redirect from ${new URL(request.url).pathname}`, location);
			return response;
		});
	}

	/** Opens every stored calendar credential: its tokens, password or feed URL become secrets. */
	async collectStoredCredentials(): Promise<void> {
		const vault = new CredentialVault(env.ENCRYPTION_KEYS);
		const rows = await db().select({ credentials: calendarConnections.credentials, keyId: calendarConnections.credentialsKeyId }).from(calendarConnections).all();
		for (const row of rows) {
			if (row.credentials === null || row.keyId === null) continue;
			this.addSecret("sealed credentials (ciphertext)", row.credentials);
			const open = await vault.open({ ciphertext: row.credentials, keyId: row.keyId });
			if (open.kind === "oauth") {
				this.addSecret("OAuth access token", open.accessToken);
				this.addSecret("OAuth refresh token", open.refreshToken);
			} else if (open.kind === "password") {
				this.addSecret("calendar password", open.password);
			} else if (open.kind === "feed") {
				this.addSecret("ICS feed URL", open.url);
			}
		}
	}

	/**
	 * Captures the console until releaseConsole(); `silent` keeps the lines out of the output. Patched by
	 * hand rather than with vi.spyOn, so a test's vi.restoreAllMocks() cannot end the capture early.
	 */
	captureConsole(options: { silent: boolean }): void {
		for (const method of CONSOLE_METHODS) {
			const original = console[method];
			console[method] = (...args: unknown[]): void => {
				this.lines.push({ method, text: consoleLine(args) });
				if (!options.silent) original.apply(console, args);
			};
			this.releases.push(() => {
				console[method] = original;
			});
		}
	}

	releaseConsole(): void {
		for (const release of this.releases.splice(0).reverse()) release();
	}

	/** The console lines captured so far. */
	consoleLines(): ReadonlyArray<{ method: string; text: string }> {
		return this.lines;
	}

	private recordConsole(): void {
		for (; this.consoleRecorded < this.lines.length; this.consoleRecorded++) {
			const line = this.lines[this.consoleRecorded];
			if (line !== undefined) this.record(`console.${line.method} #${this.consoleRecorded}`, line.text);
		}
	}

	/** Each secret found, with where it was found (console lines captured so far included). */
	findings(): string[] {
		this.recordConsole();
		const found: string[] = [];
		for (const { where, text, allowed } of this.texts) {
			for (const [secret, label] of this.secrets) if (text.includes(secret) && !allowed.has(secret)) found.push(`${label} in ${where}`);
		}
		return found;
	}

	get scanned(): number {
		return this.texts.length;
	}

	get secretCount(): number {
		return this.secrets.size;
	}
}

/** The secret query parameter values of a URL, as they are and percent-encoded. */
function urlSecrets(url: string): Set<string> {
	const parsed = new URL(url, "http://slotline.test");
	const values = new Set<string>();
	for (const name of SECRET_PARAMETERS) {
		const value = parsed.searchParams.get(name);
		if (value !== null) values.add(value).add(encodeURIComponent(value));
	}
	return values;
}

function consoleLine(args: unknown[]): string {
	return args
		.map((arg) => {
			if (typeof arg === "string") return arg;
			if (arg instanceof Error) return `${arg.name}: ${arg.message}\n${arg.stack ?? ""}`;
			try {
				return JSON.stringify(arg);
			} catch {
				return String(arg);
			}
		})
		.join(" ");
}

/**
 * Installs the guard for one test file: spies on console (calls still go through), collects stored
 * credentials after each test (before the next test's storage reset) and registers a final test
 * that fails on any finding. Call at the top level of the file, after its other tests.
 */
export function guardLeaks(): LeakGuard {
	const guard = new LeakGuard();
	beforeAll(() => {
		guard.captureConsole({ silent: false });
	});
	afterEach(async () => {
		await guard.collectStoredCredentials();
	});
	afterAll(() => {
		guard.releaseConsole();
	});
	return guard;
}

/** The closing check of a guarded file: its responses and log lines hold none of the secrets. */
export function expectNoLeaks(guard: LeakGuard): void {
	it("never put a secret, token or password in a response or a log line", () => {
		const findings = guard.findings();
		expect(guard.scanned).toBeGreaterThan(0);
		expect(findings).toEqual([]);
	});
}
