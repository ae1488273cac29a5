import { describe, expect, it } from "vitest";
import { singleFlight } from "./single-flight";

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
	let resolve: () => void = () => undefined;
	let reject: (error: Error) => void = () => undefined;
	const promise = new Promise<void>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
function settle(): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, 0));
}

describe("singleFlight", () => {
	it("never overlaps runs and answers every call made during a run with one follow-up run", async () => {
		const gates: Array<ReturnType<typeof deferred>> = [];
		let active = 0;
		let maxActive = 0;
		const run = singleFlight(async () => {
			active++;
			maxActive = Math.max(maxActive, active);
			const gate = deferred();
			gates.push(gate);
			await gate.promise;
			active--;
		});
		const first = run();
		const second = run();
		const third = run();
		expect(gates).toHaveLength(1);
		gates[0]?.resolve();
		await first;
		// The follow-up run starts once the first settles, and serves both later calls.
		await settle();
		expect(gates).toHaveLength(2);
		gates[1]?.resolve();
		await Promise.all([second, third]);
		expect(gates).toHaveLength(2);
		expect(maxActive).toBe(1);
		// Idle again: a new call starts a new run at once.
		const fourth = run();
		expect(gates).toHaveLength(3);
		gates[2]?.resolve();
		await fourth;
	});

	it("reports a failed run to its callers and still runs the follow-up", async () => {
		const gates: Array<ReturnType<typeof deferred>> = [];
		const run = singleFlight(() => {
			const gate = deferred();
			gates.push(gate);
			return gate.promise;
		});
		const first = run();
		const second = run();
		gates[0]?.reject(new Error("queue down"));
		await expect(first).rejects.toThrow("queue down");
		await settle();
		expect(gates).toHaveLength(2);
		gates[1]?.resolve();
		await expect(second).resolves.toBeUndefined();
	});
});
