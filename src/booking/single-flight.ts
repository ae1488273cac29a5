// Coalesces concurrent runs of an idempotent task: at most one run at a time, and a call made while
// one runs is answered by a single follow-up run (which sees whatever that call was about).

/**
 * Wraps `task` so that calls never overlap. A call while a run is in progress schedules one more
 * run after it (shared by every call made meanwhile) and resolves when that run settles; so every
 * call is followed by a run that started after it, and no two runs read the same state at once.
 */
export function singleFlight(task: () => Promise<void>): () => Promise<void> {
	let running: Promise<void> | null = null;
	let queued: Promise<void> | null = null;
	function run(): Promise<void> {
		if (running === null) {
			running = task().finally(() => {
				running = null;
			});
			return running;
		}
		queued ??= running
			.catch(() => undefined)
			.then(() => {
				queued = null;
				return run();
			});
		return queued;
	}
	return run;
}
