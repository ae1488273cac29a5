// Moving an existing deployment's schedules from D1 into the merchants' Durable Objects: the /ops route
// (src/web/ops.ts) against data written in the old format straight into D1, and the command that drives
// it (scripts/migrate-schedules.mjs), run here against the Worker under test.
import { createExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { merchantSchedule } from "../../src/booking/merchant-schedule";
import { createApp } from "../../src/web/app";
import { MigrationError, migrateSchedules } from "../../scripts/migrate-schedules.mjs";
import { at, api, bookingBody, postJson, upcoming } from "../support/demo";
import { mailTo } from "../support/mailbox";
import { flushSchedule } from "../support/schedule";
import { seedDemo } from "../support/seed";

const ROUTE = "/ops/schedules/migrate";

function ops(path: string, init: RequestInit = {}, token: string | null = env.OPS_TOKEN): Promise<Response> {
	const headers = new Headers(init.headers);
	if (token !== null) headers.set("authorization", `Bearer ${token}`);
	return api(path, { ...init, headers });
}

function migrate(merchantId: string, token: string | null = env.OPS_TOKEN): Promise<Response> {
	return ops(ROUTE, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ merchantId }) }, token);
}

interface MigrationReport {
	merchantId: string;
	imported: { bookings: number; series: number; busyBlocks: number; legacyMessages: number; emails: number };
	d1: { bookings: number; checksum: string };
	object: { bookings: number; checksum: string };
	matches: boolean;
	migratedAt: string;
}

interface Listing {
	merchants: Array<{ id: string; slug: string; d1: { bookings: number; series: number; busyBlocks: number; unsentMessages: number } }>;
	next: string | null;
}

async function listing(query = ""): Promise<Listing> {
	const res = await ops(`${ROUTE}${query}`);
	expect(res.status).toBe(200);
	return res.json<Listing>();
}

async function migratedAt(merchantId: string): Promise<number | null> {
	const row = await env.DB.prepare("select schedule_migrated_at as at from merchants where id = ?").bind(merchantId).first<{ at: number | null }>();
	return row?.at ?? null;
}

/** Ana's free haircut starts on `day`, as the booking page would offer them. */
async function anaSlots(day: string): Promise<string[]> {
	const res = await api(`/api/v1/m/demo/availability?serviceId=svc_demo_cut&staffId=stf_demo_ana&from=${day}&to=${day}&timezone=Europe/Amsterdam`);
	expect(res.status).toBe(200);
	return (await res.json<{ slots: Array<{ start: string }> }>()).slots.map((slot) => slot.start);
}

/** A booking row as the write path stored it in D1 before the objects held the schedule. */
function legacyBooking(row: { id: string; staffId: string; start: number; status?: "confirmed" | "cancelled"; version?: number; customerId?: string | null; seriesId?: string; seriesIndex?: number }): D1PreparedStatement {
	const start = row.start;
	const end = start + 45 * 60_000;
	return env.DB.prepare(
		`insert into bookings (id, merchant_id, service_id, staff_id, customer_id, starts_at, ends_at, block_start, block_end, timezone, status, series_id, series_index, original_starts_at, version, updated_at)
		 values (?, 'mer_demo', 'svc_demo_cut', ?, ?, ?, ?, ?, ?, 'Europe/Amsterdam', ?, ?, ?, ?, ?, ?)`,
	).bind(row.id, row.staffId, row.customerId ?? null, start, end, start, end + 15 * 60_000, row.status ?? "confirmed", row.seriesId ?? null, row.seriesIndex ?? null, row.seriesId === undefined ? null : start, row.version ?? 1, Date.now());
}

/** Another merchant with no schedule of its own, as any business created before the move. */
function plainMerchant(id: string): D1PreparedStatement {
	return env.DB.prepare("insert into merchants (id, slug, name, timezone, settings) values (?1, ?1, ?1, 'UTC', ?2)").bind(id, JSON.stringify({ tentativeBlocks: true, signIn: { google: false, facebook: false, password: true } }));
}

/** The migration command, talking to the Worker under test; what it prints is kept in `lines`. */
function run(options: { dryRun?: boolean; token?: string } = {}): { lines: string[]; done: Promise<{ merchants: number }> } {
	const lines: string[] = [];
	const done = migrateSchedules({
		url: "http://slotline.test",
		token: options.token ?? env.OPS_TOKEN,
		dryRun: options.dryRun ?? false,
		// One merchant a page, so every run crosses pages.
		pageSize: 1,
		fetch: (input, init) => exports.default.fetch(new Request(input, init)),
		print: (line) => lines.push(line),
	});
	return { lines, done };
}

beforeEach(async () => {
	await seedDemo();
});

describe("POST /ops/schedules/migrate", () => {
	it("moves a merchant's D1 schedule into its object, verified, relays the unsent legacy message, and imports nothing twice", { timeout: 60_000 }, async () => {
		const day = upcoming(3);
		const email = `legacy-${crypto.randomUUID()}@example.com`;
		const now = Date.now();
		// The old format: a customer record, bookings pointing at it (one cancelled, two of a series),
		// a busy block of a connected calendar, and an outbox row the old relay never sent.
		await env.DB.batch([
			env.DB.prepare("insert into customers (id, merchant_id, name, email, phone) values ('cus_legacy', 'mer_demo', 'Lena Legacy', ?, '+31 6 0000 1111')").bind(email),
			env.DB.prepare("insert into booking_series (id, merchant_id, frequency, count) values ('ser_legacy', 'mer_demo', 'weekly', 2)"),
			legacyBooking({ id: "bkg_legacy_kept", staffId: "stf_demo_ana", start: Date.parse(at(day, "10:00")), customerId: "cus_legacy" }),
			legacyBooking({ id: "bkg_legacy_cancelled", staffId: "stf_demo_ana", start: Date.parse(at(day, "14:00")), status: "cancelled", version: 2, customerId: "cus_legacy" }),
			legacyBooking({ id: "bkg_legacy_s0", staffId: "stf_demo_ben", start: Date.parse(at(day, "09:00")), seriesId: "ser_legacy", seriesIndex: 0, customerId: "cus_legacy" }),
			legacyBooking({ id: "bkg_legacy_s1", staffId: "stf_demo_ben", start: Date.parse(at(day.add({ days: 7 }), "09:00")), seriesId: "ser_legacy", seriesIndex: 1, customerId: "cus_legacy" }),
			env.DB.prepare("insert into calendar_connections (id, merchant_id, staff_id, provider, account_label, status, updated_at) values ('con_legacy', 'mer_demo', 'stf_demo_ana', 'google', 'ana@gmail.example', 'active', ?)").bind(now),
			env.DB.prepare("insert into connection_calendars (id, connection_id, external_id, name, check_conflicts) values ('cal_legacy', 'con_legacy', 'ana-cal', 'Ana', 1)"),
			env.DB.prepare("insert into busy_blocks (id, merchant_id, staff_id, calendar_id, external_event_id, starts_at, ends_at) values ('bb_legacy', 'mer_demo', 'stf_demo_ana', 'cal_legacy', 'evt-dentist', ?, ?)").bind(Date.parse(at(day, "15:00")), Date.parse(at(day, "16:00"))),
			env.DB.prepare("insert into outbox (merchant_id, booking_id, version, change) values ('mer_demo', 'bkg_legacy_kept', 1, 'created')"),
		]);
		expect((await listing()).merchants).toEqual([{ id: "mer_demo", slug: "demo", name: "Demo Studio", d1: { bookings: 4, series: 1, busyBlocks: 1, unsentMessages: 1 } }]);

		const first = await migrate("mer_demo");
		expect(first.status).toBe(200);
		const report = await first.json<MigrationReport>();
		expect(report).toMatchObject({ merchantId: "mer_demo", imported: { bookings: 4, series: 1, busyBlocks: 1, legacyMessages: 1 }, matches: true });
		expect(report.d1).toEqual(report.object);
		expect(report.d1.bookings).toBe(4);
		expect(await migratedAt("mer_demo")).toBe(Date.parse(report.migratedAt));
		expect((await listing()).merchants).toEqual([]);

		// The object holds them as they were, the customer's details taken from the customer record.
		const schedule = merchantSchedule(env, "mer_demo");
		expect(await schedule.booking("bkg_legacy_kept")).toMatchObject({ status: "confirmed", customerEmail: email, customerName: "Lena Legacy", customerPhone: "+31 6 0000 1111", version: 1 });
		expect(await schedule.booking("bkg_legacy_cancelled")).toMatchObject({ status: "cancelled", version: 2 });
		expect(await schedule.booking("bkg_legacy_s1")).toMatchObject({ seriesId: "ser_legacy", seriesIndex: 1 });

		// The legacy message went out (marked sent in D1) and the queue consumer mailed its confirmation.
		const outbox = await env.DB.prepare("select sent_at from outbox where booking_id = 'bkg_legacy_kept'").first<{ sent_at: number | null }>();
		expect(outbox?.sent_at).not.toBeNull();
		const [confirmation] = await mailTo(email, 1);
		expect(confirmation?.subject).toMatch(/^Booking confirmed/);

		// Again: nothing imported or sent twice, and still the same on both sides; the first mark stays.
		const sentAt = outbox?.sent_at;
		const second = await migrate("mer_demo");
		expect(second.status).toBe(200);
		const again = await second.json<MigrationReport>();
		expect(again.imported).toEqual({ bookings: 0, series: 0, busyBlocks: 0, legacyMessages: 0, emails: 0 });
		expect(again.object).toEqual(report.object);
		expect(again.d1).toEqual(report.d1);
		expect(again.migratedAt).toBe(report.migratedAt);
		expect((await env.DB.prepare("select sent_at from outbox where booking_id = 'bkg_legacy_kept'").first<{ sent_at: number }>())?.sent_at).toBe(sentAt);

		// Now the object answers with them: the legacy booking and the busy block take their time, the
		// cancelled booking's time is free.
		const after = await anaSlots(day.toString());
		expect(after).not.toContain(at(day, "10:00"));
		expect(after).not.toContain(at(day, "15:00"));
		expect(after).toContain(at(day, "14:00"));
		const taken = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(day, "10:00") }));
		expect(taken.status).toBe(409);
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(day, "15:00") }))).status).toBe(409);
		expect((await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(day, "14:00") }))).status).toBe(201);
	});

	it("an object imports its merchant's D1 schedule on first use, before it answers; the command then only verifies", async () => {
		const day = upcoming(3);
		// Another merchant's object, never used before (the demo's may have been, by the seed).
		await env.DB.batch([
			env.DB.prepare("insert into merchants (id, slug, name, timezone, settings) select 'mer_legacy', 'legacy', 'Legacy', timezone, settings from merchants where id = 'mer_demo'"),
			env.DB.prepare("insert into staff (id, merchant_id, name, email, timezone, color) values ('stf_legacy', 'mer_legacy', 'Lee', 'lee@example.com', 'Europe/Amsterdam', '#000000')"),
			env.DB.prepare("insert into services (id, merchant_id, name, duration_minutes, color) values ('svc_legacy', 'mer_legacy', 'Cut', 30, '#000000')"),
			env.DB.prepare("insert into staff_services (staff_id, service_id) values ('stf_legacy', 'svc_legacy')"),
			env.DB.prepare("insert into working_hours (id, staff_id, weekday, start_time, end_time) values ('wh_legacy', 'stf_legacy', ?, '09:00', '17:00')").bind(day.dayOfWeek),
			env.DB.prepare(
				`insert into bookings (id, merchant_id, service_id, staff_id, starts_at, ends_at, block_start, block_end, timezone, status, version, updated_at)
				 values ('bkg_legacy_first_use', 'mer_legacy', 'svc_legacy', 'stf_legacy', ?1, ?1 + 1800000, ?1, ?1 + 1800000, 'Europe/Amsterdam', 'confirmed', 1, ?1)`,
			).bind(Date.parse(at(day, "10:00"))),
		]);
		const res = await api(`/api/v1/m/legacy/availability?serviceId=svc_legacy&staffId=stf_legacy&from=${day}&to=${day}&timezone=Europe/Amsterdam`);
		expect(res.status).toBe(200);
		const starts = (await res.json<{ slots: Array<{ start: string }> }>()).slots.map((slot) => slot.start);
		expect(starts).toContain(at(day, "09:30"));
		expect(starts).not.toContain(at(day, "10:00"));
		const report = await (await migrate("mer_legacy")).json<MigrationReport>();
		expect(report).toMatchObject({ imported: { bookings: 0, series: 0, busyBlocks: 0, legacyMessages: 0 }, matches: true });
		expect(report.object.bookings).toBe(1);
	});

	it("refuses a merchant whose object and D1 disagree, and leaves it to do", async () => {
		const created = await postJson("/api/v1/m/demo/bookings", bookingBody());
		expect(created.status).toBe(201);
		const { booking } = await created.json<{ booking: { id: string } }>();
		await flushSchedule();
		// D1's copy went its own way (the object never wrote version 7).
		await env.DB.prepare("update bookings set version = 7 where id = ?").bind(booking.id).run();

		const res = await migrate("mer_demo");
		expect(res.status).toBe(409);
		expect(res.headers.get("content-type")).toBe("application/problem+json");
		const problem = await res.json<{ type: string; d1: { bookings: number; checksum: string }; object: { bookings: number; checksum: string } }>();
		expect(problem.type).toMatch(/\/schedule-mismatch$/);
		expect(problem.d1.bookings).toBe(problem.object.bookings);
		expect(problem.d1.checksum).not.toBe(problem.object.checksum);
		expect(await migratedAt("mer_demo")).toBeNull();
		expect((await listing()).merchants.map((m) => m.id)).toEqual(["mer_demo"]);
	});

	it("names the bookings that collide when the object took one over an old booking it did not know yet", async () => {
		const day = upcoming(3);
		// Booked after the deploy, before this merchant was migrated: the object did not know D1's 10:00.
		const created = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(day, "10:15") }));
		expect(created.status).toBe(201);
		const { booking } = await created.json<{ booking: { id: string; manageUrl: string } }>();
		await flushSchedule();
		await legacyBooking({ id: "bkg_legacy_clash", staffId: "stf_demo_ana", start: Date.parse(at(day, "10:00")) }).run();

		const res = await migrate("mer_demo");
		expect(res.status).toBe(409);
		const problem = await res.json<{ type: string; overlaps: Array<{ bookingIds: string[]; staffId: string; start: string }> }>();
		expect(problem.type).toMatch(/\/schedule-overlap$/);
		const pair = [booking.id, "bkg_legacy_clash"].sort();
		expect(problem.overlaps).toEqual([{ bookingIds: pair, staffId: "stf_demo_ana", start: at(day, "10:00") }]);
		expect(await migratedAt("mer_demo")).toBeNull();
		// The command stops there and names them too.
		const command = run();
		await expect(command.done).rejects.toThrow(/^stopped at mer_demo: D1 holds bookings that overlap the object's; 0 merchants migrated before it$/);
		expect(command.lines).toEqual([expect.stringMatching(new RegExp(`^mer_demo \\(demo\\): The object refused .* Overlapping: ${pair[0]} and ${pair[1]} at ${at(day, "10:00")}$`))]);

		// Cancelling one of the pair lets the next run finish, and the old booking then holds its time.
		const token = new URL(booking.manageUrl).searchParams.get("token") ?? "";
		expect((await postJson(`/api/v1/bookings/${booking.id}/cancel?token=${token}`, {})).status).toBe(200);
		await flushSchedule();
		const retried = await migrate("mer_demo");
		expect(retried.status).toBe(200);
		expect((await retried.json<MigrationReport>()).imported.bookings).toBe(1);
		expect(await anaSlots(day.toString())).not.toContain(at(day, "10:00"));
	});

	it("answers an unknown merchant and a malformed body as problems", async () => {
		const unknown = await migrate("mer_nobody");
		expect(unknown.status).toBe(404);
		expect(unknown.headers.get("content-type")).toBe("application/problem+json");
		const malformed = await ops(ROUTE, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ merchant: "mer_demo" }) });
		expect(malformed.status).toBe(400);
		expect(await migratedAt("mer_demo")).toBeNull();
	});
});

describe("GET /ops/schedules/migrate", () => {
	it("pages through the merchants still to migrate, by id, and leaves out those done", async () => {
		await env.DB.batch([plainMerchant("mer_a"), plainMerchant("mer_z")]);
		const first = await listing("?limit=2");
		expect(first.merchants.map((m) => m.id)).toEqual(["mer_a", "mer_demo"]);
		expect(first.next).toBe("mer_demo");
		const second = await listing(`?limit=2&after=${first.next}`);
		expect(second.merchants.map((m) => m.id)).toEqual(["mer_z"]);
		expect(second.next).toBeNull();

		expect((await migrate("mer_demo")).status).toBe(200);
		expect((await listing()).merchants.map((m) => m.id)).toEqual(["mer_a", "mer_z"]);
	});
});

describe("the ops token", () => {
	it("refuses a missing, wrong or non-bearer token with 401 and a Bearer challenge, changing nothing", async () => {
		for (const token of [null, "wrong-token", `${env.OPS_TOKEN}x`, env.OPS_TOKEN.slice(0, -1)]) {
			for (const res of [await migrate("mer_demo", token), await ops(ROUTE, {}, token)]) {
				expect(res.status).toBe(401);
				expect(res.headers.get("content-type")).toBe("application/problem+json");
				expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
			}
		}
		const basic = await api(ROUTE, { headers: { authorization: `Basic ${btoa(`ops:${env.OPS_TOKEN}`)}` } });
		expect(basic.status).toBe(401);
		expect(await migratedAt("mer_demo")).toBeNull();
	});

	it("hides the routes (the same 404 as any unknown path) when OPS_TOKEN is empty or unset", async () => {
		const app = createApp();
		const unknown = await (await app.request("http://slotline.test/no-such-path", {}, env, createExecutionContext())).json<Record<string, unknown>>();
		const { OPS_TOKEN: _, ...unset } = env;
		for (const bindings of [{ ...env, OPS_TOKEN: "" }, unset]) {
			for (const init of [{ headers: { authorization: `Bearer ${env.OPS_TOKEN}` } }, { method: "POST", headers: { authorization: "Bearer " } }]) {
				const res = await app.request(`http://slotline.test${ROUTE}`, init, bindings, createExecutionContext());
				expect(res.status).toBe(404);
				const method = init.method ?? "GET";
				expect(await res.json()).toEqual({ ...unknown, detail: `No route for ${method} ${ROUTE}`, instance: ROUTE });
			}
		}
		expect(await migratedAt("mer_demo")).toBeNull();
	});
});

describe("scripts/migrate-schedules.mjs", () => {
	it("lists on a dry run, migrates merchant by merchant, stops at the first mismatch, and resumes there", async () => {
		await env.DB.batch([plainMerchant("mer_a"), plainMerchant("mer_z")]);
		await env.DB.batch([legacyBooking({ id: "bkg_legacy_kept", staffId: "stf_demo_ana", start: Date.parse(at(upcoming(3), "10:00")) })]);

		const dry = run({ dryRun: true });
		expect(await dry.done).toEqual({ merchants: 3 });
		expect(dry.lines).toEqual([
			"mer_a (mer_a): would import bookings 0, series 0, busy blocks 0; relay messages 0",
			"mer_demo (demo): would import bookings 1, series 0, busy blocks 0; relay messages 0",
			"mer_z (mer_z): would import bookings 0, series 0, busy blocks 0; relay messages 0",
			"dry run: 3 merchants to migrate",
		]);
		expect(await migratedAt("mer_a")).toBeNull();

		// mer_demo's D1 row has drifted from what the object will hold: the run stops there.
		await merchantSchedule(env, "mer_demo").importFromD1();
		await env.DB.prepare("update bookings set version = 7 where id = 'bkg_legacy_kept'").run();
		const stopped = run();
		await expect(stopped.done).rejects.toThrow(MigrationError);
		await expect(stopped.done).rejects.toThrow(/stopped at mer_demo: .*; 1 merchants migrated before it/);
		expect(stopped.lines).toHaveLength(2);
		expect(stopped.lines[0]).toMatch(/^mer_a \(mer_a\): imported bookings 0, series 0, busy blocks 0; relayed messages 0; checksums match \(bookings 0, [0-9a-f]{12}\)$/);
		expect(stopped.lines[1]).toMatch(/^mer_demo \(demo\): checksums DIFFER \(D1: bookings 1, [0-9a-f]{12}; object: bookings 1, [0-9a-f]{12}\)$/);
		expect(await migratedAt("mer_a")).not.toBeNull();
		expect(await migratedAt("mer_demo")).toBeNull();
		expect(await migratedAt("mer_z")).toBeNull();

		// Put right, a second run starts at mer_demo; a third finds nothing left.
		await env.DB.prepare("update bookings set version = 1 where id = 'bkg_legacy_kept'").run();
		const resumed = run();
		expect(await resumed.done).toEqual({ merchants: 2 });
		expect(resumed.lines.map((line) => line.split(":")[0])).toEqual(["mer_demo (demo)", "mer_z (mer_z)", "migrated 2 merchants"]);
		expect(resumed.lines[0]).toMatch(/: imported bookings 0, .*checksums match \(bookings 1, /);
		const last = run();
		expect(await last.done).toEqual({ merchants: 0 });
		expect(last.lines).toEqual(["nothing to migrate: every merchant's schedule is in its Durable Object"]);
	});

	it("stops with a clear message when the deployment refuses the token", async () => {
		const refused = run({ token: "not-the-token" });
		await expect(refused.done).rejects.toThrow(/refused the token/);
		expect(refused.lines).toEqual([]);
	});
});
