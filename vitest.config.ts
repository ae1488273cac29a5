// Projects: the Worker's tests run inside workerd through @cloudflare/vitest-plugin, with D1
// migrations applied in setup; the sandbox (a Node server) is tested in Node.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { tsImport } from "tsx/esm/api";
import { sandboxEndpoints } from "./scripts/sandbox-endpoints.mjs";

export default defineConfig(async () => {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
	// The Worker under test talks to a real local sandbox, exactly as under `npm start`.
	// Loaded through tsx rather than bundled into the config, so Vite does not bundle the sandbox.
	// It also starts Radicale (a real CalDAV server, required: CI installs it) behind the sandbox's iCloud layer.
	const { testSandbox, testCaldavUrl } = (await tsImport("./test/setup/sandbox.ts", import.meta.url)) as typeof import("./test/setup/sandbox");
	const sandbox = await testSandbox();
	const caldavUrl = await testCaldavUrl();
	const POLLER_TESTS = ["test/inbound/poller.test.ts"];
	/** A project of tests inside workerd, one runner per project (so each has its own D1 and objects). */
	function workerProject(name: string, include: string[], exclude: string[], globalSetup: string[]) {
		return {
			plugins: [
				cloudflareTest({
					wrangler: { configPath: "./wrangler.toml" },
					// src/index.ts with its background work counted (test/setup/worker.ts).
					main: "./test/setup/worker.ts",
					miniflare: {
						bindings: {
							TEST_MIGRATIONS: migrations,
							APP_URL: "http://localhost:8787",
							// iCloud stays the real default here: the tests name the sandbox's iCloud server where they mean it.
							...sandboxEndpoints(sandbox.url),
							ICLOUD_CALDAV_URL: "https://caldav.icloud.com",
							SESSION_SECRET: "test-session-secret-0123456789abcdef0123456789abcdef",
							ENCRYPTION_KEYS: JSON.stringify({ current: "k1", keys: { k1: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" } }),
							GOOGLE_CLIENT_ID: "slotline-test-google",
							GOOGLE_CLIENT_SECRET: "test-google-secret",
							MICROSOFT_CLIENT_ID: "slotline-test-microsoft",
							MICROSOFT_CLIENT_SECRET: "test-microsoft-secret",
							FACEBOOK_APP_ID: "slotline-test-facebook",
							FACEBOOK_APP_SECRET: "test-facebook-secret",
							ZOOM_CLIENT_ID: "slotline-test-zoom",
							ZOOM_CLIENT_SECRET: "test-zoom-secret",
							ZOOM_WEBHOOK_SECRET: "test-zoom-webhook-secret",
							DEMO_SEED_TOKEN: "test-seed-token",
							OPS_TOKEN: "test-ops-token-0123456789abcdef",
							// Counts D1 statements by phase (src/db/statement-count.ts), for test/load/d1-statements.test.ts.
							D1_STATEMENT_COUNTING: "1",
						},
					},
				}),
			],
			test: {
				name,
				// Files run one after another in their runner's workerd instead of each starting one and importing
				// the app again (about 3 s a file). Storage is the runner's: the setup file empties it before
				// every test, so no test sees another's rows.
				isolate: false,
				include,
				exclude,
				setupFiles: ["./test/setup/apply-migrations.ts"],
				// fault-sandbox.ts starts the fault suite's own sandbox (see there) and provides its URLs.
				globalSetup,
				provide: { sandboxUrl: sandbox.url, caldavUrl },
			},
		};
	}

	return {
		test: {
			projects: [
				// The poller's tests run 200 calendar pollers, and an object once used stays listed for the per-test
				// wipe (test/setup/apply-migrations.ts): in their own runner (own storage), the rest stays fast.
				workerProject("worker", ["test/**/*.test.ts", "src/**/*.test.ts"], ["test/browser/**", "test/sandbox/**", "test/repo/**", ...POLLER_TESTS], ["./test/setup/sandbox.ts", "./test/setup/fault-sandbox.ts"]),
				workerProject("worker-polling", POLLER_TESTS, [], ["./test/setup/sandbox.ts"]),
				{
					test: {
						name: "browser",
						environment: "node",
						// Real Chromium against `wrangler dev` (started once in globalSetup); files run one after another
						// because they share the app's database.
						include: ["test/browser/**/*.test.ts"],
						// The sandbox setup only for its teardown of what this config started (see the sandbox project).
						globalSetup: ["./test/setup/sandbox.ts", "./test/browser/global-setup.ts"],
						fileParallelism: false,
						testTimeout: 60_000,
						hookTimeout: 120_000,
					},
				},
				{
					test: {
						name: "sandbox",
						environment: "node",
						// Only the teardown: stops the shared sandbox and Radicale when this project runs alone.
						globalSetup: ["./test/setup/sandbox.ts"],
						include: ["test/sandbox/**/*.test.ts"],
					},
				},
				{
					test: {
						// Checks of the repository itself (its files, not the app), in Node. It needs no sandbox, but the
						// config starts one: the setup is here only for its teardown, or a run of this project alone hangs.
						name: "repo",
						environment: "node",
						globalSetup: ["./test/setup/sandbox.ts"],
						include: ["test/repo/**/*.test.ts"],
					},
				},
			],
		},
	};
});
