#!/usr/bin/env node
// `npm start`: the whole product on this machine. Generates local secrets on first run, applies D1
// migrations, starts the provider sandbox on :8788 and `wrangler dev` on :8787, seeds the demo
// merchant (only if it does not exist yet), and fires the cron every 5 minutes because wrangler
// dev never does.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const APP_PORT = Number(process.env.PORT ?? 8787);
const SANDBOX_PORT = Number(process.env.SANDBOX_PORT ?? 8788);
const APP_URL = `http://localhost:${APP_PORT}`;
const SANDBOX_URL = `http://127.0.0.1:${SANDBOX_PORT}`;
const CRON_EVERY_MS = 5 * 60 * 1000;
/**
 * The demo owner's password lives beside the local database it was set in (wrangler's default
 * state directory), not in .dev.vars: regenerating .dev.vars keeps the database, so the password
 * has to stay with the database for the printed sign-in to keep working.
 */
const DEMO_PASSWORD_FILE = join(root, ".wrangler", "state", "demo-owner-password");
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

function secret(bytes = 32) {
	return randomBytes(bytes).toString("base64url");
}

/** Creates .dev.vars from the example on first run, with fresh secrets where it says GENERATE. */
function ensureDevVars() {
	const target = join(root, ".dev.vars");
	if (existsSync(target)) return;
	const generated = {
		SESSION_SECRET: secret(),
		ENCRYPTION_KEYS: JSON.stringify({ current: "local1", keys: { local1: randomBytes(32).toString("base64") } }),
		DEMO_SEED_TOKEN: secret(),
	};
	const text = readFileSync(join(root, ".dev.vars.example"), "utf8").replace(
		/^([A-Z0-9_]+)=GENERATE$/gm,
		(_, name) => `${name}=${name === "ENCRYPTION_KEYS" ? `'${generated[name]}'` : generated[name]}`,
	);
	writeFileSync(target, text, { mode: 0o600 });
	console.log("Created .dev.vars with fresh local secrets.");
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

function run(command, args) {
	const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit" });
	if (result.status !== 0) {
		console.error(`${command} ${args.join(" ")} failed`);
		process.exit(result.status ?? 1);
	}
}

const children = [];
function startChild(name, command, args, extraEnv = {}) {
	const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
	const prefix = (line) => (line.trim() === "" ? "" : `[${name}] ${line}\n`);
	child.stdout.on("data", (chunk) => process.stdout.write(String(chunk).split("\n").map(prefix).join("")));
	child.stderr.on("data", (chunk) => process.stderr.write(String(chunk).split("\n").map(prefix).join("")));
	child.on("exit", (code, signal) => {
		if (!shuttingDown) {
			console.error(`${name} exited (${signal ?? code}); stopping.`);
			shutdown(1);
		}
	});
	children.push(child);
	return child;
}

let shuttingDown = false;
function shutdown(code = 0) {
	shuttingDown = true;
	for (const child of children) child.kill("SIGTERM");
	setTimeout(() => process.exit(code), 500).unref();
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

async function waitFor(url, timeoutMs) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		try {
			const res = await fetch(url);
			if (res.ok) return;
		} catch {
			// not up yet
		}
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
	throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
}

ensureDevVars();
const devVars = readDevVars();
run("wrangler", ["d1", "migrations", "apply", "DB", "--local"]);

const sandboxStarted = existsSync(join(root, "sandbox", "main.ts"));
if (sandboxStarted) {
	startChild("sandbox", "tsx", ["sandbox/main.ts"], { SANDBOX_PORT: String(SANDBOX_PORT), SANDBOX_PUBLIC_URL: SANDBOX_URL, SLOTLINE_URL: APP_URL });
}
/**
 * .dev.vars points the app at the sandbox on its default port. When PORT or SANDBOX_PORT moves either
 * server, the app must follow, or it would talk to whatever else listens there; .dev.vars stays the
 * place to point it at real providers.
 */
function portOverrides() {
	if (process.env.PORT === undefined && process.env.SANDBOX_PORT === undefined) return [];
	const vars = {
		APP_URL,
		GOOGLE_ISSUER: `${SANDBOX_URL}/google`,
		GOOGLE_CALENDAR_API: `${SANDBOX_URL}/google/calendar/v3`,
		MICROSOFT_AUTHORITY: `${SANDBOX_URL}/microsoft/common/v2.0`,
		MICROSOFT_GRAPH_API: `${SANDBOX_URL}/microsoft/graph/v1.0`,
		FACEBOOK_DIALOG_URL: `${SANDBOX_URL}/facebook/dialog/oauth`,
		FACEBOOK_GRAPH_API: `${SANDBOX_URL}/facebook/graph`,
		ICLOUD_CALDAV_URL: `${SANDBOX_URL}/icloud`,
		MAIL_SANDBOX_URL: SANDBOX_URL,
	};
	return Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
}

startChild("worker", "wrangler", ["dev", "--port", String(APP_PORT), "--ip", "127.0.0.1", "--show-interactive-dev-session=false", ...portOverrides()]);

try {
	// The seed connects demo calendars in the sandbox, so both must answer first.
	await Promise.all([waitFor(`${APP_URL}/healthz`, 90_000), sandboxStarted ? waitFor(`${SANDBOX_URL}/_control`, 90_000) : Promise.resolve()]);
	const owner = demoOwnerPassword(devVars);
	const seed = await fetch(`${APP_URL}/_dev/seed`, {
		method: "POST",
		headers: { "content-type": "application/json", "x-seed-token": devVars.DEMO_SEED_TOKEN },
		// State whose password we do not know (made before we kept one) gets ours, once.
		body: JSON.stringify({ ownerPassword: owner.password, resetOwnerPassword: !owner.known, ...(sandboxStarted ? { sandboxUrl: SANDBOX_URL } : {}) }),
	});
	if (!seed.ok) throw new Error(`seeding failed: ${seed.status} ${await seed.text()}`);
	if (!owner.known) rememberDemoOwnerPassword(owner.password);
	const demo = await seed.json();
	console.log(`
Slotline is running.
  Health:        ${APP_URL}/healthz
  Booking page:  ${APP_URL}/b/${demo.merchantSlug}
  Public API:    ${APP_URL}/api/v1/m/${demo.merchantSlug}/services   (OpenAPI: ${APP_URL}/api/openapi.json)
  Admin:         ${APP_URL}/admin
    sign in as   ${demo.ownerEmail}
    password     ${owner.password}
  Sandbox:       ${SANDBOX_URL}/google/  ${SANDBOX_URL}/microsoft/  (control API: ${SANDBOX_URL}/_control)
  Mailbox:       ${SANDBOX_URL}/mail
Press Ctrl+C to stop.
`);
} catch (error) {
	console.error(String(error));
	shutdown(1);
}

// wrangler dev never fires Cron Triggers by itself; this stands in for the */5 schedule.
setInterval(() => {
	fetch(`${APP_URL}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`).catch(() => undefined);
}, CRON_EVERY_MS).unref();
