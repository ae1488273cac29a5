// A second provider sandbox, with its own Radicale behind its iCloud layer, for the fault suite alone.
// Sandbox faults are global (every account, every endpoint of a provider), so on the shared sandbox they
// would reach the test files running beside the suite. The worker project's globalSetup starts it and
// hands its URLs to the tests: inject("faultSandboxUrl"), inject("faultCaldavUrl").
import type { TestProject } from "vitest/node";
import { startRadicale } from "../../sandbox/radicale";
import { createSandbox } from "../../sandbox/server";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const radicale = await startRadicale();
	const sandbox = await createSandbox({ port: 0, caldavUpstream: radicale });
	project.provide("faultSandboxUrl", sandbox.url);
	project.provide("faultCaldavUrl", radicale.url);
	return async function teardown(): Promise<void> {
		await sandbox.close();
		await radicale.close();
	};
}
