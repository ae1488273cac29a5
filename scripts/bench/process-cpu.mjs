// CPU time of local processes (workerd, Radicale) from Linux's per-thread counters, for the benchmarks that
// say what a request costs the process serving it: CPU time, not wall time, so other work on the machine
// does not inflate it. Linux only (/proc).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** CPU milliseconds all of a process's threads have run so far (/proc/<pid>/task/<tid>/schedstat, in nanoseconds). */
export function cpuMs(pid) {
	let nanos = 0;
	for (const tid of readdirSync(`/proc/${pid}/task`)) {
		try {
			nanos += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
		} catch {
			// a thread that ended meanwhile
		}
	}
	return nanos / 1e6;
}

/** Every process as /proc/<pid>/stat names it: pid, command name and parent. */
function processes() {
	const found = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		let stat;
		try {
			stat = readFileSync(`/proc/${entry}/stat`, "utf8");
		} catch {
			continue; // exited meanwhile
		}
		// "pid (comm) state ppid …": the name may hold spaces, so fields are counted after its ")".
		const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
		const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
		found.push({ pid: Number(entry), name, parent });
	}
	return found;
}

/** The processes named `name` among `root`'s children, grandchildren and so on. */
export function descendantsNamed(root, name) {
	const all = processes();
	const parentOf = new Map(all.map((p) => [p.pid, p.parent]));
	const below = (pid) => {
		for (let at = parentOf.get(pid); at !== undefined && at > 1; at = parentOf.get(at)) if (at === root) return true;
		return false;
	};
	return all.filter((p) => p.name === name && below(p.pid)).map((p) => p.pid);
}

/** Clock ticks a second, the unit of /proc/<pid>/stat's times. */
let ticksPerSecond;

/**
 * CPU milliseconds a process has run so far, threads that have ended included (/proc/<pid>/stat's utime and
 * stime, in clock ticks: 10 ms on most systems), for processes that run short-lived threads (Radicale starts
 * one per request) over windows of seconds.
 */
export function processCpuMs(pid) {
	ticksPerSecond ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
	const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	// Fields 14 and 15 of the whole line (utime, stime) are the 12th and 13th after the name.
	return ((Number(fields[11]) + Number(fields[12])) / ticksPerSecond) * 1000;
}
