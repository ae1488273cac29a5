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

const LAST = Symbol.for("slotline.test.background.last");
type Clock = { [LAST]?: number };

/** When background work last started or ended (ms), shared like the set above. */
function touch(): void {
	(globalThis as Clock)[LAST] = Date.now();
}

function track(work: Promise<unknown>): void {
	const set = running();
	touch();
	const settled: Promise<void> = work.then(
		() => undefined,
		() => undefined,
	);
	set.add(settled);
	void settled.then(() => {
		set.delete(settled);
		touch();
	});
}

/** Resolves once every queue batch and waitUntil started so far, and whatever those started, has settled. */
export async function backgroundSettled(): Promise<void> {
	const set = running();
	while (set.size > 0) await Promise.all([...set]);
}

/**
 * Resolves once background work has settled and none has started for `quietMs`: a job sent to the queue is
 * not running anywhere until its batch is delivered (up to the consumer's 1 s batch timeout), so settling alone
 * misses it. Returns at once when nothing ran in the last `quietMs`; gives up after `capMs` (a retry scheduled
 * minutes ahead is not waited for).
 */
export async function backgroundQuiet(quietMs: number, capMs: number): Promise<void> {
	const deadline = Date.now() + capMs;
	for (;;) {
		await backgroundSettled();
		const idle = Date.now() - ((globalThis as Clock)[LAST] ?? 0);
		if (idle >= quietMs || Date.now() >= deadline) return;
		await new Promise((resolve) => setTimeout(resolve, Math.min(quietMs - idle, deadline - Date.now())));
	}
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
