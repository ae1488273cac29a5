#!/usr/bin/env node
// `npm start`: the whole product on this machine. Generates local secrets on first run, applies D1
// migrations, starts the provider sandbox on :8788 (its iCloud partition host on :8789) and `wrangler dev`
// on :8787, seeds the demo merchant (only if it does not exist yet), and fires the cron every 5 minutes
// because wrangler dev never does.
//
// It prints one line per step and then what a person needs; everything the tools print goes to a log
// file named in the output (`npm start -- --verbose` or SLOTLINE_VERBOSE=1 shows it live as well).
// Local state (D1, Durable Objects, the sandbox's users, grants and calendars, Radicale's storage) lives
// in one folder, so a second start comes back exactly as the first was left.
//
// Environment: PORT, SANDBOX_PORT, SANDBOX_PARTITION_PORT (the ports), SLOTLINE_STATE_DIR (the local
// state, default .wrangler/state), SLOTLINE_LOG (the log file, default .wrangler/logs/start.log).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { sandboxEndpoints } from "./sandbox-endpoints.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const APP_PORT = Number(process.env.PORT ?? 8787);
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 8788);
/** Fixed, not a free port: the demo's iCloud connection stores calendar URLs on this host. */
const PARTITION_PORT = Number(process.env.SANDBOX_PARTITION_PORT ?? 8789);
/** What the app and its OAuth redirects use; every printed URL uses this one host name. */
const APP_URL = `http://localhost:${APP_PORT}`;
const PRINTED_SANDBOX_URL = `http://localhost:${SANDBOX_PORT}`;
/**
 * What the app's Worker (workerd) uses to reach the sandbox: the address the sandbox binds, so no name
 * lookup can pick ::1 where nothing listens. Browsers reach the same server as localhost.
 */
const SANDBOX_URL = `http://127.0.0.1:${SANDBOX_PORT}`;
const STATE_DIR = resolve(root, process.env.SLOTLINE_STATE_DIR ?? join(".wrangler", "state"));
const LOG_FILE = resolve(root, process.env.SLOTLINE_LOG ?? join(".wrangler", "logs", "start.log"));
const VERBOSE = process.argv.includes("--verbose") || /^(1|true|yes)$/i.test(process.env.SLOTLINE_VERBOSE ?? "");
const CRON_EVERY_MS = 5 * 60 * 1000;
/** How long children get to stop after SIGTERM before they are killed. */
const STOP_GRACE_MS = 5000;
/**
 * The demo owner's password lives beside the local database it was set in, not in .dev.vars:
 * regenerating .dev.vars keeps the database, so the password has to stay with the database for the
 * printed sign-in to keep working.
 */
const DEMO_PASSWORD_FILE = join(STATE_DIR, "demo-owner-password");
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" };
const bin = (name) => join(root, "node_modules", ".bin", name);

mkdirSync(dirname(LOG_FILE), { recursive: true });
const log = createWriteStream(LOG_FILE, { flags: "w" });
const shown = (path) => relative(process.cwd(), path) || path;

function step(text) {
	console.log(`  ${text}`);
	log.write(`== ${text}\n`);
}

function secret(bytes = 32) {
	return randomBytes(bytes).toString("base64url");
}

/**
 * Creates .dev.vars from the example on first run, with fresh secrets where it says GENERATE. A .dev.vars
 * made by an earlier version gets the settings added to the example since (OPS_TOKEN, the Zoom ones), with
 * the example's value or a fresh secret; what it already has stays as it is.
 */
function ensureDevVars() {
	const target = join(root, ".dev.vars");
	const generated = {
		SESSION_SECRET: secret(),
		ENCRYPTION_KEYS: JSON.stringify({ current: "local1", keys: { local1: randomBytes(32).toString("base64") } }),
		DEMO_SEED_TOKEN: secret(),
		OPS_TOKEN: secret(),
	};
	const line = (name) => `${name}=${name === "ENCRYPTION_KEYS" ? `'${generated[name]}'` : generated[name]}`;
	const example = readFileSync(join(root, ".dev.vars.example"), "utf8");
	if (!existsSync(target)) {
		writeFileSync(target, example.replace(/^([A-Z0-9_]+)=GENERATE$/gm, (_, name) => line(name)), { mode: 0o600 });
		step("created .dev.vars with fresh local secrets");
		return;
	}
	const present = readDevVars();
	const missing = [...example.matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].filter(([, name]) => !(name in present));
	if (missing.length === 0) return;
	const text = readFileSync(target, "utf8");
	const added = missing.map(([whole, name, value]) => `${value === "GENERATE" ? line(name) : whole}\n`).join("");
	appendFileSync(target, `${text === "" || text.endsWith("\n") ? "" : "\n"}${added}`);
	step(`added ${missing.map(([, name]) => name).join(", ")} to .dev.vars`);
}

function readDevVars() {
	const vars = {};
	for (const line of readFileSync(join(root, ".dev.vars"), "utf8").split("\n")) {
		const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
		if (match) vars[match[1]] = match[2].replace(/^'(.*)'$/, "$1");
	}
	return vars;
}

/**
 * The demo owner's password for this local state, and whether the database already has it. A new
 * state takes DEMO_OWNER_PASSWORD from .dev.vars when set, or a fresh one.
 */
function demoOwnerPassword(devVars) {
	if (existsSync(DEMO_PASSWORD_FILE)) return { password: readFileSync(DEMO_PASSWORD_FILE, "utf8").trim(), known: true };
	const chosen = devVars.DEMO_OWNER_PASSWORD;
	return { password: chosen !== undefined && chosen !== "" && chosen !== "GENERATE" ? chosen : `demo-${secret(9)}`, known: false };
}

function rememberDemoOwnerPassword(password) {
	mkdirSync(dirname(DEMO_PASSWORD_FILE), { recursive: true });
	writeFileSync(DEMO_PASSWORD_FILE, `${password}\n`, { mode: 0o600 });
}

/** A child's output goes to the log, and live to the terminal with --verbose. */
function capture(name, stream, terminal) {
	let partial = "";
	stream.on("data", (chunk) => {
		const lines = (partial + String(chunk)).split("\n");
		partial = lines.pop() ?? "";
		for (const line of lines) {
			log.write(`[${name}] ${line}\n`);
			if (VERBOSE && line.trim() !== "") terminal.write(`[${name}] ${line}\n`);
		}
	});
}

/** The last lines of the log, for a failure message. */
function logTail(lines = 15) {
	try {
		return readFileSync(LOG_FILE, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
	} catch {
		return "";
	}
}

function fail(message) {
	console.error(`\n${message}\nLast lines of ${shown(LOG_FILE)}:\n${logTail()}`);
	void shutdown(1);
}

const children = [];
let shuttingDown;

/**
 * Each child runs in its own process group, so stopping kills what it started too (wrangler's workerd,
 * the sandbox's Radicale), and a Ctrl+C reaches the children only through us, once.
 */
function startChild(name, command, args, extraEnv = {}) {
	const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"], detached: true });
	capture(name, child.stdout, process.stdout);
	capture(name, child.stderr, process.stderr);
	const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
	child.once("error", (error) => log.write(`[${name}] ${error.message}\n`));
	void exited.then(({ code, signal }) => {
		if (shuttingDown === undefined) fail(`${name} exited (${signal ?? code}); stopping.`);
	});
	children.push({ child, exited });
	return exited;
}

function signalGroup(child, signal) {
	try {
		process.kill(-child.pid, signal);
	} catch {
		// the group is already gone
	}
}

/** Stops every child group (SIGTERM, then SIGKILL after a grace period) and exits once they are gone. */
function shutdown(code = 0) {
	shuttingDown ??= (async () => {
		if (code === 0) console.log("\nStopping…");
		for (const { child } of children) signalGroup(child, "SIGTERM");
		const killer = setTimeout(() => {
			for (const { child } of children) signalGroup(child, "SIGKILL");
		}, STOP_GRACE_MS);
		await Promise.all(children.map(({ exited }) => exited));
		// Group members that outlive their leader (a grandchild that ignored SIGTERM) go too.
		for (const { child } of children) signalGroup(child, "SIGKILL");
		clearTimeout(killer);
		if (code === 0) console.log("Stopped.");
		log.end(() => process.exit(code));
	})();
	return shuttingDown;
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));
process.on("SIGHUP", () => void shutdown(0));

async function waitFor(url, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (shuttingDown !== undefined) return;
		try {
			const res = await fetch(url);
			if (res.ok) return;
		} catch {
			// not up yet
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
}

/** Applies the D1 migrations to the local database; answers how many were new. */
async function applyMigrations() {
	log.write("== wrangler d1 migrations apply\n");
	const child = spawn(bin("wrangler"), ["d1", "migrations", "apply", "DB", "--local", "--persist-to", STATE_DIR], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
	let output = "";
	child.stdout.on("data", (chunk) => (output += chunk));
	capture("migrations", child.stdout, process.stdout);
	capture("migrations", child.stderr, process.stderr);
	const code = await new Promise((resolve) => child.once("exit", resolve));
	if (code !== 0) throw new Error(`applying the D1 migrations failed (exit ${code})`);
	return Number(/About to apply (\d+) migration/.exec(output)?.[1] ?? 0);
}

/**
 * .dev.vars points the app at the sandbox on its default port. When PORT or SANDBOX_PORT moves either
 * server, the app must follow, or it would talk to whatever else listens there; .dev.vars stays the
 * place to point it at real providers.
 */
function portOverrides() {
	if (process.env.PORT === undefined && process.env.SANDBOX_PORT === undefined) return [];
	const vars = { APP_URL, ...sandboxEndpoints(SANDBOX_URL) };
	return Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
}

/**
 * Tells the sandbox's Zoom where this app's webhooks go and the secret that signs them (Zoom's app
 * settings in production); it checks the endpoint with url_validation first, so the worker must be up.
 * A failure is said and the rest runs on: only Zoom's events (a removed app, a deleted meeting) are missed.
 */
async function registerZoomWebhook(devVars) {
	if (!devVars.ZOOM_WEBHOOK_SECRET) return;
	// The worker binds 127.0.0.1; the sandbox's own lookup of localhost could pick ::1.
	const url = `http://127.0.0.1:${APP_PORT}/webhooks/zoom`;
	try {
		const response = await fetch(`${SANDBOX_URL}/_control/zoom/webhook`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ url, secretToken: devVars.ZOOM_WEBHOOK_SECRET, clientId: devVars.ZOOM_CLIENT_ID }),
		});
		if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
		// Printed URLs all say localhost (the worker's address above); the sandbox is given the IP.
		step("Zoom webhooks registered with the sandbox");
	} catch (error) {
		step(`Zoom webhooks not set up (${error instanceof Error ? error.message : String(error)}); the rest runs without them`);
	}
}

async function main() {
	console.log(`Starting Slotline (log: ${shown(LOG_FILE)}${VERBOSE ? "" : "; --verbose shows it live"})`);
	ensureDevVars();
	const devVars = readDevVars();
	step(`migrations applied: ${await applyMigrations()}`);

	// One process with tsx's loader rather than the tsx CLI, which relays signals to a child of its own and
	// SIGKILLs it when the child has not confirmed the signal within 30 ms (a busy machine misses that).
	startChild("sandbox", process.execPath, ["--import", "tsx", "sandbox/main.ts"], {
		SANDBOX_PORT: String(SANDBOX_PORT),
		SANDBOX_PARTITION_PORT: String(PARTITION_PORT),
		SANDBOX_PUBLIC_URL: SANDBOX_URL,
		SANDBOX_STATE_DIR: join(STATE_DIR, "sandbox"),
		SLOTLINE_URL: APP_URL,
	});
	startChild("worker", bin("wrangler"), ["dev", "--port", String(APP_PORT), "--ip", "127.0.0.1", "--persist-to", STATE_DIR, "--show-interactive-dev-session=false", ...portOverrides()]);

	// The seed connects demo calendars in the sandbox, so both must answer first.
	await waitFor(`${SANDBOX_URL}/_control`, 90_000);
	if (shuttingDown !== undefined) return;
	step(`sandbox up: Google, Microsoft, Facebook, Zoom, iCloud (CalDAV) and the mailbox on ${PRINTED_SANDBOX_URL}`);
	await waitFor(`${APP_URL}/healthz`, 90_000);
	if (shuttingDown !== undefined) return;
	step(`worker up on ${APP_URL}`);
	await registerZoomWebhook(devVars);

	const owner = demoOwnerPassword(devVars);
	const seed = await fetch(`${APP_URL}/_dev/seed`, {
		method: "POST",
		headers: { "content-type": "application/json", "x-seed-token": devVars.DEMO_SEED_TOKEN },
		// State whose password we do not know (made before we kept one) gets ours, once.
		body: JSON.stringify({ ownerPassword: owner.password, resetOwnerPassword: !owner.known, sandboxUrl: SANDBOX_URL }),
	});
	if (!seed.ok) throw new Error(`seeding failed: ${seed.status} ${await seed.text()}`);
	if (!owner.known) rememberDemoOwnerPassword(owner.password);
	const demo = await seed.json();
	step(`demo seeded: merchant "${demo.merchantSlug}"`);
	console.log(`
Slotline is running.
  Booking page:  ${APP_URL}/b/${demo.merchantSlug}
  Admin:         ${APP_URL}/admin
    sign in as   ${demo.ownerEmail}
    password     ${owner.password}
  Public API:    ${APP_URL}/api/v1/m/${demo.merchantSlug}/services   (OpenAPI: ${APP_URL}/api/openapi.json)
  Health:        ${APP_URL}/healthz
  Mailbox:       ${PRINTED_SANDBOX_URL}/mail
  Sandbox:       ${PRINTED_SANDBOX_URL}/   (control API: ${PRINTED_SANDBOX_URL}/_control)
Press Ctrl+C to stop.`);

	// wrangler dev never fires Cron Triggers by itself; this stands in for the */5 schedule.
	setInterval(() => {
		fetch(`${APP_URL}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`).catch(() => undefined);
	}, CRON_EVERY_MS).unref();
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
