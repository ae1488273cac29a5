// `npm start` as a person runs it (scripts/start.mjs, on free ports and a state folder of its own): a short,
// quiet start; a stop that leaves no process, folder or stack trace behind; and a second start on the same
// local data that comes back as it was left, every calendar connection still working.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePorts } from "../support/free-port";

const root = join(import.meta.dirname, "..", "..");


interface Ports {
	app: number;
	sandbox: number;
	partition: number;
}

interface Running {
	child: ChildProcess;
	output: () => string;
	exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The process ids under `pid` (children, grandchildren, …), read from /proc. */
function descendants(pid: number): number[] {
	const parents = new Map<number, number[]>();
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			// "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
			parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
		} catch {
			// gone meanwhile
		}
	}
	const found: number[] = [];
	const queue = [pid];
	while (queue.length > 0) {
		for (const child of parents.get(queue.shift() as number) ?? []) {
			found.push(child);
			queue.push(child);
		}
	}
	return found;
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		// A zombie is dead but not yet reaped by its parent.
		return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
	} catch {
		return false;
	}
}

function start(dir: string, ports: Ports): Running {
	// Its own process group, as a terminal gives `npm start`, so the test can signal the group as Ctrl+C does.
	const child = spawn(process.execPath, [join(root, "scripts", "start.mjs")], {
		cwd: root,
		detached: true,
		stdio: ["ignore", "pipe", "pipe"],
		env: {
			...process.env,
			PORT: String(ports.app),
			SANDBOX_PORT: String(ports.sandbox),
			SANDBOX_PARTITION_PORT: String(ports.partition),
			SLOTLINE_STATE_DIR: join(dir, "state"),
			SLOTLINE_LOG: join(dir, "start.log"),
			// Anything it makes in the temporary folder lands here, where the test can see it is gone after the stop.
			TMPDIR: join(dir, "tmp"),
			SLOTLINE_VERBOSE: "",
		},
	});
	let output = "";
	child.stdout?.on("data", (chunk: Buffer) => (output += String(chunk)));
	child.stderr?.on("data", (chunk: Buffer) => (output += String(chunk)));
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
	const running = { child, output: () => output, exited };
	launched.push(running);
	return running;
}

async function waitForOutput(running: Running, pattern: RegExp, timeoutMs = 120_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!pattern.test(running.output())) {
		if (running.child.exitCode !== null) throw new Error(`npm start exited (${running.child.exitCode}):\n${running.output()}`);
		if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs / 1000}s:\n${running.output()}`);
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
}

/** SIGTERM to the whole group, as a terminal's Ctrl+C (SIGINT) or a process manager does; answers how long it took. */
async function stop(running: Running, signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; ms: number }> {
	const started = Date.now();
	process.kill(-(running.child.pid as number), signal);
	const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`npm start still running 20 s after ${signal}:\n${running.output()}`)), 20_000));
	const { code } = await Promise.race([running.exited, timeout]);
	return { code, ms: Date.now() - started };
}

interface SandboxEvent {
	summary?: string;
	subject?: string;
	status?: string;
	"@sandbox.deleted"?: boolean;
}

/** The titles of the live events in Ana's (Google), Ben's (Microsoft) and Chloé's (iCloud) sandbox calendars. */
async function calendarTitles(sandboxUrl: string): Promise<{ google: string[]; microsoft: string[]; icloud: string[] }> {
	const control = async <T>(path: string): Promise<T> => {
		const res = await fetch(`${sandboxUrl}/_control${path}`);
		if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
		return (await res.json()) as T;
	};
	const google = await control<SandboxEvent[]>(`/google/calendars/${encodeURIComponent("ana@demo.slotline.test")}/events`);
	const calendars = await control<Array<{ id: string; owner: string }>>("/microsoft/calendars");
	const ben = calendars.find((c) => c.owner === "ben@demo.slotline.test");
	const microsoft = ben === undefined ? [] : await control<SandboxEvent[]>(`/microsoft/calendars/${encodeURIComponent(ben.id)}/events`);
	const icloud = await control<{ events: SandboxEvent[] }>(`/icloud/accounts/${encodeURIComponent("chloe@demo.slotline.test")}/events`);
	return {
		google: google.filter((e) => e.status !== "cancelled").map((e) => e.summary ?? ""),
		microsoft: microsoft.filter((e) => e["@sandbox.deleted"] !== true).map((e) => e.subject ?? ""),
		icloud: icloud.events.map((e) => e.summary ?? ""),
	};
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let failure: unknown;
	for (;;) {
		const value = await read().catch((error: unknown) => {
			failure = error;
			return undefined;
		});
		if (value !== undefined && (done(value) || Date.now() > deadline)) return value;
		if (Date.now() > deadline) throw new Error(`never read: ${String(failure)}`);
		await new Promise((resolve) => setTimeout(resolve, 300));
	}
}

const STAFF = { google: "stf_demo_ana", microsoft: "stf_demo_ben", icloud: "stf_demo_chloe" } as const;

/** Books a consultation with each demo staff member through the public API, in a week that differs per round. */
async function bookEveryone(appUrl: string, round: number): Promise<string[]> {
	const names: string[] = [];
	for (const [provider, staffId] of Object.entries(STAFF)) {
		const from = new Date(Date.now() + (3 + 7 * round) * 86_400_000).toISOString().slice(0, 10);
		const to = new Date(Date.now() + (9 + 7 * round) * 86_400_000).toISOString().slice(0, 10);
		const slots = await fetch(`${appUrl}/api/v1/m/demo/availability?serviceId=svc_demo_consult&staffId=${staffId}&from=${from}&to=${to}&timezone=UTC`);
		expect(slots.status).toBe(200);
		const first = ((await slots.json()) as { slots: Array<{ start: string }> }).slots[0];
		if (first === undefined) throw new Error(`no free slot for ${staffId}`);
		const name = `Restart ${round} ${provider}`;
		const res = await fetch(`${appUrl}/api/v1/m/demo/bookings`, {
			method: "POST",
			headers: { "content-type": "application/json" },
			body: JSON.stringify({ serviceId: "svc_demo_consult", staffId, start: first.start, timezone: "UTC", customer: { name, email: `restart-${round}-${provider}@example.com` } }),
		});
		expect(res.status, await res.clone().text()).toBe(201);
		names.push(name);
	}
	return names;
}

const folders: string[] = [];
const launched: Running[] = [];
afterAll(async () => {
	// A failed test may leave npm start running: stop it, and kill whatever of its tree outlives that.
	for (const running of launched) {
		if (running.child.exitCode !== null || running.child.signalCode !== null) continue;
		const tree = descendants(running.child.pid as number);
		await stop(running).catch(() => undefined);
		for (const pid of [running.child.pid as number, ...tree].filter(alive)) process.kill(pid, "SIGKILL");
	}
	for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function workFolder(): string {
	const dir = mkdtempSync(join(tmpdir(), "slotline-start-test-"));
	mkdirSync(join(dir, "tmp"));
	folders.push(dir);
	return dir;
}

describe("npm start", () => {
	it("starts quietly, and a signal to its group stops every process it started, with no stack trace and no folder left", { timeout: 240_000 }, async () => {
		const dir = workFolder();
		const ports: Ports = await freePorts(["app", "sandbox", "partition"]);
		const running = start(dir, ports);
		await waitForOutput(running, /Press Ctrl\+C to stop\./);
		const printed = running.output();
		// One line per step, then the URLs: wrangler's tables and warnings went to the log.
		expect(printed).toMatch(/migrations applied: \d+/);
		expect(printed).toMatch(/sandbox up/);
		expect(printed).toMatch(/worker up/);
		expect(printed).toMatch(/demo seeded/);
		expect(printed.trim().split("\n").length).toBeLessThan(25);
		expect(printed).not.toMatch(/│|WARNING|▲/);
		expect(readFileSync(join(dir, "start.log"), "utf8")).toMatch(/wrangler/);
		// Every printed URL uses one host name.
		const hosts = new Set([...printed.matchAll(/https?:\/\/([^/:\s]+)/g)].map((m) => m[1]));
		expect([...hosts]).toEqual(["localhost"]);

		const started = descendants(running.child.pid as number);
		// wrangler, workerd, the sandbox and Radicale at least.
		expect(started.length).toBeGreaterThanOrEqual(4);
		const { code, ms } = await stop(running);
		expect(code).toBe(0);
		expect(ms).toBeLessThan(10_000);
		// Children are killed by the start script before it exits; give the kernel a moment to reap them.
		await eventually(async () => started.filter(alive), (left) => left.length === 0, 5_000);
		expect(started.filter(alive)).toEqual([]);
		const output = running.output();
		expect(output).not.toMatch(/ERR_SERVER_NOT_RUNNING|\n\s+at .+:\d+:\d+|Error:/);
		expect(readdirSync(join(dir, "tmp")).filter((name) => name.startsWith("slotline-radicale-"))).toEqual([]);
	});

	it("comes back as it was left: bookings made before and after a restart both reach every sandbox calendar", { timeout: 360_000 }, async () => {
		const dir = workFolder();
		const ports: Ports = await freePorts(["app", "sandbox", "partition"]);
		const appUrl = `http://localhost:${ports.app}`;
		const sandboxUrl = `http://127.0.0.1:${ports.sandbox}`;

		const first = start(dir, ports);
		await waitForOutput(first, /Press Ctrl\+C to stop\./);
		const before = await bookEveryone(appUrl, 0);
		const titlesBefore = await eventually(
			() => calendarTitles(sandboxUrl),
			(t) => [t.google, t.microsoft, t.icloud].every((titles, i) => titles.includes(before[i] as string)),
		);
		expect(titlesBefore.google).toContain(before[0]);
		expect(titlesBefore.microsoft).toContain(before[1]);
		expect(titlesBefore.icloud).toContain(before[2]);
		expect((await stop(first)).code).toBe(0);
		expect(existsSync(join(dir, "state", "sandbox"))).toBe(true);

		const second = start(dir, ports);
		await waitForOutput(second, /Press Ctrl\+C to stop\./);
		expect(second.output()).toMatch(/migrations applied: 0/);
		const after = await bookEveryone(appUrl, 1);
		const titles = await eventually(
			() => calendarTitles(sandboxUrl),
			(t) => [t.google, t.microsoft, t.icloud].every((list, i) => list.includes(after[i] as string) && list.includes(before[i] as string)),
		);
		expect(titles.google).toEqual(expect.arrayContaining([before[0], after[0]]));
		expect(titles.microsoft).toEqual(expect.arrayContaining([before[1], after[1]]));
		// Pushed after the restart with the grants and calendar URLs of the first run: a sandbox that forgot them
		// would answer invalid_grant (Google, Microsoft) or 401 on a stale partition port (iCloud).
		expect(titles.icloud).toEqual(expect.arrayContaining([before[2], after[2]]));
		expect((await stop(second)).code).toBe(0);
	});
});
