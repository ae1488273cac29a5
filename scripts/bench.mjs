#!/usr/bin/env node
// `npm run bench`: every benchmark, each printing `BENCH <name> <value> <unit>` lines, then one table of
// every figure with the machine it ran on. Figures only; nothing here asserts a time.
// `npm run bench -- --readme` also writes that table into README.md (between the bench markers).
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";

const BENCHMARKS = [
	["tsx", ["scripts/bench/availability.ts"]],
	// Right after the core, so the table shows the HTTP figures beside the core's.
	["node", ["scripts/bench/availability-http.mjs"]],
	["node", ["scripts/bench/storm.mjs"]],
	["node", ["scripts/bench/storm-merchants.mjs"]],
	["node", ["scripts/bench/d1-statements.mjs"]],
	["node", ["scripts/bench/inbound.mjs"]],
	["node", ["scripts/bench/polling.mjs"]],
	["node", ["scripts/bench/outbound.mjs"]],
	["node", ["scripts/bench/meetings.mjs"]],
	["node", ["scripts/bench/sizes.mjs"]],
	["node", ["scripts/bench/startup.mjs"]],
];
const README_START = "<!-- bench:start -->";
const README_END = "<!-- bench:end -->";

/** Runs one benchmark, passing its output through and keeping its BENCH lines. */
function run(command, args) {
	return new Promise((resolve) => {
		const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
		let text = "";
		child.stdout.on("data", (chunk) => {
			process.stdout.write(chunk);
			text += chunk;
		});
		child.on("close", (code) => resolve({ ok: code === 0, lines: text.split("\n").filter((line) => line.startsWith("BENCH ")) }));
	});
}

/** A figure as collectors read it: exactly three fields, none of them containing whitespace. */
const BENCH_LINE = /^BENCH (\S+) (\S+) (\S+)$/;

function parse(line) {
	const match = BENCH_LINE.exec(line);
	return match === null ? null : { name: match[1], value: match[2], unit: match[3] };
}

/** Prints one figure; refuses to print one that would not parse. */
function printFigure(name, value, unit) {
	const line = `BENCH ${name} ${value} ${unit}`;
	if (parse(line) === null) throw new Error(`not a BENCH line: ${JSON.stringify(line)}`);
	console.log(line);
	return { name, value: String(value), unit };
}

/** Whether other work competed for the CPUs (1-minute load above half the cores, at start or end). */
function wasLoaded(loads) {
	return loads.some((load) => load > os.cpus().length / 2);
}

function loadFigures(when) {
	const [one, five] = os.loadavg();
	return [printFigure(`machine.load_1m_at_${when}`, one.toFixed(2), "load"), printFigure(`machine.load_5m_at_${when}`, five.toFixed(2), "load")];
}

// Descriptions are not figures: they go in a header line, and only numbers are BENCH lines.
const machineDescription = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "unknown CPU"}, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}`;
console.log(`# machine: ${machineDescription}`);
const machine = [
	printFigure("machine.cpu_count", os.cpus().length, "cores"),
	printFigure("machine.memory", (os.totalmem() / 2 ** 30).toFixed(1), "GiB"),
	...loadFigures("start"),
];

const loadAtStart = os.loadavg()[0] ?? 0;
const figures = [];
const failed = [];
const malformed = [];
for (const [command, args] of BENCHMARKS) {
	const result = await run(command, args);
	if (!result.ok) failed.push(args[0]);
	for (const line of result.lines) {
		const figure = parse(line);
		if (figure === null) malformed.push(line);
		else figures.push(figure);
	}
}
machine.push(...loadFigures("end"));
for (const line of malformed) console.error(`Malformed BENCH line (want "BENCH <name> <value> <unit>", no spaces inside a field): ${line}`);

const rows = [...machine, ...figures];
// Only the load before the run says whether something else competed: by the end, the 1-minute average
// is mostly the benchmarks' own wrangler, sandbox and clients on this machine's cores.
const loaded = wasLoaded([loadAtStart]);
const table = [
	`Ran ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machineDescription}${failed.length > 0 ? `; failed: ${failed.join(", ")}` : ""}.` +
		(loaded ? ` **The machine was loaded** (1-minute load average above half its ${os.cpus().length} cores when the run began, see the load rows): timings are pessimistic.` : ""),
	"",
	"| figure | value | unit |",
	"|---|---:|---|",
	...rows.map((row) => `| ${row.name} | ${row.value} | ${row.unit} |`),
].join("\n");
console.log(`\n${table}`);

if (process.argv.includes("--readme")) {
	const readme = readFileSync("README.md", "utf8");
	const start = readme.indexOf(README_START);
	const end = readme.indexOf(README_END);
	if (start === -1 || end === -1) throw new Error(`README.md has no ${README_START} … ${README_END} section`);
	writeFileSync("README.md", `${readme.slice(0, start + README_START.length)}\n${table}\n${readme.slice(end)}`);
}
if (failed.length > 0 || malformed.length > 0) process.exitCode = 1;
