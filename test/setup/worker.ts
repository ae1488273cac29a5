// The Worker as the tests run it (vitest.config.ts `main`): src/index.ts's handlers and Durable Object, unchanged,
// except that the background work they start (queue batches, waitUntil) is counted, so the test setup can let it
// finish before it empties storage under it (see apply-migrations.ts).
import worker from "../../src/index";
import type { Job } from "../../src/jobs";

export { CalendarPoller, MerchantSchedule } from "../../src/index";

// On globalThis rather than in this module, so the setup file and the Worker share it whichever copy of the module
// each was given: both run in the same isolate.
const KEY = Symbol.for("slotline.test.background");
type Holder = { [KEY]?: Set<Promise<void>> };

function running(): Set<Promise<void>> {
	const holder = globalThis as Holder;
	holder[KEY] ??= new Set();
	return holder[KEY];
}

function track(work: Promise<unknown>): void {
	const set = running();
	const settled: Promise<void> = work.then(
		() => undefined,
		() => undefined,
	);
	set.add(settled);
	void settled.then(() => set.delete(settled));
}

/** Resolves once every queue batch and waitUntil started so far, and whatever those started, has settled. */
export async function backgroundSettled(): Promise<void> {
	const set = running();
	while (set.size > 0) await Promise.all([...set]);
}

function tracked(ctx: ExecutionContext): ExecutionContext {
	return new Proxy(ctx, {
		get(target, key): unknown {
			if (key === "waitUntil") {
				return function waitUntil(promise: Promise<unknown>): void {
					track(promise);
					target.waitUntil(promise);
				};
			}
			const value: unknown = Reflect.get(target, key);
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
}

export default {
	fetch(request, env, ctx) {
		return worker.fetch(request, env, tracked(ctx));
	},
	queue(batch, env) {
		const run = worker.queue(batch, env);
		track(run);
		return run;
	},
	scheduled(controller, env, ctx) {
		return worker.scheduled(controller, env, tracked(ctx));
	},
} satisfies ExportedHandler<Env, Job>;
