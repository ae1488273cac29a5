// Starts the provider sandbox once per vitest process (on a free port) so the Worker under test can
// be configured with its URLs. Kept on globalThis so config and globalSetup share one instance.
import { createSandbox } from "../../sandbox/server";
import type { Sandbox } from "../../sandbox/server";

const KEY = Symbol.for("slotline.test.sandbox");
type Holder = { [KEY]?: Promise<Sandbox> };

export function testSandbox(): Promise<Sandbox> {
	const holder = globalThis as Holder;
	holder[KEY] ??= createSandbox({ port: 0 });
	return holder[KEY];
}

/** vitest globalSetup: nothing to start (config already did), only the teardown. */
export default function setup(): () => Promise<void> {
	return async function teardown() {
		const running = (globalThis as Holder)[KEY];
		if (running !== undefined) await (await running).close();
	};
}
