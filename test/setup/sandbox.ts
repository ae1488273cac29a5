// Starts Radicale and the provider sandbox (with the iCloud layer in front of that Radicale) once per vitest
// process, on free ports, so the Worker under test can be configured with their URLs. Kept on globalThis so
// config and globalSetup share one instance.
import { findRadicale, startRadicale } from "../../sandbox/radicale";
import type { Radicale } from "../../sandbox/radicale";
import { createSandbox } from "../../sandbox/server";
import type { Sandbox } from "../../sandbox/server";

const KEY = Symbol.for("slotline.test.sandbox");

interface TestServers {
	sandbox: Sandbox;
	radicale: Radicale;
}
type Holder = { [KEY]?: Promise<TestServers> };

async function startServers(): Promise<TestServers> {
	// `npm test` installs radicale first (pretest); vitest started any other way says how instead of skipping CalDAV tests.
	if (findRadicale() === undefined) {
		throw new Error("The tests need radicale, a real CalDAV server: `node scripts/system-deps.mjs test` installs it (npm test runs it first), or set RADICALE_BIN.");
	}
	const radicale = await startRadicale();
	const sandbox = await createSandbox({ port: 0, caldavUpstream: radicale });
	return { sandbox, radicale };
}

function servers(): Promise<TestServers> {
	const holder = globalThis as Holder;
	holder[KEY] ??= startServers();
	return holder[KEY];
}

export async function testSandbox(): Promise<Sandbox> {
	return (await servers()).sandbox;
}

/** Base URL of the Radicale behind the sandbox; users come from `POST /_control/caldav/users` on the sandbox. */
export async function testCaldavUrl(): Promise<string> {
	return (await servers()).radicale.url;
}

/** vitest globalSetup: nothing to start (config already did), only the teardown; safe to register in several projects. */
export default function setup(): () => Promise<void> {
	return async function teardown() {
		const holder = globalThis as Holder;
		const running = holder[KEY];
		delete holder[KEY];
		if (running === undefined) return;
		const { sandbox, radicale } = await running;
		await sandbox.close();
		await radicale.close();
	};
}
