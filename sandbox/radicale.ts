// Runs a Radicale (real CalDAV server) on 127.0.0.1 with htpasswd users, in a temporary storage folder or a kept one.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findRadicale } from "../scripts/system-deps.mjs";
import { basicAuthorization, createCalendarCollection } from "./caldav/mkcalendar";
import type { CalendarComponent } from "./caldav/mkcalendar";

export interface RadicaleOptions {
	/** 0 or absent: Radicale binds a free port and we read it from its log. */
	port?: number;
	/** Seconds an unused sync token is kept (Radicale's default is 30 days). */
	maxSyncTokenAgeSeconds?: number;
	/** Path of the radicale executable; defaults to findRadicale(). */
	binary?: string;
	/**
	 * Folder for storage and users, kept on close and reused by the next start (its users are loaded, so addUser
	 * keeps them). Absent: a temporary folder, removed on close and when the process exits.
	 */
	dir?: string;
}

export interface Radicale {
	/** Base URL without a trailing slash, e.g. http://127.0.0.1:40123. A user's collections live under `${url}/${user}/`. */
	url: string;
	/** Adds or replaces an htpasswd user; Radicale re-reads the file on every login. */
	addUser(name: string, password: string): Promise<void>;
	/** Extended MKCOL of `${url}/${user}/${slug}/` (VEVENT only unless `components` says otherwise); returns the collection URL. */
	createCalendar(user: string, password: string, slug: string, displayName: string, components?: CalendarComponent[]): Promise<string>;
	/** Deletes every stored sync token, so the next sync-collection with an old token fails `valid-sync-token` (403). */
	forgetSyncTokens(): Promise<void>;
	close(): Promise<void>;
}

export class RadicaleStartError extends Error {}

const START_TIMEOUT_MS = 15_000;

/** Where radicale is looked for ($RADICALE_BIN, PATH, /usr/bin): one answer for the installer and the sandbox. */
export { findRadicale };

function configText(dir: string, port: number, maxSyncTokenAge: number): string {
	// Plain htpasswd: a throwaway local server with test passwords; md5/bcrypt would need hashing code or passlib[bcrypt].
	return [
		"[server]",
		`hosts = 127.0.0.1:${port}`,
		"max_connections = 32",
		"[auth]",
		"type = htpasswd",
		`htpasswd_filename = ${join(dir, "users")}`,
		"htpasswd_encryption = plain",
		// Radicale sleeps this long after a wrong password; tests of 401 should not wait.
		"delay = 0",
		"[rights]",
		"type = owner_only",
		"[storage]",
		`filesystem_folder = ${join(dir, "collections")}`,
		`max_sync_token_age = ${maxSyncTokenAge}`,
		"[web]",
		"type = none",
		"[logging]",
		// info prints the bound address, which we need when the port is 0; passwords stay masked.
		"level = info",
		"mask_passwords = True",
		"",
	].join("\n");
}

function validUser(name: string, password: string): void {
	if (!/^[A-Za-z0-9._@+-]+$/.test(name)) throw new RangeError(`radicale user names are limited to [A-Za-z0-9._@+-]: ${JSON.stringify(name)}`);
	if (password === "" || /[\r\n]/.test(password)) throw new RangeError("radicale passwords must be non-empty and single-line");
}

function waitForListening(child: ChildProcess, logTail: () => string): Promise<number> {
	return new Promise((resolve, reject) => {
		let buffered = "";
		const timer = setTimeout(() => fail(new RadicaleStartError(`radicale did not start within ${START_TIMEOUT_MS} ms:\n${logTail()}`)), START_TIMEOUT_MS);
		function onData(chunk: Buffer): void {
			buffered += chunk.toString("utf8");
			const match = /Listening on '\[?127\.0\.0\.1\]?:(\d+)'/.exec(buffered);
			if (match?.[1] !== undefined) done(Number(match[1]));
		}
		function onExit(code: number | null): void {
			fail(new RadicaleStartError(`radicale exited (code ${code}) before listening:\n${logTail()}`));
		}
		function cleanup(): void {
			clearTimeout(timer);
			child.stderr?.off("data", onData);
			child.stdout?.off("data", onData);
			child.off("exit", onExit);
		}
		function done(port: number): void {
			cleanup();
			resolve(port);
		}
		function fail(error: Error): void {
			cleanup();
			reject(error);
		}
		child.stderr?.on("data", onData);
		child.stdout?.on("data", onData);
		child.on("exit", onExit);
	});
}

/** Polls until Radicale answers HTTP (the socket is bound before the app is ready). */
async function waitForHttp(url: string): Promise<void> {
	const deadline = Date.now() + START_TIMEOUT_MS;
	for (;;) {
		try {
			const response = await fetch(`${url}/.well-known/caldav`, { redirect: "manual" });
			await response.arrayBuffer();
			return;
		} catch (error) {
			if (Date.now() > deadline) throw new RadicaleStartError(`radicale at ${url} never answered: ${String(error)}`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
}

/** The users of an htpasswd file written by this module (plain `name:password` lines); empty when there is none. */
async function readUsers(htpasswd: string): Promise<Map<string, string>> {
	const text = await readFile(htpasswd, "utf8").catch((error: NodeJS.ErrnoException) => {
		if (error.code === "ENOENT") return "";
		throw error;
	});
	const users = new Map<string, string>();
	for (const line of text.split("\n")) {
		const colon = line.indexOf(":");
		if (colon > 0) users.set(line.slice(0, colon), line.slice(colon + 1));
	}
	return users;
}

export async function startRadicale(options: RadicaleOptions = {}): Promise<Radicale> {
	const binary = options.binary ?? findRadicale();
	if (binary === undefined) throw new RadicaleStartError("radicale is not installed (apt-get install radicale, or set RADICALE_BIN)");
	const kept = options.dir !== undefined;
	const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "slotline-radicale-")));
	if (kept) await mkdir(dir, { recursive: true, mode: 0o700 });
	const htpasswd = join(dir, "users");
	const users = kept ? await readUsers(htpasswd) : new Map<string, string>();
	const collections = join(dir, "collections");

	async function writeUsers(): Promise<void> {
		// Write then rename, so a login never reads a half-written file.
		const temp = `${htpasswd}.tmp`;
		await writeFile(temp, [...users].map(([name, password]) => `${name}:${password}\n`).join(""), { mode: 0o600 });
		await rename(temp, htpasswd);
	}
	await writeUsers();
	await writeFile(join(dir, "config"), configText(dir, options.port ?? 0, options.maxSyncTokenAgeSeconds ?? 2_592_000));

	const log: string[] = [];
	const logTail = (): string => log.slice(-20).join("");
	const child = spawn(binary, ["--config", join(dir, "config")], { stdio: ["ignore", "pipe", "pipe"] });
	const remember = (chunk: Buffer): void => {
		log.push(chunk.toString("utf8"));
		if (log.length > 50) log.shift();
	};
	child.stdout.on("data", remember);
	child.stderr.on("data", remember);
	// Never leave a Radicale behind when the Node process exits without calling close().
	const killOnExit = (): void => {
		child.kill("SIGKILL");
		if (!kept) rmSync(dir, { recursive: true, force: true });
	};
	process.once("exit", killOnExit);
	const spawnFailure = new Promise<never>((_, reject) => child.once("error", (error) => reject(new RadicaleStartError(`cannot run ${binary}: ${error.message}`))));

	let url: string;
	try {
		const port = await Promise.race([waitForListening(child, logTail), spawnFailure]);
		url = `http://127.0.0.1:${port}`;
		await waitForHttp(url);
	} catch (error) {
		child.kill("SIGKILL");
		process.off("exit", killOnExit);
		if (!kept) await rm(dir, { recursive: true, force: true });
		throw error;
	}

	let closed: Promise<void> | undefined;
	return {
		url,
		async addUser(name, password): Promise<void> {
			validUser(name, password);
			users.set(name, password);
			await writeUsers();
		},
		async createCalendar(user, password, slug, displayName, components): Promise<string> {
			const collection = `${url}/${encodeURIComponent(user)}/${encodeURIComponent(slug)}/`;
			await createCalendarCollection({ url: collection, authorization: basicAuthorization(user, password), displayName, components });
			return collection;
		},
		async forgetSyncTokens(): Promise<void> {
			const entries = await readdir(collections, { recursive: true, withFileTypes: true }).catch(() => []);
			for (const entry of entries) {
				const parent = entry.parentPath;
				if (entry.isDirectory() && entry.name === "sync-token" && parent.endsWith(".Radicale.cache")) {
					await rm(join(parent, entry.name), { recursive: true, force: true });
				}
			}
		},
		close(): Promise<void> {
			closed ??= (async (): Promise<void> => {
				process.off("exit", killOnExit);
				if (child.exitCode === null && child.signalCode === null) {
					const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
					child.kill("SIGTERM");
					const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
					await exited;
					clearTimeout(timer);
				}
				if (!kept) await rm(dir, { recursive: true, force: true });
			})();
			return closed;
		},
	};
}
