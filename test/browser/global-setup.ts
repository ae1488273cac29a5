// Browser suite setup: the provider sandbox (with its iCloud layer in front of a real Radicale), the app
// under `wrangler dev` on a free port (its own throwaway local state, migrations applied, demo seeded,
// fresh client bundles from the [build] step) and a "third-party shop" on another origin that embeds
// the widget and publishes an ICS feed. Everything stops at teardown.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startRadicale } from "../../sandbox/radicale";
import { createSandbox } from "../../sandbox/server";
import { freePort } from "../support/free-port";
import { sandboxEndpoints } from "../../scripts/sandbox-endpoints.mjs";

const root = join(import.meta.dirname, "..", "..");
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
		try {
			if ((await fetch(url)).ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`${url} did not answer within ${timeoutMs / 1000}s`);
}

/** The shop page: the loader tag inline, or behind a button (popup); it records every message and DOM event. */
function shopPage(appUrl: string, mode: "inline" | "popup"): string {
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Third-party shop</title>
<script>window.slotlineMessages = []; window.slotlineDomEvents = [];
addEventListener("message", (e) => window.slotlineMessages.push({ origin: e.origin, data: e.data }));
document.addEventListener("slotline:booking-created", (e) => window.slotlineDomEvents.push(e.detail));</script></head>
<body style="font-family: Georgia, serif; background: #fdf6e3; margin: 0"><header style="padding: 16px; background: #073642; color: #fdf6e3"><h1>Corner Shop</h1></header>
<main style="max-width: 720px; margin: 0 auto; padding: 16px"><p>Book an appointment with our partner studio:</p>
<script src="${appUrl}/embed.js" data-merchant="demo" data-mode="${mode}" async></script>
<p>Thanks for visiting.</p></main></body></html>`;
}

/** A small ICS feed (one busy hour two days ahead), as a calendar app would publish it. */
function feedIcs(): string {
	const start = new Date(Date.now() + 2 * 86_400_000);
	start.setUTCHours(12, 0, 0, 0);
	const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
	return [
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//Corner Shop//Team feed//EN",
		"BEGIN:VEVENT",
		"UID:team-lunch@corner-shop.test",
		`DTSTAMP:${stamp(new Date())}`,
		`DTSTART:${stamp(start)}`,
		`DTEND:${stamp(new Date(start.getTime() + 3_600_000))}`,
		"SUMMARY:Team lunch (private)",
		"END:VEVENT",
		"END:VCALENDAR",
		"",
	].join("\r\n");
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const state = mkdtempSync(join(tmpdir(), "slotline-browser-"));
	// The Integrations tests connect iCloud and CalDAV calendars: a real Radicale behind the sandbox.
	const radicale = await startRadicale();
	const sandbox = await createSandbox({ port: 0, caldavUpstream: radicale });
	// The app below signs in with its own Google client id; the sandbox knows only its defaults until told.
	const client = await fetch(`${sandbox.url}/_control/google/clients`, {
		method: "POST",
		headers: { "content-type": "application/json" },
		body: JSON.stringify({ clientId: "slotline-browser-google", clientSecret: "browser-google-secret" }),
	});
	if (!client.ok) throw new Error(`the sandbox refused the browser suite's Google client: ${client.status}`);
	const appPort = await freePort();
	const appUrl = `http://127.0.0.1:${appPort}`;
	const seedToken = randomBytes(16).toString("hex");
	const vars: Record<string, string> = {
		APP_URL: appUrl,
		SESSION_SECRET: randomBytes(32).toString("base64url"),
		ENCRYPTION_KEYS: JSON.stringify({ current: "b", keys: { b: randomBytes(32).toString("base64") } }),
		DEMO_SEED_TOKEN: seedToken,
		...sandboxEndpoints(sandbox.url),
		GOOGLE_CLIENT_ID: "slotline-browser-google",
		GOOGLE_CLIENT_SECRET: "browser-google-secret",
		MICROSOFT_CLIENT_ID: "slotline-browser-microsoft",
		MICROSOFT_CLIENT_SECRET: "browser-microsoft-secret",
		FACEBOOK_APP_ID: "slotline-browser-facebook",
		FACEBOOK_APP_SECRET: "browser-facebook-secret",
		// The sandbox's default Zoom client (it accepts any redirect URI).
		ZOOM_CLIENT_ID: "slotline-test-zoom",
		ZOOM_CLIENT_SECRET: "test-zoom-secret",
		ZOOM_WEBHOOK_SECRET: randomBytes(16).toString("hex"),
	};
	const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", state], { cwd: root, env, encoding: "utf8" });
	if (migrate.status !== 0) throw new Error(`migrations failed: ${migrate.stderr}`);
	const varArgs = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
	// Its own process group, so teardown stops wrangler and the workerd it starts together.
	const worker = spawn(wrangler, ["dev", "--port", String(appPort), "--ip", "127.0.0.1", "--persist-to", state, "--show-interactive-dev-session=false", ...varArgs], {
		cwd: root,
		env,
		stdio: ["ignore", "pipe", "pipe"],
		detached: true,
	});
	let log = "";
	worker.stdout?.on("data", (chunk: Buffer) => (log += String(chunk)));
	worker.stderr?.on("data", (chunk: Buffer) => (log += String(chunk)));

	const shop: Server = createServer((req, res) => {
		if (req.url === "/feeds/team.ics") {
			res.writeHead(200, { "content-type": "text/calendar; charset=utf-8" }).end(feedIcs());
			return;
		}
		const mode = req.url?.startsWith("/popup") === true ? "popup" : "inline";
		res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(shopPage(appUrl, mode));
	});
	await new Promise<void>((resolve) => shop.listen(0, "127.0.0.1", resolve));
	// "localhost" against the app's "127.0.0.1": another origin and another site, as a real shop would be.
	const shopUrl = `http://localhost:${(shop.address() as AddressInfo).port}`;

	async function teardown(): Promise<void> {
		if (worker.pid !== undefined && worker.exitCode === null) {
			process.kill(-worker.pid, "SIGTERM");
			await new Promise((resolve) => setTimeout(resolve, 300));
		}
		await new Promise<void>((resolve) => shop.close(() => resolve()));
		await sandbox.close();
		await radicale.close();
		rmSync(state, { recursive: true, force: true });
	}

	try {
		await waitFor(`${appUrl}/healthz`, worker, 90_000);
		const seeded = await fetch(`${appUrl}/_dev/seed`, {
			method: "POST",
			headers: { "content-type": "application/json", "x-seed-token": seedToken },
			body: JSON.stringify({ ownerPassword: "browser-owner-password-1" }),
		});
		if (!seeded.ok) throw new Error(`seeding failed: ${seeded.status} ${await seeded.text()}`);
	} catch (error) {
		await teardown();
		throw new Error(`${String(error)}\n${log.slice(-4000)}`);
	}
	project.provide("appUrl", appUrl);
	project.provide("shopUrl", shopUrl);
	project.provide("mailboxUrl", sandbox.url);
	project.provide("caldavUrl", radicale.url);
	return teardown;
}

declare module "vitest" {
	interface ProvidedContext {
		/** The app under wrangler dev, e.g. http://127.0.0.1:PORT. */
		appUrl: string;
		/** A page on another origin that embeds the widget (/ inline, /popup behind a button). */
		shopUrl: string;
		mailboxUrl: string;
		/** The Radicale behind the sandbox's iCloud layer, for a plain CalDAV account (users from the sandbox's /_control/caldav/users). */
		caldavUrl: string;
	}
}
