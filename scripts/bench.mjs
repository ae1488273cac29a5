#!/usr/bin/env node
// `npm run bench`: every benchmark, each printing `BENCH <name> <value> <unit>` lines. Figures only;
// nothing here asserts a time.
import { spawnSync } from "node:child_process";
import os from "node:os";

console.log(`BENCH machine.cpus ${os.cpus().length} cores`);
console.log(`BENCH machine.cpu_model "${os.cpus()[0]?.model ?? "unknown"}" -`);
console.log(`BENCH machine.memory ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
console.log(`BENCH machine.node ${process.version} -`);
for (const [command, args] of [
	["tsx", ["scripts/bench/availability.ts"]],
	["node", ["scripts/bench/storm.mjs"]],
	["node", ["scripts/bench/inbound.mjs"]],
]) {
	const run = spawnSync(command, args, { stdio: "inherit" });
	if (run.status !== 0) process.exitCode = 1;
}
