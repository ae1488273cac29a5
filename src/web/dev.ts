// Local-only routes for `npm start`: seeding the demo merchant, polling calendars on demand for the
// polling benchmark, and when meeting links were stored for the link-latency benchmark. Enabled only when DEMO_SEED_TOKEN is set (.dev.vars sets it; production leaves it
// empty), and then only with that token. The D1 statement counts, for the tests and benchmarks, only
// when D1_STATEMENT_COUNTING is "1".
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import { merchantSchedule } from "../booking/merchant-schedule";
import { unwrapOutcome } from "../booking/outcome";
import { syncScheduleSetup } from "../booking/setup-sync";
import { hashPassword } from "../auth/password";
import { countingEnabled, resetStatementCounts, statementCounts, statementCountsBySql } from "../db/statement-count";
import { BENCH_MAX_STAFF, seedBenchMerchant } from "../demo/bench-merchants";
import { DEMO_MERCHANT_ID, DEMO_OWNER_EMAIL, DEMO_SLUG, demoBookingCommands, resetDemoOwnerPassword, seedDemoCatalogue, seedDemoOwner } from "../demo/seed";
import { NotFoundError } from "../errors";
import { bookingMeetings } from "../db/schema";
import { syncContextFor } from "../sync/context";
import { calendarPoller } from "../sync/polling";
import { connectDemoCalendars } from "../sync/sandbox-connect";
import type { AppEnv } from "./context";
import { validationHook } from "./validation";

const seedBody = z.object({
	/** The owner's password if the account is created now (or reset, below). */
	ownerPassword: z.string().min(10).max(256),
	/** Also set it on an existing account: `npm start` does so once for state whose password it does not know. */
	resetOwnerPassword: z.boolean().default(false),
	/** The provider sandbox; when given and the demo is created now, Ana's and Ben's sandbox calendars are connected before any booking is made. */
	sandboxUrl: z.url().optional(),
	/**
	 * "always" connects them into an existing demo too: the outbound benchmark books first and then
	 * connects, so every booking is pushed at once. `npm start` keeps the default.
	 */
	connectCalendars: z.enum(["if-created", "always"]).default("if-created"),
});

const benchBody = z.object({
	count: z.number().int().min(1).max(50),
	/** The storms' merchants have 3; the availability benchmark's has 10. */
	staffPerMerchant: z.number().int().min(1).max(BENCH_MAX_STAFF).default(3),
});

const pollNowBody = z.object({ connectionIds: z.array(z.string().min(1).max(64)).min(1).max(500) });

/** Every dev route answers 404 unless DEMO_SEED_TOKEN is set and presented. */
function requireSeedToken(env: Env, presented: string | undefined): void {
	const token = env.DEMO_SEED_TOKEN;
	if (token === "" || presented !== token) throw new NotFoundError("Route");
}

export const dev = new Hono<AppEnv>()
	// This isolate's D1 statements by phase since the last reset; `?reset=1` answers them and starts again at 0;
	// `?by=statement` answers them by statement text instead.
	.get("/_dev/d1-statements", (c) => {
		if (!countingEnabled(c.env)) throw new NotFoundError("Route");
		const counts = c.req.query("by") === "statement" ? statementCountsBySql() : statementCounts();
		if (c.req.query("reset") === "1") resetStatementCounts();
		return c.json(counts);
	})
	// Extra merchants for the multi-merchant booking storm (scripts/bench/storm-merchants.mjs).
	.post("/_dev/seed-bench-merchants", async (c) => {
		requireSeedToken(c.env, c.req.header("x-seed-token"));
		const parsed = benchBody.safeParse(await c.req.json().catch(() => null));
		if (!parsed.success) validationHook({ target: "json", success: false, error: parsed.error });
		const seeded = [];
		for (let n = 1; n <= (parsed.data?.count ?? 0); n++) seeded.push(await seedBenchMerchant(c.get("db"), n, parsed.data?.staffPerMerchant));
		return c.json({ merchants: seeded });
	})
	// The connections' pollers poll every scheduled calendar at once, all connections in parallel, as their
	// alarms would (scripts/bench/polling.mjs: the unchanged polls one Worker handles a second).
	.post("/_dev/poll-now", async (c) => {
		requireSeedToken(c.env, c.req.header("x-seed-token"));
		const parsed = pollNowBody.safeParse(await c.req.json().catch(() => null));
		if (!parsed.success) validationHook({ target: "json", success: false, error: parsed.error });
		const polls = await Promise.all((parsed.data?.connectionIds ?? []).map((id) => calendarPoller(c.env, id).pollNow()));
		return c.json({ checked: polls.reduce((sum, poll) => sum + poll.checked, 0), changed: polls.reduce((sum, poll) => sum + poll.changed, 0) });
	})
	// When each meeting link of the demo merchant was stored, for the link-latency benchmark
	// (scripts/bench/meetings.mjs). States and times only: a join link is for the booking's people.
	.get("/_dev/meetings", async (c) => {
		requireSeedToken(c.env, c.req.header("x-seed-token"));
		const rows = await c
			.get("db")
			.select({ bookingId: bookingMeetings.bookingId, provider: bookingMeetings.provider, state: bookingMeetings.state, readyAt: bookingMeetings.readyAt })
			.from(bookingMeetings)
			.where(eq(bookingMeetings.merchantId, DEMO_MERCHANT_ID))
			.all();
		return c.json({ meetings: rows });
	})
	.post("/_dev/seed", async (c) => {
		requireSeedToken(c.env, c.req.header("x-seed-token"));
		const parsed = seedBody.safeParse(await c.req.json().catch(() => null));
		if (!parsed.success) validationHook({ target: "json", success: false, error: parsed.error });
		const db = c.get("db");
		const merchantCreated = await seedDemoCatalogue(db);
		// The merchant's object keeps its own copy of the setup: hand it what was just written (and, for a
		// demo seeded again into a database whose object had loaded an earlier one, replace that).
		await syncScheduleSetup(c.env, DEMO_MERCHANT_ID);
		let ownerCreated = false;
		if (parsed.data !== undefined) {
			const hash = await hashPassword(parsed.data.ownerPassword);
			ownerCreated = await seedDemoOwner(db, hash);
			if (!ownerCreated && parsed.data.resetOwnerPassword) await resetDemoOwnerPassword(db, hash);
		}
		// Connected first, so the demo bookings below already go out to these calendars. Only with a
		// demo created now: connecting again would reconnect a calendar its admin disconnected and
		// resync (and re-choose) calendars they changed, on every `npm start`.
		const sandboxUrl = parsed.data?.sandboxUrl;
		const connectNow = merchantCreated || parsed.data?.connectCalendars === "always";
		const connected =
			sandboxUrl === undefined || !connectNow ? [] : await connectDemoCalendars(syncContextFor(c.env, db, c.var.mailer), sandboxUrl, DEMO_MERCHANT_ID);
		const commands = await demoBookingCommands(db, Date.now());
		const schedule = merchantSchedule(c.env, DEMO_MERCHANT_ID);
		for (const command of commands) unwrapOutcome(await schedule.createBooking(command));
		// The next seed asks D1's read model whether the demo has bookings: make sure it has these.
		if (commands.length > 0) await schedule.flush();
		return c.json({ merchantId: DEMO_MERCHANT_ID, merchantSlug: DEMO_SLUG, ownerEmail: DEMO_OWNER_EMAIL, merchantCreated, ownerCreated, bookingsCreated: commands.length, calendarsConnected: connected.map((row) => ({ staffId: row.staffId, provider: row.provider, account: row.accountLabel })) });
	});
