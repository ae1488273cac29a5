// A sandbox restarted on its saved state comes back as it was left (issue 13, "a restart keeps working"), and the
// CLI stops cleanly when a Ctrl+C and the start script's SIGTERM both reach it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { decodeJson, encodeJson } from "../../sandbox/json-codec";
import { autoSave, readSnapshot, restoreSnapshot, saveState } from "../../sandbox/persistence";
import type { Radicale } from "../../sandbox/radicale";
import { startRadicale } from "../../sandbox/radicale";
import type { Sandbox } from "../../sandbox/server";
import { createSandbox } from "../../sandbox/server";
import { freePort, freePorts } from "../support/free-port";
import { dav, eventIcs } from "./caldav-helpers";
import type { Receiver } from "./helpers";
import { bearer, flush, googleSignIn, graphEcho, MICROSOFT_CLIENT, microsoftSignIn, postJson, startReceiver, tokenRequest } from "./helpers";
import { createMeeting, zoomApi, zoomSignIn, zoomToken } from "./zoom-helpers";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
	const dir = await mkdtemp(join(tmpdir(), "slotline-persistence-"));
	cleanups.push(() => rm(dir, { recursive: true, force: true }));
	return dir;
}

describe("json codec", () => {
	it("brings back Maps, Sets, undefined, non-finite numbers, '$' and __proto__ keys, and shared objects once", () => {
		const scope = ["openid", "email"];
		const proto = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
		const value = {
			byId: new Map<string, unknown>([["a", { scope, nested: new Map([["k", new Set([1, 2])]]) }]]),
			other: { scope },
			missing: undefined,
			numbers: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 0.5],
			data: { $: "Map", v: "not a tag" },
			proto,
		};
		const back = decodeJson(encodeJson(value)) as typeof value;
		const entry = back.byId.get("a") as { scope: string[]; nested: Map<string, Set<number>> };
		expect(entry.nested.get("k")).toEqual(new Set([1, 2]));
		expect(entry.scope).toEqual(scope);
		expect(entry.scope).toBe(back.other.scope);
		expect(Object.hasOwn(back, "missing")).toBe(true);
		expect(back.numbers).toEqual(value.numbers);
		expect(back.data).toEqual({ $: "Map", v: "not a tag" });
		expect(Object.getPrototypeOf(back.proto)).toBe(Object.prototype);
		expect(Object.hasOwn(back.proto, "__proto__")).toBe(true);
	});

	it("refuses cycles and class instances it was not told about, and skips functions in fields", () => {
		const cycle: Record<string, unknown> = {};
		cycle.self = cycle;
		expect(() => encodeJson(cycle)).toThrow(/cycle/);
		expect(() => encodeJson({ when: new Date() })).toThrow(/\$\.when: a Date/);
		expect(decodeJson(encodeJson({ run: () => 1, kept: 1 }))).toEqual({ kept: 1 });
		expect(() => encodeJson([() => 1])).toThrow(/function/);
	});
});

const PAT = "pat@example.com";
const MO = "mo@example.com";
const AMY = { user: "amy@icloud.example", password: "abcd-efgh-ijkl-mnop" };
const GOOGLE_EVENT = { summary: "Dentist", start: { dateTime: "2026-05-04T10:00:00Z" }, end: { dateTime: "2026-05-04T11:00:00Z" } };
const GRAPH_EVENT = { subject: "Board meeting", start: { dateTime: "2026-05-05T09:00:00", timeZone: "UTC" }, end: { dateTime: "2026-05-05T10:00:00", timeZone: "UTC" } };

async function json<T>(response: Response | Promise<Response>): Promise<T> {
	return (await (await response).json()) as T;
}

/** A Radicale on `dir` and a sandbox in front of it, restored from `stateFile` when it exists; closed after the test. */
async function startOn(dir: string, stateFile: string): Promise<{ sandbox: Sandbox; radicale: Radicale }> {
	const radicale = await startRadicale({ dir: join(dir, "radicale") });
	const snapshot = await readSnapshot(stateFile);
	const sandbox = await createSandbox({ port: 0, caldavUpstream: radicale, prepare: (state) => void (snapshot === undefined ? undefined : restoreSnapshot(state, snapshot)) });
	const stop = async (): Promise<void> => {
		await sandbox.close();
		await radicale.close();
	};
	cleanups.push(stop);
	return { sandbox, radicale };
}

function receiverFor(respond?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
	return startReceiver(respond).then((receiver) => {
		cleanups.push(() => receiver.close());
		return receiver;
	});
}

describe("state persistence", () => {
	it("restores accounts, grants, calendars, events, channels, subscriptions, iCloud and mail into a new sandbox on another port", async () => {
		const dir = await tempDir();
		const stateFile = join(dir, "sandbox.json");
		const googlePushes = await receiverFor();
		const graphPushes = await receiverFor(graphEcho);
		const first = await startOn(dir, stateFile);
		const before = first.sandbox;

		// Google: a signed-in account with a refresh token, an event written through the Calendar API, a watch channel.
		const google = await googleSignIn(before, PAT);
		expect(google.refresh_token).toBeDefined();
		expect((await postJson(`${before.url}/google/calendar/v3/calendars/primary/events`, GOOGLE_EVENT, bearer(google.access_token))).status).toBe(200);
		const watch = await postJson(`${before.url}/google/calendar/v3/calendars/primary/events/watch`, { id: "persist-chan", type: "web_hook", address: googlePushes.url }, bearer(google.access_token));
		expect(watch.status).toBe(200);
		// Microsoft: the same, with a Graph subscription and a master category of the mailbox's own.
		const microsoft = await microsoftSignIn(before, MO);
		const graph = `${before.url}/microsoft/graph/v1.0`;
		expect((await postJson(`${graph}/me/events`, GRAPH_EVENT, bearer(microsoft.access_token))).status).toBe(201);
		const subscription = await postJson(
			`${graph}/subscriptions`,
			{ changeType: "created", notificationUrl: graphPushes.url, resource: "me/events", expirationDateTime: new Date(Date.now() + 86_400_000).toISOString() },
			bearer(microsoft.access_token),
		);
		expect(subscription.status).toBe(201);
		const subscriptionId = (await json<{ id: string }>(subscription)).id;
		expect((await postJson(`${graph}/me/outlook/masterCategories`, { displayName: "Slotline", color: "preset9" }, bearer(microsoft.access_token))).status).toBe(201);
		// iCloud: an account with an event in its Home calendar, written through the partition host.
		const account = await json<{ dsid: string }>(postJson(`${before.url}/_control/icloud/accounts`, { appleId: AMY.user, appPassword: AMY.password }));
		expect((await dav("PUT", `${before.partitionUrl}/${account.dsid}/calendars/home/persist-1.ics`, { ...AMY, body: eventIcs("persist-1", "20260506T100000Z", "Yoga") })).status).toBe(201);
		// Mail.
		expect((await postJson(`${before.url}/mail/messages`, { from: "app@slotline.test", to: PAT, subject: "Your booking", text: "See you" })).status).toBe(201);
		await flush(before);

		await saveState(before.state, stateFile);
		expect((await stat(stateFile)).mode & 0o777).toBe(0o600);
		await cleanups.pop()?.();

		const { sandbox: after } = await startOn(dir, stateFile);
		expect(after.url).not.toBe(before.url);

		// The refresh token still refreshes, and the access token issued before the restart still reads.
		const refreshed = await tokenRequest(after, { grant_type: "refresh_token", refresh_token: google.refresh_token ?? "" });
		expect(refreshed.status).toBe(200);
		const { access_token: googleAccess } = await json<{ access_token: string }>(refreshed);
		for (const token of [googleAccess, google.access_token]) {
			const listed = await json<{ items: Array<{ summary: string }> }>(fetch(`${after.url}/google/calendar/v3/calendars/primary/events`, { headers: bearer(token) }));
			expect(listed.items.map((e) => e.summary)).toEqual(["Dentist"]);
		}
		const microsoftRefresh = await fetch(`${after.url}/microsoft/common/oauth2/v2.0/token`, {
			method: "POST",
			body: new URLSearchParams({ ...MICROSOFT_CLIENT, grant_type: "refresh_token", refresh_token: microsoft.refresh_token ?? "" }),
		});
		expect(microsoftRefresh.status).toBe(200);
		const { access_token: microsoftAccess } = await json<{ access_token: string }>(microsoftRefresh);
		const graphAfter = `${after.url}/microsoft/graph/v1.0`;
		const graphEvents = await json<{ value: Array<{ subject: string }> }>(fetch(`${graphAfter}/me/events`, { headers: bearer(microsoftAccess) }));
		expect(graphEvents.value.map((e) => e.subject)).toEqual(["Board meeting"]);
		const categories = await json<{ value: Array<{ displayName: string }> }>(fetch(`${graphAfter}/me/outlook/masterCategories`, { headers: bearer(microsoftAccess) }));
		expect(categories.value.map((c) => c.displayName)).toContain("Slotline");

		// The channel and the subscription still deliver: the fresh store's listeners reach the restored registries.
		googlePushes.received.length = 0;
		graphPushes.received.length = 0;
		expect((await postJson(`${after.url}/google/calendar/v3/calendars/primary/events`, { ...GOOGLE_EVENT, summary: "Later" }, bearer(googleAccess))).status).toBe(200);
		const created = await json<{ id: string }>(postJson(`${graphAfter}/me/events`, { ...GRAPH_EVENT, subject: "Later" }, bearer(microsoftAccess)));
		await flush(after);
		expect(googlePushes.received.map((r) => [r.headers["x-goog-channel-id"], r.headers["x-goog-resource-state"]])).toEqual([["persist-chan", "exists"]]);
		expect(Number(googlePushes.received[0]?.headers["x-goog-message-number"])).toBeGreaterThan(1);
		const notified = graphPushes.received.flatMap((r) => (JSON.parse(r.body) as { value: Array<{ subscriptionId: string; resourceData: { id: string } }> }).value);
		expect(notified.map((n) => [n.subscriptionId, n.resourceData.id])).toEqual([[subscriptionId, created.id]]);

		// iCloud: the same password opens the same calendar home, now on the new partition host, with its event.
		const event = await dav("GET", `${after.partitionUrl}/${account.dsid}/calendars/home/persist-1.ics`, AMY);
		expect(event.status).toBe(200);
		expect(event.text).toContain("SUMMARY:Yoga");
		expect((await dav("GET", `${after.partitionUrl}/${account.dsid}/calendars/home/persist-1.ics`, { ...AMY, password: "wrong" })).status).toBe(401);
		// A new account rewrites Radicale's users without losing the ones from before the restart.
		expect((await postJson(`${after.url}/_control/icloud/accounts`, { appleId: "bo@icloud.example", appPassword: "bo-password" })).status).toBe(201);
		expect((await dav("GET", `${after.partitionUrl}/${account.dsid}/calendars/home/persist-1.ics`, AMY)).status).toBe(200);

		const mail = await json<{ messages: Array<{ subject: string }> }>(fetch(`${after.url}/_control/mail?to=${PAT}`));
		expect(mail.messages.map((m) => m.subject)).toEqual(["Your booking"]);
	}, 60_000);
});


interface Cli {
	url: string;
	output: () => string;
	/** Ctrl+C to the process group, then right after the start script's SIGTERM (also to the group); the exit and how long it took. */
	interrupt(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/** `node --import tsx sandbox/main.ts` in a process group of its own, as the start script runs it; resolves once its output matches `ready`. */
async function startCli(env: Record<string, string>, ready: RegExp): Promise<Cli> {
	const port = Number(env.SANDBOX_PORT);
	const child = spawn(process.execPath, ["--import", "tsx", "sandbox/main.ts"], { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
	let output = "";
	child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
	child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
	const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
	cleanups.push(async () => {
		if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid ?? 0), "SIGKILL");
	});
	const deadline = Date.now() + 30_000;
	while (!ready.test(output)) {
		if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the sandbox did not start:\n${output}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	return {
		url: `http://127.0.0.1:${port}`,
		output: () => output,
		async interrupt() {
			const started = Date.now();
			process.kill(-(child.pid ?? 0), "SIGINT");
			process.kill(-(child.pid ?? 0), "SIGTERM");
			const result = await Promise.race([exited, new Promise<{ code: null; signal: null }>((resolve) => setTimeout(() => resolve({ code: null, signal: null }), 30_000))]);
			return { ...result, ms: Date.now() - started };
		},
	};
}

/** An error report or a stack trace in the CLI's output (a second stop would report "closing the ports failed"). */
const TROUBLE = /Error|failed|^\s+at /m;

describe("the sandbox CLI", () => {
	it("with SANDBOX_STATE_DIR: stops with 0 on SIGINT + SIGTERM, saves, and the next start on the same ports comes back", async () => {
		const dir = await tempDir();
		const ports = await freePorts(["sandbox", "partition"]);
		const env = { SANDBOX_STATE_DIR: dir, SANDBOX_PORT: String(ports.sandbox), SANDBOX_PARTITION_PORT: String(ports.partition) };
		const first = await startCli(env, /^sandbox state/m);
		expect(first.output()).toMatch(/^sandbox state: none yet in .*sandbox\.json$/m);
		expect((await postJson(`${first.url}/mail/messages`, { from: "app@slotline.test", to: PAT, subject: "Kept", text: "." })).status).toBe(201);
		const account = await json<{ calendarHomeUrl: string }>(postJson(`${first.url}/_control/icloud/accounts`, { appleId: AMY.user, appPassword: AMY.password }));
		const stopped = await first.interrupt();
		expect(stopped).toMatchObject({ code: 0, signal: null });
		expect(stopped.ms).toBeLessThan(5000);
		expect(first.output()).not.toMatch(TROUBLE);
		expect(existsSync(join(dir, "sandbox.json"))).toBe(true);
		expect(existsSync(join(dir, "radicale", "users"))).toBe(true);

		const second = await startCli(env, /^sandbox state/m);
		expect(second.output()).toMatch(/^sandbox state restored from .*sandbox\.json \(0 users, 0 calendars, 1 iCloud accounts\)$/m);
		const mail = await json<{ messages: Array<{ subject: string }> }>(fetch(`${second.url}/_control/mail`));
		expect(mail.messages.map((m) => m.subject)).toEqual(["Kept"]);
		// The calendar home URL the app stored during the first run still answers.
		expect((await dav("PROPFIND", account.calendarHomeUrl, { ...AMY, depth: "1" })).status).toBe(207);
		expect((await second.interrupt()).code).toBe(0);
		expect(second.output()).not.toMatch(TROUBLE);
	}, 60_000);

	it("without SANDBOX_STATE_DIR: writes no state and removes Radicale's temporary folder on stop", async () => {
		const temp = await tempDir();
		const cli = await startCli({ TMPDIR: temp, SANDBOX_PORT: String(await freePort()), SANDBOX_PARTITION_PORT: "0" }, /^Radicale \(CalDAV\) on /m);
		const radicaleFolders = async (): Promise<string[]> => (await readdir(temp)).filter((name) => name.startsWith("slotline-radicale-"));
		expect(await radicaleFolders()).toHaveLength(1);
		expect(cli.output()).not.toMatch(/sandbox state/);
		const stopped = await cli.interrupt();
		expect(stopped).toMatchObject({ code: 0, signal: null });
		expect(cli.output()).not.toMatch(TROUBLE);
		expect(await radicaleFolders()).toEqual([]);
		expect(existsSync(join(root, "sandbox.json"))).toBe(false);
	}, 60_000);
});

it("keeps the state file readable as JSON, with no timestamp, so an unchanged state writes the same text", async () => {
	const dir = await tempDir();
	const sandbox = await createSandbox({ port: 0 });
	cleanups.push(() => sandbox.close());
	await postJson(`${sandbox.url}/_control/google/users`, { email: PAT });
	await saveState(sandbox.state, join(dir, "a.json"));
	await saveState(sandbox.state, join(dir, "b.json"));
	const [a, b] = await Promise.all([readFile(join(dir, "a.json"), "utf8"), readFile(join(dir, "b.json"), "utf8")]);
	expect(a).toBe(b);
	expect(JSON.parse(a)).toMatchObject({ format: "slotline-sandbox-state", version: 1 });
	// Closing twice is safe (a Ctrl+C and a SIGTERM both stop the CLI).
	await sandbox.close();
	await expect(sandbox.close()).resolves.toBeUndefined();
});

it("saves periodically, only when the state changed, and once more on stop", async () => {
	const dir = await tempDir();
	const file = join(dir, "sandbox.json");
	const sandbox = await createSandbox({ port: 0 });
	cleanups.push(() => sandbox.close());
	const errors: unknown[] = [];
	const saver = autoSave(sandbox.state, file, 20, (error) => errors.push(error));
	const until = async (check: () => Promise<boolean>): Promise<void> => {
		const deadline = Date.now() + 5000;
		while (!(await check())) {
			if (Date.now() > deadline) throw new Error("timed out");
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
	};
	await postJson(`${sandbox.url}/mail/messages`, { from: "app@slotline.test", to: PAT, subject: "First", text: "." });
	await until(async () => existsSync(file) && (await readFile(file, "utf8")).includes("First"));
	// Every save writes a new file (new mtime) and renames it over the old one.
	const written = await stat(file, { bigint: true });
	await new Promise((resolve) => setTimeout(resolve, 200));
	const later = await stat(file, { bigint: true });
	expect([later.ino, later.mtimeNs]).toEqual([written.ino, written.mtimeNs]);
	await postJson(`${sandbox.url}/mail/messages`, { from: "app@slotline.test", to: PAT, subject: "Second", text: "." });
	await saver.stop();
	expect(await readFile(file, "utf8")).toContain("Second");
	expect(errors).toEqual([]);
	expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
});

it("restores Zoom accounts, rotated grants, meetings, the daily count and the webhook endpoint", async () => {
	const dir = await tempDir();
	const stateFile = join(dir, "sandbox.json");
	const before = await createSandbox({ port: 0 });
	cleanups.push(() => before.close());
	const tokens = await zoomSignIn(before, "zoe@example.com", { type: "basic" });
	const meeting = await createMeeting(before, tokens.access_token);
	before.state.zoom.endpoints.set("slotline-test-zoom", { url: "http://127.0.0.1:9/hook", secretToken: "s", validated: true, lastValidation: "2026-01-01T00:00:00Z" });
	await saveState(before.state, stateFile);
	const snapshot = await readSnapshot(stateFile);
	const after = await createSandbox({ port: 0, prepare: (state) => void (snapshot === undefined ? undefined : restoreSnapshot(state, snapshot)) });
	cleanups.push(() => after.close());

	const read = await zoomApi(after, tokens.access_token, "GET", `/meetings/${meeting.id}`);
	expect(await read.json()).toMatchObject({ id: meeting.id, join_url: meeting.join_url });
	expect(await (await zoomApi(after, tokens.access_token, "GET", "/users/me")).json()).toMatchObject({ email: "zoe@example.com", type: 1 });
	expect((await zoomToken(after, { grant_type: "refresh_token", refresh_token: tokens.refresh_token })).status).toBe(200);
	expect(after.state.zoom.usage.get("zoe@example.com")?.count).toBe(1);
	expect(after.state.zoom.endpoints.get("slotline-test-zoom")?.url).toBe("http://127.0.0.1:9/hook");
});
