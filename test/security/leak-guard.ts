// Evidence that nothing secret leaks: every response a security test reads and every console line
// written while it runs are scanned for the test env's secrets and for the tokens and passwords the
// run itself produced (sandbox OAuth tokens, calendar passwords, session tokens, sign-in passwords).
import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, expect, it, vi } from "vitest";
import type { MockInstance } from "vitest";
import { calendarConnections } from "../../src/db/schema";
import { CredentialVault } from "../../src/sync/credentials";
import { db } from "../auth/harness";

/** Shorter values would match by accident (and are not secrets worth the name). */
const MIN_SECRET_LENGTH = 8;
const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug"] as const;

export class LeakGuard {
	private readonly secrets = new Map<string, string>();
	/** Console spies installed by guardLeaks(); their calls are scanned by the closing check. */
	readonly consoleSpies = new Map<string, MockInstance<(...args: unknown[]) => void>>();
	private readonly texts: Array<{ where: string; text: string }> = [];

	constructor() {
		this.addSecret("SESSION_SECRET", env.SESSION_SECRET);
		this.addSecret("GOOGLE_CLIENT_SECRET", env.GOOGLE_CLIENT_SECRET);
		this.addSecret("MICROSOFT_CLIENT_SECRET", env.MICROSOFT_CLIENT_SECRET);
		this.addSecret("FACEBOOK_APP_SECRET", env.FACEBOOK_APP_SECRET);
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
		if (value !== null && value !== undefined && value.length >= MIN_SECRET_LENGTH) this.secrets.set(value, label);
	}

	record(where: string, text: string): void {
		this.texts.push({ where, text });
	}

	/** Records the body and headers (except Set-Cookie, which legitimately carries the session) of a response. */
	async response(where: string, response: Response): Promise<Response> {
		const headers = [...response.headers].filter(([name]) => name !== "set-cookie").map(([name, value]) => `${name}: ${value}`);
		this.record(where, `${headers.join("\n")}\n\n${await response.clone().text()}`);
		return response;
	}

	/** Opens every stored calendar credential and adds its tokens and password to the secrets. */
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
			}
		}
	}

	/** Each secret found, with where it was found. */
	findings(): string[] {
		const found: string[] = [];
		for (const { where, text } of this.texts) {
			for (const [secret, label] of this.secrets) if (text.includes(secret)) found.push(`${label} in ${where}`);
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
		for (const method of CONSOLE_METHODS) guard.consoleSpies.set(method, vi.spyOn(console, method) as MockInstance<(...args: unknown[]) => void>);
	});
	afterEach(async () => {
		await guard.collectStoredCredentials();
	});
	afterAll(() => {
		for (const spy of guard.consoleSpies.values()) spy.mockRestore();
	});
	return guard;
}

/** The closing check of a guarded file: its responses and log lines hold none of the secrets. */
export function expectNoLeaks(guard: LeakGuard): void {
	it("never put a secret, token or password in a response or a log line", () => {
		for (const [method, spy] of guard.consoleSpies) {
			for (const [n, call] of spy.mock.calls.entries()) guard.record(`console.${method} #${n}`, consoleLine(call));
		}
		expect(guard.scanned).toBeGreaterThan(0);
		expect(guard.findings()).toEqual([]);
	});
}
