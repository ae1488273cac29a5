// Outbound sync under the sandbox's own faults, at scale: 500 bookings (six recurring series among them)
// are made, rescheduled, noted and cancelled while the real queue consumer drains concurrently, batches in
// parallel as Cloudflare runs them, retries after the delays it asks for (compressed), at-least-once
// delivery, a dead-letter queue. The suite's own sandbox (test/setup/fault-sandbox.ts) fails 30% of all
// requests to Google, Microsoft and its iCloud layer (5xx, 429, Google's 403 rateLimitExceeded, with
// Retry-After) and, in latency windows, holds requests past the client's timeout so writes time out after
// the provider performed them. Early on, the consumer loses D1 and the mail service refuses every email
// for longer than the queue's whole retry budget: jobs of every kind die, the dead-letter consumer waits
// D1 out before it keeps them, and the cron's next run queues them again. (The outage starts between
// deliveries: one caught between sending an email and recording it could send it twice.) Ana's Google
// grant is revoked halfway: her connection goes to Error, she re-authorises (a new grant), and her
// backlog drains. Afterwards each staff calendar holds exactly one event per confirmed booking (a series
// as one recurring event with its exceptions) at its current time, none for cancelled ones, every
// customer got each email exactly once, nothing waits, no dead letter or dead job is left (the admin's
// retry takes what the cron did not), and no console line of the run carries a token, a password or a secret.
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectionById, pendingCount } from "../../src/db/queries/connections";
import { deadJobs } from "../../src/db/schema";
import { DEMO_OWNER_EMAIL } from "../../src/demo/seed";
import { consumeBatch } from "../../src/sync/consumer";
import { runCron } from "../../src/sync/cron";
import { retryFailed } from "../../src/sync/connection-health";
import { LeakGuard } from "../security/leak-guard";
import { weekdayAt } from "../support/demo";
import { seedDemo } from "../support/seed";
import { book, change, db, outboxJobs } from "../sync/harness";
import { D1Outage } from "./outage";
import { SimulatedQueue } from "./queue";
import {
	FaultPlan,
	calendarContents,
	connectICloudStaff,
	connectOAuthStaff,
	differences,
	expectedContents,
	faultContext,
	faultControl,
	faultEnv,
	sleep,
} from "./world";
import type { StaffCalendar } from "./world";

const BOOKINGS = 500;
const SERIES_PER_STAFF = 2;
const SERIES_LENGTH = 5;
const FAILURE_RATE = 0.3;
/** One requested second of retry delay lasts this long here. */
const MS_PER_SECOND = 20;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Single bookings sit on a 40-minute grid and series on the same grid shifted by 20, so no two ever overlap. */
const LANE = 40 * MINUTE;
/** Reschedules move single bookings this far along their staff member's grid, into free slots. */
const RESCHEDULE_LANES = 600;

beforeEach(() => seedDemo({ owner: { password: null } }));
let guard: LeakGuard | undefined;
afterEach(() => {
	guard?.releaseConsole();
});

/** mulberry32: every random choice of the run comes from one seed, so a failure can be replayed. */
function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return function next(): number {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = Math.imul(a ^ (a >>> 15), a | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** Waits for a condition the run reaches by itself (no assertion on how long it takes). */
async function until(condition: () => boolean | Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
	const deadline = Date.now() + limitMs;
	while (!(await condition())) {
		if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
		await sleep(20);
	}
}

type Operation = { at: number; run: () => Promise<unknown>; label: string };

describe("sync under provider faults", () => {
	it(`${BOOKINGS} bookings made, changed and cancelled through 30% failures, timeouts and a revoked grant end exactly right in Google, Microsoft and iCloud`, { timeout: 240_000 }, async () => {
		const started = Date.now();
		const print = console.log.bind(console);
		guard = new LeakGuard();
		// Hundreds of retry lines: kept out of the output, and every one scanned for secrets at the end.
		guard.captureConsole({ silent: true });
		const random = seeded(20_261_117);

		const queue = new SimulatedQueue({
			consume: (batch) => consumeBatch(batch, consumer),
			batchSize: 10,
			concurrency: 8,
			maxRetries: 6,
			msPerSecond: MS_PER_SECOND,
			duplicateRate: 0.05,
			random,
		});
		const faulty = faultEnv(queue);
		// The queue's consumers (and the cron) reach D1 through this; the write path and the people connecting do not.
		const d1 = new D1Outage();
		const consumer = d1.env(faulty);
		const context = faultContext(faulty);
		// A rerun (watch mode) starts from an empty sandbox too.
		await faultControl("/reset", {});

		const tag = crypto.randomUUID().slice(0, 8);
		const icloudPassword = `abcd-efgh-${tag}`;
		guard.addSecret("iCloud app-specific password", icloudPassword);
		let ana = await connectOAuthStaff(context, "google", "stf_demo_ana", `ana-${tag}@gmail.test`);
		const ben = await connectOAuthStaff(context, "microsoft", "stf_demo_ben", `ben-${tag}@outlook.test`);
		const chloe = await connectICloudStaff(context, "stf_demo_chloe", `chloe-${tag}@icloud.test`, icloudPassword);
		// Connecting queued each checked calendar's first sync; they run before the faults start.
		await queue.idle();
		await guard.collectStoredCredentials();

		const plan = new FaultPlan(FAILURE_RATE, 7);
		await plan.arm();

		// ---- The operations: creations in order, each change some time after its booking's creation.
		const staff = [ana, ben, chloe];
		const base = weekdayAt(1, "06:00", 2);
		const nextLane = new Map(staff.map((s) => [s.staffId, 0]));
		const nextMove = new Map(staff.map((s) => [s.staffId, RESCHEDULE_LANES]));
		const laneOf = (staffId: string, lanes: Map<string, number>): number => {
			const n = lanes.get(staffId) ?? 0;
			lanes.set(staffId, n + 1);
			return base + n * LANE;
		};
		const ids = new Map<string, string>();
		const id = (key: string): string => {
			const found = ids.get(key);
			if (found === undefined) throw new Error(`${key} was not created`);
			return found;
		};
		const operations: Operation[] = [];
		/** Emails each customer must get: one per creation, move and cancellation (notes are not mailed). */
		const expectedEmails = new Map<string, number>();
		const mails = (to: string): void => {
			expectedEmails.set(to, (expectedEmails.get(to) ?? 0) + 1);
		};
		let position = 0;
		const later = (from: number): number => from + 1 + Math.floor(random() * 60);
		const singles = BOOKINGS - staff.length * SERIES_PER_STAFF * SERIES_LENGTH;
		const seriesAt = new Set(Array.from({ length: staff.length * SERIES_PER_STAFF }, (_, k) => Math.floor(((k + 0.5) * singles) / (staff.length * SERIES_PER_STAFF))));
		let seriesMade = 0;
		for (let i = 0; i < singles; i++) {
			const member = staff[i % staff.length] as StaffCalendar;
			const key = `single ${i}`;
			const customerEmail = `storm${i}@example.com`;
			const start = laneOf(member.staffId, nextLane);
			const created = position++;
			mails(customerEmail);
			operations.push({
				at: created,
				label: key,
				run: async () => {
					const [booking] = await book({ serviceId: "svc_demo_consult", staffId: member.staffId, start, customer: { name: `Storm ${i}`, email: customerEmail, phone: null }, customerNotes: null });
					ids.set(key, booking?.id ?? "");
				},
			});
			// Of every ten single bookings of a staff member: one moved, one cancelled, one noted, one moved
			// and then cancelled, one moved twice; the other five stay as made.
			const kind = Math.floor(i / staff.length) % 10;
			let when = created;
			const move = (): void => {
				const to = laneOf(member.staffId, nextMove);
				when = later(when);
				mails(customerEmail);
				operations.push({ at: when, label: `${key} moved`, run: () => change.reschedule(id(key), to) });
			};
			if (kind === 1 || kind === 4 || kind === 5) move();
			if (kind === 5) move();
			if (kind === 3) {
				when = later(when);
				operations.push({ at: when, label: `${key} noted`, run: () => change.notes(id(key), `Note ${i}`) });
			}
			if (kind === 2 || kind === 4) {
				when = later(when);
				mails(customerEmail);
				operations.push({ at: when, label: `${key} cancelled`, run: () => change.cancel(id(key)) });
			}
			if (!seriesAt.has(i)) continue;
			// A weekly series, on the shifted grid; each staff member's first has a moved, a cancelled and a
			// noted occurrence, their second is moved as a whole (Ana, Ben) or cancelled as a whole (Chloé).
			const n = seriesMade++;
			const owner = staff[n % staff.length] as StaffCalendar;
			const second = n >= staff.length;
			const seriesStart = base + LANE / 2 + (second ? 1 : 0) * LANE;
			const seriesKey = `series ${n}`;
			const seriesEmail = `series${n}@example.com`;
			// One email for the series, and one for each change below but the note.
			for (let k = 0; k < (second ? 2 : 3); k++) mails(seriesEmail);
			const occurrences: string[] = [];
			const seriesCreated = position++;
			operations.push({
				at: seriesCreated,
				label: seriesKey,
				run: async () => {
					const made = await book({
						serviceId: "svc_demo_consult",
						staffId: owner.staffId,
						start: seriesStart,
						recurrence: { frequency: "weekly", count: SERIES_LENGTH },
						customer: { name: `Series ${n}`, email: seriesEmail, phone: null },
						customerNotes: null,
					});
					occurrences.push(...made.map((b) => b.id));
				},
			});
			const occurrence = (k: number): string => occurrences[k] ?? "";
			if (!second) {
				operations.push({ at: later(seriesCreated), label: `${seriesKey} #1 moved`, run: () => change.reschedule(occurrence(1), seriesStart + 7 * DAY + 3 * LANE) });
				operations.push({ at: later(seriesCreated), label: `${seriesKey} #2 cancelled`, run: () => change.cancel(occurrence(2)) });
				operations.push({ at: later(seriesCreated), label: `${seriesKey} #3 noted`, run: () => change.notes(occurrence(3), "Bring the forms") });
			} else if (owner !== chloe) {
				operations.push({ at: later(seriesCreated), label: `${seriesKey} moved`, run: () => change.reschedule(occurrence(0), seriesStart + DAY, "series") });
			} else {
				operations.push({ at: later(seriesCreated), label: `${seriesKey} cancelled`, run: () => change.cancel(occurrence(0), "series") });
			}
		}
		// Stable: a booking's changes keep their order, and come after its creation.
		operations.sort((a, b) => a.at - b.at);

		// ---- The run: operations in chunks, each chunk's outbox relayed to the queue, the consumer busy meanwhile.
		const relay = async (): Promise<void> => {
			for (const job of await outboxJobs()) await queue.send(job);
		};
		let producing = true;
		let outageOver = false;
		let outageDeaths = 0;
		let revokedAt = -1;
		let errorSeen = null as { kind: string | null; message: string | null } | null;
		let reauthorized = false;
		let reconnectAttempts = 0;
		const outageAt = Math.floor(operations.length * 0.15);
		const revokeAt = Math.floor(operations.length * 0.4);
		const CHUNK = 20;

		/** Ana's connection asks her to re-authorise (not merely a failed push): what the Integrations page shows. */
		const anaInError = async (): Promise<boolean> => {
			const row = await connectionById(db, ana.connection.id);
			if (row?.status === "error" && row.errorKind === "reauthorize") errorSeen = { kind: row.errorKind, message: row.statusMessage };
			return errorSeen !== null;
		};
		/** She connects Google again: a new consent and grant, through the same faults (a failed try is tried again). */
		const reauthorize = async (): Promise<void> => {
			for (;;) {
				reconnectAttempts++;
				try {
					ana = await connectOAuthStaff(context, "google", "stf_demo_ana", ana.account);
					break;
				} catch (error) {
					if (reconnectAttempts >= 30) throw error;
				}
			}
			reauthorized = true;
		};

		// The outage and the latency windows take turns: closing a window re-arms the faults, which would end the outage.
		let turn: Promise<void> = Promise.resolve();
		const exclusively = (work: () => Promise<void>): Promise<void> => {
			const mine = turn.then(work);
			turn = mine.catch(() => undefined);
			return mine;
		};
		/**
		 * D1 out of the consumers' reach and the mail service refusing every email (no booking can be made
		 * meanwhile either) until every job on the queue has run out of retries: longer than the whole retry
		 * budget, however fast this machine runs. It starts between deliveries, so no email is caught between
		 * its send and its record.
		 */
		const outage = async (): Promise<void> => {
			queue.pause();
			await queue.settled();
			const deadBefore = queue.stats.deadLettered;
			// The chunk before the outage reaches the queue only now, while it is paused, so the outage always has
			// work to kill (one job per operation at least); relayed earlier, a fast consumer or a latency window
			// (which resumes the queue when it closes) could drain it first and leave too few jobs to die.
			await relay();
			d1.down = true;
			await faultControl("/faults", { provider: "mail", endpoint: "*", status: 503 });
			queue.resume();
			await until(() => queue.live === 0, "every job on the queue to run out of retries", 120_000);
			d1.down = false;
			// Clears the mail fault with the rest, and arms the provider faults again.
			await plan.disarm();
			await plan.arm();
			outageDeaths = queue.stats.deadLettered - deadBefore;
			outageOver = true;
		};

		const production = (async (): Promise<void> => {
			for (let i = 0; i < operations.length; i += CHUNK) {
				for (const operation of operations.slice(i, i + CHUNK)) await operation.run();
				if (!outageOver && i >= outageAt) await exclusively(outage);
				else await relay();
				if (revokedAt < 0 && i >= revokeAt) {
					// Ana revokes Slotline's access at Google: her refresh token dies and her access token lapses.
					revokedAt = i;
					await guard.collectStoredCredentials();
					await faultControl("/faults", { provider: "google", revokeRefreshTokens: true, email: ana.account });
					await faultControl("/faults", { provider: "google", expireAccessTokens: true });
				}
				if (revokedAt >= 0 && errorSeen === null) await anaInError();
				// A few chunks later (her pushes wait meanwhile), she re-authorises while the run goes on.
				if (errorSeen !== null && !reauthorized && i >= revokedAt + 3 * CHUNK) await reauthorize();
				// The next chunk waits while the consumer is far behind, so changes keep meeting pushes in flight.
				await until(() => queue.backlog < 80, "the backlog to shrink", 120_000);
			}
			producing = false;
		})();

		const chaos = (async (): Promise<void> => {
			const providers = ["google", "microsoft", "icloud"] as const;
			// One window per provider, spread over the run.
			for (let n = 0; producing && n < 3; n++) {
				await sleep(5_000);
				if (!producing) break;
				await exclusively(() => plan.latencyWindow(providers[n % providers.length] ?? "google", 1_200, queue));
			}
		})();

		await Promise.all([production, chaos]);
		if (!reauthorized) {
			await until(anaInError, "Ana's connection to ask for re-authorisation");
			await reauthorize();
		}
		await queue.idle();
		// ---- The cron's next run queues again every job that died (and retries connections in Error).
		const { deadJobsRequeued } = await runCron(consumer, Date.now());
		await queue.idle();
		// Ana's connection went to Error, asking for re-authorisation, and then came back by itself being reconnected.
		expect(errorSeen).toMatchObject({ kind: "reauthorize" });
		expect(reauthorized).toBe(true);

		// ---- Dead letters put a connection in Error (push-failed); the admin's Retry takes them and what waits.
		let adminRetries = 0;
		for (let round = 0; round < 10; round++) {
			let queued = 0;
			for (const calendar of [ana, ben, chloe]) {
				const row = await connectionById(db, calendar.connection.id);
				const pending = await pendingCount(db, calendar.connection.id);
				if (row === null || (row.status === "active" && pending.waiting + pending.failed === 0)) continue;
				adminRetries++;
				queued += await retryFailed(context, row);
			}
			if (queued === 0) break;
			await queue.idle();
		}
		await plan.disarm();

		const stats = queue.stats;
		guard.releaseConsole();
		const lines = guard.consoleLines();
		const timeouts = new Map<string, number>();
		for (const { text } of lines) {
			const provider = /"provider":"(\w+)","status":0,"code":"timeout"/.exec(text)?.[1];
			if (provider !== undefined) timeouts.set(provider, (timeouts.get(provider) ?? 0) + 1);
		}
		print(
			[
				`FAULTS ${BOOKINGS} bookings, ${operations.length} operations, ${((Date.now() - started) / 1000).toFixed(1)} s`,
				`  injected errors: ${[...plan.injected].map(([key, n]) => `${key}: ${n}`).join(", ")}`,
				`  latency windows: ${plan.windows}; timeouts seen by the consumer: ${[...timeouts].map(([p, n]) => `${p} ${n}`).join(", ") || "none"}`,
				`  queue: ${stats.deliveries} deliveries, ${stats.retries} retries, ${stats.duplicates} duplicates, ${stats.deadLettered} dead letters, ${adminRetries} admin retries`,
				`  outage of D1 and mail until every job on the queue died: ${outageDeaths} jobs died, ${d1.refused} D1 calls refused, ${deadJobsRequeued} dead jobs queued again by the cron`,
				`  revoked grant: Error "${errorSeen?.kind}" seen, re-authorised after ${reconnectAttempts} attempt(s)`,
			].join("\n"),
		);

		// ---- Every calendar holds exactly what it must.
		const window = { from: base - DAY, to: base + 120 * DAY };
		for (const calendar of [ana, ben, chloe]) {
			const expected = await expectedContents(calendar.staffId);
			const actual = await calendarContents(calendar, window);
			expect({ provider: calendar.provider, ...differences(actual, expected) }).toEqual({ provider: calendar.provider, duplicates: [], missing: [], extra: [], wrongShape: [], wrongTime: [] });
			expect(expected.size).toBeGreaterThan(60);
			const row = await connectionById(db, calendar.connection.id);
			expect({ provider: calendar.provider, status: row?.status, pending: await pendingCount(db, calendar.connection.id) }).toEqual({ provider: calendar.provider, status: "active", pending: { waiting: 0, failed: 0 } });
		}
		expect(stats.crashes).toBe(0);
		expect(stats.lost).toBe(0);
		// The outage killed jobs, the cron brought back what was kept, and nothing is left.
		expect(outageDeaths).toBeGreaterThan(10);
		expect(deadJobsRequeued).toBeGreaterThan(5);
		expect(await db.select().from(deadJobs).all()).toEqual([]);
		// Every customer got each of their emails exactly once.
		const { messages: mailed } = (await faultControl("/mail")) as { messages: Array<{ to: string[] }> };
		const received = new Map<string, number>();
		for (const message of mailed) for (const to of message.to) if (expectedEmails.has(to)) received.set(to, (received.get(to) ?? 0) + 1);
		const wrong = [...expectedEmails].filter(([to, n]) => received.get(to) !== n).map(([to, n]) => `${to}: expected ${n}, got ${received.get(to) ?? 0}`);
		expect(wrong).toEqual([]);
		// The faults really happened, on every provider.
		for (const provider of ["google", "microsoft", "icloud"] as const) expect(plan.total(provider)).toBeGreaterThan(50);
		expect([...timeouts.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(5);
		// The owner was told that Ana's calendar needs her.
		const { messages } = (await faultControl(`/mail?to=${encodeURIComponent(DEMO_OWNER_EMAIL)}`)) as { messages: Array<{ subject: string }> };
		expect(messages.map((m) => m.subject)).toContain("Calendar sync needs attention (Demo Studio)");

		// ---- Nothing secret in the run's log lines, or in the connection logs an admin reads.
		await guard.collectStoredCredentials();
		const logs = await env.DB.prepare("select message from connection_log where message is not null union all select status_message from calendar_connections where status_message is not null").all<{ message: string }>();
		for (const [n, row] of logs.results.entries()) guard.record(`connection log #${n}`, row.message);
		expect(lines.length).toBeGreaterThan(100);
		expect(guard.findings()).toEqual([]);
	});
});
