// Recurring bookings through the public and admin APIs: monthly series, limits, and moving a
// series (all of it, this and following, one occurrence) after some occurrence was cancelled.
import { env } from "cloudflare:workers";
import { Temporal } from "temporal-polyfill";
import { beforeEach, describe, expect, it } from "vitest";
import { DEMO_TIMEZONE } from "../../src/demo/seed";
import { adminWorld, call } from "../admin/support";
import type { AdminWorld } from "../admin/support";
import { at, bookingBody, postJson, upcoming } from "../support/demo";
import { flushSchedule, refreshSchedule } from "../support/schedule";

interface BookingJson {
	id: string;
	start: string;
	status: string;
	manageUrl: string;
	seriesId: string | null;
}

let world: AdminWorld;
beforeEach(async () => {
	world = await adminWorld();
});

function tokenOf(booking: BookingJson): string {
	return new URL(booking.manageUrl).searchParams.get("token") ?? "";
}

async function weeklySeries(count: number, time = "10:00"): Promise<BookingJson[]> {
	const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(upcoming(2), time), recurrence: { frequency: "weekly", count } }));
	expect(res.status).toBe(201);
	// The manage routes find a booking's merchant in D1's read model, a moment behind the object.
	await flushSchedule();
	return (await res.json<{ occurrences: BookingJson[] }>()).occurrences;
}

async function startsBySeriesIndex(seriesId: string): Promise<Array<{ index: number; start: string; status: string }>> {
	await flushSchedule();
	const rows = await env.DB.prepare("select series_index, starts_at, status from bookings where series_id = ? order by series_index")
		.bind(seriesId)
		.all<{ series_index: number; starts_at: number; status: string }>();
	return rows.results.map((r) => ({ index: r.series_index, start: new Date(r.starts_at).toISOString().replace(".000Z", "Z"), status: r.status }));
}

const week = (n: number): Temporal.PlainDate => upcoming(2).add({ weeks: n });

describe("moving a series", () => {
	it("keeps every occurrence in its own week when an earlier one was cancelled", async () => {
		const occurrences = await weeklySeries(4);
		const [first, second] = occurrences;
		expect((await postJson(`/api/v1/bookings/${second!.id}/cancel?token=${tokenOf(second!)}`, { scope: "one" })).status).toBe(200);

		const moved = await postJson(`/api/v1/bookings/${first!.id}/reschedule?token=${tokenOf(first!)}`, { start: at(week(0), "14:00"), scope: "series" });
		expect(moved.status).toBe(200);
		expect(await startsBySeriesIndex(first!.seriesId!)).toEqual([
			{ index: 0, start: at(week(0), "14:00"), status: "confirmed" },
			// The cancelled occurrence stays where it was; the later ones keep weeks 2 and 3.
			{ index: 1, start: at(week(1), "10:00"), status: "cancelled" },
			{ index: 2, start: at(week(2), "14:00"), status: "confirmed" },
			{ index: 3, start: at(week(3), "14:00"), status: "confirmed" },
		]);
	});

	it("moves this and the following occurrences, or one occurrence, through the admin API", async () => {
		const occurrences = await weeklySeries(4);
		const third = occurrences[2]!;
		// This and following: from the third occurrence, a day later at 11:00.
		const following = await call<{ bookings: Array<{ id: string; start: string }> }>(world, world.owner, "POST", `/bookings/${third.id}/reschedule`, {
			start: at(week(2).add({ days: 1 }), "11:00"),
			scope: "series",
		});
		expect(following.status).toBe(200);
		expect(following.body.bookings.map((b) => b.start)).toEqual([at(week(2).add({ days: 1 }), "11:00"), at(week(3).add({ days: 1 }), "11:00")]);
		// One occurrence: the second moves alone.
		const one = await call(world, world.owner, "POST", `/bookings/${occurrences[1]!.id}/reschedule`, { start: at(week(1), "15:00"), scope: "one" });
		expect(one.status).toBe(200);
		expect((await startsBySeriesIndex(third.seriesId!)).map((r) => r.start)).toEqual([
			at(week(0), "10:00"),
			at(week(1), "15:00"),
			at(week(2).add({ days: 1 }), "11:00"),
			at(week(3).add({ days: 1 }), "11:00"),
		]);
	});

	it("moves a whole series forward by one or two weeks, onto times its own occurrences held", async () => {
		const occurrences = await weeklySeries(4);
		const first = occurrences[0]!;
		// Each occurrence's new time is where a later one stood until this very change.
		for (const weeks of [1, 2]) {
			const res = await postJson(`/api/v1/bookings/${first.id}/reschedule?token=${tokenOf(first)}`, { start: at(week(weeks), "10:00"), scope: "series" });
			expect(res.status).toBe(200);
		}
		expect(await startsBySeriesIndex(first.seriesId!)).toEqual(
			[0, 1, 2, 3].map((n) => ({ index: n, start: at(week(n + 2), "10:00"), status: "confirmed" })),
		);
	});

	it("refuses the whole move and names the occurrence that would conflict", async () => {
		const occurrences = await weeklySeries(3);
		const blocker = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(week(2), "14:00"), customer: { name: "X", email: "x@example.com" } }));
		expect(blocker.status).toBe(201);
		const first = occurrences[0]!;
		const res = await postJson(`/api/v1/bookings/${first.id}/reschedule?token=${tokenOf(first)}`, { start: at(week(0), "14:00"), scope: "series" });
		expect(res.status).toBe(409);
		expect((await res.json<{ conflicts: unknown }>()).conflicts).toEqual([{ index: 2, start: at(week(2), "14:00") }]);
		expect((await startsBySeriesIndex(first.seriesId!)).map((r) => r.start)).toEqual([0, 1, 2].map((n) => at(week(n), "10:00")));
	});
});

describe("monthly series", () => {
	it("books a monthly series from the 31st, landing on the last day of shorter months", async () => {
		// Ana works every day here, and the service books far enough ahead, so only the dates matter.
		await env.DB.batch([
			env.DB.prepare("insert into working_hours (id, staff_id, weekday, start_time, end_time) values ('wh_sat', 'stf_demo_ana', 6, '09:00', '12:30'), ('wh_sun', 'stf_demo_ana', 7, '09:00', '12:30')"),
			env.DB.prepare("update services set horizon_days = 120 where id = 'svc_demo_cut'"),
		]);
		await refreshSchedule();
		let first = Temporal.Now.plainDateISO(DEMO_TIMEZONE).add({ days: 2 });
		while (first.day !== 31) first = first.add({ days: 1 });
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ start: at(first, "10:00"), recurrence: { frequency: "monthly", count: 3 } }));
		expect(res.status).toBe(201);
		const { occurrences } = await res.json<{ occurrences: BookingJson[] }>();
		const expected = [0, 1, 2].map((n) => {
			const month = first.toPlainYearMonth().add({ months: n });
			return month.toPlainDate({ day: Math.min(31, month.daysInMonth) });
		});
		// Every 31st-based series of three reaches a month shorter than 31 days.
		expect(expected.some((date) => date.day < 31)).toBe(true);
		expect(occurrences.map((o) => o.start)).toEqual(expected.map((date) => at(date, "10:00")));
	});

	it("refuses more than 52 occurrences with 400 naming the field", async () => {
		const res = await postJson("/api/v1/m/demo/bookings", bookingBody({ recurrence: { frequency: "weekly", count: 53 } }));
		expect(res.status).toBe(400);
		expect(res.headers.get("content-type")).toBe("application/problem+json");
		const problem = await res.json<{ errors: Array<{ field: string }> }>();
		expect(problem.errors.map((e) => e.field)).toEqual(["body.recurrence.count"]);
		const count = await env.DB.prepare("select count(*) as n from bookings where merchant_id = 'mer_demo'").first<{ n: number }>();
		expect(count?.n).toBe(0);
	});
});
